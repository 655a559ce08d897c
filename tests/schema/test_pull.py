"""Reading live definitions: Salesforce describe answers and Intacct lookup/inspect answers
become snapshot documents that the catalog schema accepts."""

from __future__ import annotations

import json
from pathlib import Path

from mapsync.engine.catalog import load_catalogs, validate_document
from mapsync.engine.language import validate_paths
from mapsync.engine.schema.pull import field_uses, objects_named, salesforce_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "salesforce"
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "custom"


def test_a_captured_describe_becomes_a_valid_document() -> None:
    describe = json.loads((FIXTURES / "account.describe.json").read_text("utf-8"))
    document = salesforce_document(describe)
    validate_document("account.describe.json", document)
    fields = document["fields"]
    assert len(fields) == len(describe["fields"])
    assert fields["Name"]["required"] is True          # createable, not nillable, no default
    assert fields["Id"]["readonly"] is True
    assert fields["ParentId"]["references"] == ["Account"]
    assert fields["ParentId"]["relationship_name"] == "Parent"
    assert "Prospect" in fields["Type"]["values"]
    assert fields["BillingAddress"]["uncertain"] == "describe type address read as string"
    assert fields["History__c"].get("custom") is None  # the recorder's describe says so


def test_objects_and_field_uses_of_a_rule_set() -> None:
    loaded = validate_paths([EXAMPLE / "rules"])
    assert loaded.catalogs is not None
    named = objects_named(loaded.rule_set, loaded.catalogs)
    assert named == {"intacct": {"CUSTOMER", "SITE"}, "salesforce": {"Account", "Site__c"}}
    uses = {(u.system, u.obj, u.path): u.span.line for u in field_uses(loaded.rule_set)}
    assert uses[("intacct", "CUSTOMER", "REGION")] == 12
    assert uses[("salesforce", "Site__c", "Opened__c")] == 23


def test_the_shipped_rules_name_objects_the_catalogs_know() -> None:
    from mapsync.engine.resources import rules_dir

    loaded = validate_paths([rules_dir()])
    catalogs = load_catalogs()
    named = objects_named(loaded.rule_set, catalogs)
    assert "create_sotransaction" not in named["intacct"]
    assert "SODOCUMENT" in named["intacct"] and "Opportunity" in named["salesforce"]
    assert all(catalogs.get(system, n) for system, names in named.items() for n in names)
