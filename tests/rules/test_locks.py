"""Every field Intacct requires is mapped and locked, and the checker defends the locks."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from engine.catalog import Catalogs, ObjectInfo, load_catalogs
from engine.language import compile_paths, validate_paths
from engine.plan import Plan, PlanField
from engine.resources import rules_dir

FLIP = {"<->": "->", "<-": "->", "->": "<-"}
ARROW = re.compile(r"\s(<->|<-|->)\s")


def _plan() -> Plan:
    compiled, loaded = compile_paths([rules_dir()])
    assert compiled is not None, [str(d) for d in loaded.diagnostics]
    return compiled


def _field_sets(plan: Plan, catalogs: Catalogs):
    """(mapping, Intacct catalog object, fields, may the mapping create Intacct records)."""
    for mapping in plan.mappings:
        header = catalogs.get("intacct", mapping.intacct["object"])
        creates = mapping.kind == "action" or "intacct" in mapping.create
        yield mapping.name, header, mapping.fields, creates
        for lines in mapping.lines:
            info = catalogs.get("intacct", lines.intacct["object"])
            yield f"{mapping.name}.{lines.name}", info, lines.fields, creates


def _paths(field: PlanField) -> tuple[str, ...]:
    side = field.intacct
    if side is None:
        return ()
    return (side,) if isinstance(side, str) else tuple(side)


def _locked_rules() -> list[tuple[str, int, bool]]:
    """(rule file, line, defended by the checker today) of every locked rule."""
    out = []
    for mapping in _plan().mappings:
        defended = mapping.kind != "sync" or "intacct" in mapping.create
        fields = list(mapping.fields) + [f for lines in mapping.lines for f in lines.fields]
        out += [(f.source.path, f.source.line, defended) for f in fields if f.locked]
    return sorted(set(out))


def test_every_required_intacct_field_that_is_mapped_is_locked(plan: Plan,
                                                                 catalogs: Catalogs) -> None:
    unlocked = []
    for where, info, fields, _ in _field_sets(plan, catalogs):
        assert info is not None, where
        for field in fields:
            required = [p for p in _paths(field) if _required(info, p)]
            if required and field.direction != "off" and not field.locked:
                unlocked.append((where, required))
    assert unlocked == []


def test_mappings_that_create_intacct_records_send_every_required_field(
        plan: Plan, catalogs: Catalogs) -> None:
    missing = []
    for where, info, fields, creates in _field_sets(plan, catalogs):
        if not creates or info is None:
            continue
        sent = {p for f in fields if f.direction in ("to_intacct", "both") for p in _paths(f)}
        parent = info.parent["field"] if info.parent else None
        needed = [n for n in info.required_fields() if n != parent]
        missing += [(where, n) for n in needed if n not in sent]
    assert missing == []


def _required(info: ObjectInfo, path: str) -> bool:
    found = info.field(path)
    return found is not None and found.required


PARAMS = [pytest.param(path, line, id=f"{Path(path).name}:{line}",
                       marks=() if defended else pytest.mark.xfail(
                           strict=True,
                           reason="the checker locks Intacct-required fields only in mappings "
                                  "that may create Intacct records"))
          for path, line, defended in _locked_rules()]


@pytest.mark.parametrize(("path", "line"), PARAMS)
def test_flipping_a_locked_rule_is_rejected(path: str, line: int, tmp_path: Path) -> None:
    source = rules_dir()
    for file in source.glob("*.map"):
        shutil.copy(file, tmp_path / file.name)
    target = tmp_path / Path(path).name
    lines = target.read_text("utf-8").splitlines(keepends=True)
    found = ARROW.search(lines[line - 1])
    assert found is not None, lines[line - 1]
    arrow = found.group(1)
    start, end = found.span(1)
    lines[line - 1] = lines[line - 1][:start] + FLIP[arrow] + lines[line - 1][end:]
    target.write_text("".join(lines), "utf-8")
    errors = [d for d in validate_paths([tmp_path], load_catalogs()).diagnostics
              if d.severity == "error"]
    assert any(d.path.endswith(target.name) and d.line == line for d in errors), errors
