"""The Connections page: each service's settings, secrets named but never shown, and a test.

A test logs in with the production client and reads one record, as a run would; it reports
what it reached (org or company, the record, API usage) or the exact error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mapsync.engine.config import Config, Secret

SYSTEMS = ("intacct", "salesforce")


@dataclass(frozen=True)
class ConnectionCheck:
    """What a connection test found: `ok`, facts to show, or the error."""

    system: str
    ok: bool
    facts: dict[str, str] = field(default_factory=dict)
    error: str | None = None


def secret_source(secret: Secret | None) -> str:
    """Where a secret lives, never its value: `env NAME` or `file PATH`."""
    if secret is None:
        return "-"
    return f"env {secret.env}" if secret.env is not None else f"file {secret.file}"


def settings_rows(config: Config, system: str) -> list[tuple[str, str]]:
    """The settings of one connection as (key, shown value); secrets only by their source."""
    from dataclasses import fields

    from mapsync.engine.config import Secret

    settings = config.intacct if system == "intacct" else config.salesforce
    rows = []
    for f in fields(settings):
        value = getattr(settings, f.name)
        if value is None:
            continue
        shown = secret_source(value) if isinstance(value, Secret) else str(value)
        rows.append((f.name, shown))
    return rows


def check_connection(config: Config, system: str) -> ConnectionCheck:
    """Log in to `system` and read one record; never raises for a service or config error."""
    from mapsync.engine.config import ConfigError
    from mapsync.engine.errors import SyncError

    try:
        facts = _intacct(config) if system == "intacct" else _salesforce(config)
    except (ConfigError, SyncError, OSError) as exc:
        return ConnectionCheck(system, False, error=str(exc))
    return ConnectionCheck(system, True, facts)


def _intacct(config: Config) -> dict[str, str]:
    from mapsync.engine.commands._connect import intacct_client

    client = intacct_client(config.intacct, config)
    try:
        endpoint = client.open_session()
        record: dict[str, Any] | None = next(
            iter(client.read_where("CUSTOMER", ["CUSTOMERID", "NAME"])), None)
    finally:
        client.close()
    return {"company": config.intacct.company_id, "user": config.intacct.user_id,
            "endpoint": endpoint, "record": _record_text(record, "CUSTOMERID", "NAME")}


def _salesforce(config: Config) -> dict[str, str]:
    from mapsync.engine.commands._connect import salesforce_client

    client = salesforce_client(config.salesforce, config)
    try:
        client.connect()
        record = next(iter(client.query("SELECT Id, Name FROM Account LIMIT 1")), None)
        usage = client.api_usage
        org = client.instance_url or ""
    finally:
        client.close()
    facts = {"org": org, "record": _record_text(record, "Id", "Name")}
    if usage is not None:
        facts["api usage"] = f"{usage.used} / {usage.total}"
    return facts


def _record_text(record: dict[str, Any] | None, key: str, name: str) -> str:
    if record is None:
        return "(no records)"
    return f"{record.get(key)} {record.get(name) or ''}".strip()
