"""Golden cases: one rule file per diagnostic code, its rendered diagnostics snapshotted;
valid cases compile, match their plan snapshot and survive the JSON round trip."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from mapsync.engine.catalog import (
    Catalogs,
    ObjectInfo,
    iter_catalog_documents,
    load_catalogs,
    object_from_json,
)
from mapsync.engine.diagnostics import Diagnostic, render
from mapsync.engine.language import LanguageError, check, compile_rules, parse_text
from mapsync.engine.language.ast import RuleSet
from mapsync.engine.language.parser import decode_source
from mapsync.engine.plan import dump, load
from mapsync.engine.resources import schema_file

CASES = Path(__file__).parent / "cases"
ERROR_CASES = sorted((CASES / "errors").glob("*.map"))
VALID_CASES = sorted((CASES / "valid").glob("*.map"))


def diagnose(path: Path) -> tuple[list[Diagnostic], dict[str, str]]:
    """Run one file through decode, parse and check, as `mapsync validate` would."""
    shown = f"{path.stem}.map"
    try:
        text = decode_source(path.read_bytes(), shown)
    except LanguageError as exc:
        return list(exc.diagnostics), {}
    try:
        rule_file = parse_text(text, shown, shown)
    except LanguageError as exc:
        return list(exc.diagnostics), {shown: text}
    return check(RuleSet((rule_file,)), catalogs_for(path)), {shown: text}


def catalogs_for(case: Path) -> Catalogs:
    """The shipped catalogs, plus the fields a case's `<stem>.fields.json` adds to an object
    (as a project's reviewed schema snapshot would: `{"salesforce": {"Account": {...}}}`)."""
    extra = case.with_name(f"{case.stem}.fields.json")
    if not extra.exists():
        return load_catalogs()
    added: dict[str, dict[str, dict[str, object]]] = json.loads(extra.read_text("utf-8"))
    objects: dict[str, dict[str, ObjectInfo]] = {"intacct": {}, "salesforce": {}}
    for _, document in iter_catalog_documents():
        fields = added.get(document["system"], {}).get(document["object"], {})
        info = object_from_json({**document, "fields": {**document["fields"], **fields}})
        objects[document["system"]][info.name] = info
    return Catalogs(intacct=objects["intacct"], salesforce=objects["salesforce"])


@pytest.mark.parametrize("case", ERROR_CASES, ids=[p.stem for p in ERROR_CASES])
def test_error_case(case: Path, snapshot: object) -> None:
    diagnostics, sources = diagnose(case)
    assert case.stem in {d.code for d in diagnostics}
    assert render(diagnostics, "text", sources) == snapshot


def test_every_code_has_a_golden_case() -> None:
    documented = documented_codes()
    assert documented - {"unreadable-file", "no-rule-files"} == {p.stem for p in ERROR_CASES}


def documented_codes() -> set[str]:
    text = (Path(__file__).resolve().parents[2] / "docs" / "language.md").read_text("utf-8")
    section = text.split("## Diagnostics", 1)[1]
    return {line.split("`")[1] for line in section.splitlines() if line.startswith("| `")}


@pytest.mark.parametrize("case", VALID_CASES, ids=[p.stem for p in VALID_CASES])
def test_valid_case(case: Path, snapshot: object) -> None:
    diagnostics, _ = diagnose(case)
    assert diagnostics == []
    text = case.read_text("utf-8")
    plan = compile_rules(RuleSet((parse_text(text, case.name, f"valid/{case.name}"),)))
    assert dump(plan) == snapshot
    assert load(dump(plan)) == plan
    jsonschema.validate(json.loads(dump(plan)), json.loads(schema_file("plan.schema.json")
                                                           .read_text("utf-8")))
