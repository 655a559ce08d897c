"""The org's own records: its one Organization row and the integration user.

Salesforce answers `SELECT Id FROM Organization` with the organization ID that logins report
(`organizationId`) and that outbound messages carry (`OrganizationId`); the user a session
runs as is a User record whose `LanguageLocaleKey` is its language. Both exist from the start.
"""

from __future__ import annotations

from mapsync.engine.sandbox.salesforce.db import Database, quote
from mapsync.engine.sandbox.salesforce.ids import ORG_ID, USER_ID
from mapsync.engine.sandbox.salesforce.values import now_text

ORG_NAME = "mapsync sandbox"


def ensure_org_records(db: Database) -> None:
    """Create the Organization row and the integration user when the catalogs serve them."""
    _ensure(db, "Organization", ORG_ID, {
        "Name": ORG_NAME, "InstanceName": "SB0", "IsSandbox": 1,
        "OrganizationType": "Developer Edition", "LanguageLocaleKey": "en_US",
        "TimeZoneSidKey": "UTC",
    })
    _ensure(db, "User", USER_ID, {
        "Username": "integration@mapsync.sandbox", "FirstName": "Integration",
        "LastName": "User", "Name": "Integration User", "IsActive": 1,
        "LanguageLocaleKey": "en_US", "TimeZoneSidKey": "UTC",
    })


def _ensure(db: Database, name: str, record_id: str, values: dict[str, object]) -> None:
    obj = db.schema.get(name)
    if obj is None:
        return
    with db.transaction():
        found = db.select(f"SELECT COUNT(*) FROM {quote(obj.name)} WHERE Id = ?", (record_id,))
        if found[0][0]:
            return
        row = {k: v for k, v in values.items() if k in obj.fields}
        new_id = db.insert(obj, row, now_text())
        if new_id != record_id:
            # The first record of a fresh table gets sequence 1, whose Id is the well-known
            # one; a table that already held rows keeps them and the fixed Id is set here.
            db.conn.execute(f"UPDATE {quote(obj.name)} SET Id = ? WHERE Id = ?",
                            (record_id, new_id))
