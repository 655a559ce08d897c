"""A customised company end to end: custom fields on both sides, pulled, synced, then removed.

1. the sandboxes serve a custom field on each side (`REGION` on CUSTOMER, `Region__c` on
   Account, declared as an admin would); `schema pull` writes them into the snapshot;
2. a rule `REGION <-> Region__c` validates against that snapshot;
3. sync, change the value on each side, sync again, reconcile: in step;
4. the field is removed from the Intacct sandbox: `schema diff` exits 2 naming the rule's
   line, and after a new pull `validate` fails at that line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mapsync.cli import main
from mapsync.engine.catalog import load_catalogs, overlay
from mapsync.engine.commands.demo import write_config
from mapsync.engine.sandbox.launcher import Sandboxes
from mapsync.engine.schema.snapshot import catalogs_for

pytestmark = pytest.mark.e2e

RULES = """\
mapping Customer {
    intacct    CUSTOMER key CUSTOMERID
    salesforce Account  key Intacct_ID__c
    create intacct from salesforce
    conflict newest
    NAME                   <-> Name      locked
    DISPLAYCONTACT.PRINTAS <-  Name      locked
    CUSTOMERID             <-> AccountNumber
    REGION                 <-> Region__c
}
"""
RULE_LINE = 9  # the line of `REGION <-> Region__c` above


def declared(system: str, obj: str, name: str) -> dict[str, object]:
    """A snapshot document declaring one custom string field, as docs/schema.md shows."""
    return {"system": system, "object": obj, "label": obj, "origin": "declared",
            "fields": {name: {"type": "string", "length": 40, "custom": True,
                              "label": "Region"}}}


def write_declared(root: Path, documents: list[dict[str, object]]) -> Path:
    for document in documents:
        path = root / str(document["system"]) / f"{document['object']}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2), "utf-8")
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_custom_fields_pull_sync_and_drift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    (project / "rules").mkdir(parents=True)
    (project / "rules" / "customers.map").write_text(RULES, "utf-8")
    org = write_declared(tmp_path / "org", [
        declared("intacct", "CUSTOMER", "REGION"),
        declared("salesforce", "Account", "Region__c")])
    customised, _ = catalogs_for([], org)
    data = tmp_path / "sandbox"

    with Sandboxes(data, seed_profile="none", catalogs=customised) as boxes:
        config = str(write_config(project, boxes.connection_info(), str(project / "rules")))
        rules = str(project / "rules")

        # Without a snapshot the custom fields are unknown, and the hint says what to do.
        code, out, err = run(capsys, "validate", rules)
        assert code == 1 and "schema pull" in out and "the shipped catalogs" in err

        # 1. pull
        code, out, _ = run(capsys, "schema", "pull", "-c", config)
        assert code == 0
        customer = json.loads((project / "schema/intacct/CUSTOMER.json").read_text("utf-8"))
        account = json.loads((project / "schema/salesforce/Account.json").read_text("utf-8"))
        assert customer["fields"]["REGION"]["custom"] is True
        assert account["fields"]["Region__c"] == {
            "custom": True, "label": "Region", "length": 40, "type": "string"}

        # 2. validate against the snapshot
        code, _, err = run(capsys, "validate", rules)
        assert code == 0 and "schema snapshot" in err

        # 3. sync both ways, then reconcile
        sf = boxes.salesforce.store
        account_id = sf.insert("Account", {"Name": "Acme", "AccountNumber": "C-1",
                                           "Region__c": "EMEA"})
        assert run(capsys, "sync", "-c", config)[0] == 0
        [created] = boxes.intacct.store.list("CUSTOMER")
        assert created["REGION"] == "EMEA"

        sf.update("Account", account_id, {"Region__c": "APAC"})
        assert run(capsys, "sync", "-c", config)[0] == 0
        assert boxes.intacct.store.list("CUSTOMER")[0]["REGION"] == "APAC"

        boxes.intacct.store.update("CUSTOMER", int(created["RECORDNO"]), {"REGION": "AMER"})
        assert run(capsys, "sync", "-c", config)[0] == 0
        assert sf.get("Account", account_id)["Region__c"] == "AMER"

        code, out, _ = run(capsys, "reconcile", "-c", config, "--json")
        assert code == 0 and json.loads(out)["in_step"] is True

    # 4. the admin deletes REGION in Intacct: the sandbox now serves only Region__c.
    without = overlay(load_catalogs(), [("org", declared("salesforce", "Account",
                                                         "Region__c"))], "org")
    with Sandboxes(data, seed_profile="none", catalogs=without) as boxes:
        config = str(write_config(project, boxes.connection_info(), str(project / "rules")))
        code, out, _ = run(capsys, "schema", "diff", "-c", config)
        assert code == 2
        assert "intacct CUSTOMER: field REGION removed" in out
        assert f"used at {project / 'rules' / 'customers.map'}:{RULE_LINE}:5" in out

        assert run(capsys, "schema", "pull", "-c", config)[0] == 0
        code, out, _ = run(capsys, "validate", str(project / "rules"))
        assert code == 1
        assert f"customers.map:{RULE_LINE}:5: error[unknown-field]" in out
        assert "schema/intacct/CUSTOMER.json" in out
