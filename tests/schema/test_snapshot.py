"""Schema snapshots: reading (diagnostics with file and line), the overlay, writing, diffs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mapsync.engine.catalog import load_catalogs, overlay
from mapsync.engine.diagnostics import render
from mapsync.engine.language import validate_paths
from mapsync.engine.language.ast import Span
from mapsync.engine.schema.diff import diff_documents, render_changes
from mapsync.engine.schema.pull import Use
from mapsync.engine.schema.snapshot import (
    dump_document,
    find_snapshot,
    read_snapshot,
    write_snapshot,
)

RULES = """\
mapping Customer {
    intacct    CUSTOMER key CUSTOMERID
    salesforce Account  key Intacct_ID__c
    NAME                   <- Name
    DISPLAYCONTACT.PRINTAS <- Name
    REGION <-> Region__c
}
"""


def document(system: str, obj: str, fields: dict[str, dict[str, object]],
             origin: str = "declared") -> dict[str, object]:
    return {"system": system, "object": obj, "label": obj, "origin": origin, "fields": fields}


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "customers.map").write_text(RULES, "utf-8")
    for name, text in files.items():
        path = tmp_path / "schema" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return tmp_path / "rules"


REGION = json.dumps(document("intacct", "CUSTOMER", {"REGION": {"type": "string"}}), indent=2)
REGION_C = json.dumps(document("salesforce", "Account", {"Region__c": {"type": "string"}}))


def test_validate_json_names_the_snapshot_it_checked_against(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mapsync.cli import main

    rules = project(tmp_path, {"intacct/CUSTOMER.json": REGION,
                               "salesforce/Account.json": REGION_C})
    assert main(["validate", "--format", "json", str(rules)]) == 0
    report = json.loads(capsys.readouterr().out)
    schema = tmp_path / "schema"
    assert report == {"checked_against": {
        "origin": f"the schema snapshot in {schema} (2 objects) over the shipped catalogs",
        "catalogs": "shipped", "snapshot": str(schema),
        "snapshot_files": [str(schema / "intacct" / "CUSTOMER.json"),
                           str(schema / "salesforce" / "Account.json")]},
        "diagnostics": []}


def test_declared_fields_make_the_rule_valid_and_say_what_was_used(tmp_path: Path) -> None:
    rules = project(tmp_path, {"intacct/CUSTOMER.json": REGION,
                               "salesforce/Account.json": REGION_C})
    loaded = validate_paths([rules])
    assert loaded.diagnostics == ()
    assert loaded.catalogs is not None
    assert loaded.catalogs.origin.startswith(f"the schema snapshot in {tmp_path / 'schema'}")
    assert find_snapshot([rules]) == tmp_path / "schema"


def test_an_unknown_field_names_the_snapshot_and_how_to_add_it(tmp_path: Path) -> None:
    rules = project(tmp_path, {"intacct/CUSTOMER.json": REGION})
    [problem] = validate_paths([rules]).diagnostics
    assert (problem.code, problem.line, problem.column) == ("unknown-field", 6, 16)
    assert "Account was checked against the shipped catalog" in problem.hints[-1]
    assert "mapsync schema pull" in problem.hints[-1]
    assert "schema/salesforce/Account.json" in problem.hints[-1]


@pytest.mark.parametrize(("text", "line", "message"), [
    ('{\n  "system": "intacct",\n  "object": "CUSTOMER"\n  "label": "x"\n}', 4,
     "not valid JSON"),
    (REGION.replace('"string"', '"strng"'), 8, 'unknown type "strng"'),
    (REGION.replace('"CUSTOMER"', '"VENDOR"'), 3, "file is named CUSTOMER.json"),
    (REGION.replace('"fields"', '"feilds"'), 1, "'fields' is a required property"),
    ("[1, 2]", 1, "one JSON object"),
], ids=["json", "unknown-type", "misnamed", "missing-fields", "not-object"])
def test_a_broken_snapshot_file_is_a_diagnostic_with_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    rules = project(tmp_path, {"intacct/CUSTOMER.json": text})
    loaded = validate_paths([rules])
    [problem] = [d for d in loaded.diagnostics
                 if d.path.endswith("CUSTOMER.json") and message in d.message]
    assert problem.line == line
    rendered = render(list(loaded.diagnostics), "text", loaded.sources)
    assert f"CUSTOMER.json:{line}:" in rendered


def test_unknown_type_suggests_the_closest(tmp_path: Path) -> None:
    root = tmp_path / "schema"
    (root / "intacct").mkdir(parents=True)
    (root / "intacct" / "CUSTOMER.json").write_text(REGION.replace('"string"', '"strng"'))
    [problem] = read_snapshot(root).diagnostics
    assert problem.hints[0] == "did you mean `string`?"


def test_overlay_adds_fields_keeps_shipped_facts_and_takes_the_orgs_picklist() -> None:
    shipped = load_catalogs()
    merged = overlay(shipped, [("s", document("intacct", "CUSTOMER", {
        "REGION": {"type": "string"},
        "STATUS": {"type": "string", "values": ["active", "inactive", "suspended"]}}))], "x")
    customer = merged.intacct["CUSTOMER"]
    assert customer.fields["REGION"].type == "string"
    assert customer.fields["STATUS"].type == "picklist"  # shipped type kept
    assert customer.fields["STATUS"].values[-1] == "suspended"
    assert customer.key == "CUSTOMERID" and customer.snapshot == "s"
    assert "REGION" not in shipped.intacct["CUSTOMER"].fields


def test_dump_is_deterministic_whatever_the_input_order() -> None:
    one = document("salesforce", "Account", {"B__c": {"type": "string", "label": "B"},
                                             "A__c": {"label": "A", "type": "string"}})
    two = {"fields": dict(reversed(list(one["fields"].items()))),  # type: ignore[union-attr]
           **{k: v for k, v in reversed(list(one.items())) if k != "fields"}}
    assert dump_document(one) == dump_document(two)
    assert dump_document(one).index('"A__c"') < dump_document(one).index('"B__c"')


def test_a_write_that_fails_half_way_leaves_the_previous_snapshot(tmp_path: Path) -> None:
    root = tmp_path / "schema"
    write_snapshot(root, [document("intacct", "CUSTOMER", {"REGION": {"type": "string"}})])
    before = {p: p.read_bytes() for p in root.rglob("*.json")}
    broken = document("salesforce", "Account", {"X__c": {"type": "string", "values": {1}}})
    with pytest.raises(TypeError):
        write_snapshot(root, [document("intacct", "CUSTOMER", {}), broken])
    assert {p: p.read_bytes() for p in root.rglob("*.json")} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["schema"]


def test_a_write_keeps_other_objects_files(tmp_path: Path) -> None:
    root = tmp_path / "schema"
    write_snapshot(root, [document("intacct", "SITE", {"NAME": {"type": "string"}})])
    write_snapshot(root, [document("intacct", "CUSTOMER", {"REGION": {"type": "string"}})])
    assert sorted(p.name for p in (root / "intacct").iterdir()) == ["CUSTOMER.json", "SITE.json"]


def test_diff_lists_added_removed_retyped_and_picklist_changes() -> None:
    old = [document("intacct", "CUSTOMER", {
        "REGION": {"type": "string"}, "TIER": {"type": "string", "length": 10},
        "KIND": {"type": "picklist", "values": ["a", "b"]}}, origin="pull")]
    new = [document("intacct", "CUSTOMER", {
        "TIER": {"type": "string", "length": 20}, "SCORE": {"type": "integer"},
        "KIND": {"type": "picklist", "values": ["a", "c"]}}, origin="pull")]
    changes = diff_documents(old, new)
    assert [(c.kind, c.field) for c in changes] == [
        ("values", "KIND"), ("removed", "REGION"), ("added", "SCORE"), ("retyped", "TIER")]
    use = Use("intacct", "CUSTOMER", "REGION", Span("rules/c.map", 6, 5, 6, 11))
    text = render_changes(changes, [use])
    assert "intacct CUSTOMER: field REGION removed\n  used at rules/c.map:6:5" in text
    assert "pick-list +'c', -'b'" in text and "string(10) -> string(20)" in text


def test_diff_of_a_declared_file_ignores_the_orgs_other_fields() -> None:
    old = [document("intacct", "CUSTOMER", {"REGION": {"type": "string"}})]
    new = [document("intacct", "CUSTOMER", {"REGION": {"type": "string"},
                                            "NAME": {"type": "string"}}, origin="pull")]
    assert diff_documents(old, new) == []
