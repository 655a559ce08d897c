"""Every field Intacct requires is mapped and locked, and the checker defends the locks."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from mapsync.engine.catalog import Catalogs, ObjectInfo
from mapsync.engine.language import compile_paths, validate_paths
from mapsync.engine.plan import Plan, PlanField, PlanMapping
from mapsync.engine.resources import rules_dir

ARROW = re.compile(r"\s(<->|<-|->)\s")
ARROW_OF = {"to_salesforce": "->", "to_intacct": "<-", "both": "<->", "off": "off"}
KIND_ARROWS = {"sync": {"->", "<-", "<->", "off"}, "managed": {"->", "off"},
               "action": {"<-", "off"}}


def _plan() -> Plan:
    compiled, loaded = compile_paths([rules_dir()])
    assert compiled is not None, [str(d) for d in loaded.diagnostics]
    return compiled


def _field_sets(plan: Plan, catalogs: Catalogs):
    """(mapping, Intacct catalog object, fields, may the mapping create Intacct records)."""
    for mapping in plan.mappings:
        header = catalogs.get("intacct", mapping.intacct["object"])
        creates = _creates_intacct(mapping)
        yield mapping.name, header, mapping.fields, creates
        for lines in mapping.lines:
            info = catalogs.get("intacct", lines.intacct["object"])
            yield f"{mapping.name}.{lines.name}", info, lines.fields, creates


def _paths(field: PlanField) -> tuple[str, ...]:
    side = field.intacct
    if side is None:
        return ()
    return (side,) if isinstance(side, str) else tuple(side)


def _creates_intacct(mapping: PlanMapping) -> bool:
    """Whether locked fields of `mapping` must flow to Intacct (it may create Intacct records)."""
    return mapping.kind == "action" or (mapping.kind == "sync" and "intacct" in mapping.create)


def _flips(arrow: str, to_intacct: bool) -> list[str]:
    """The arrows that break the lock of a rule written with `arrow`; never an allowed one."""
    allowed = {"<-", "<->"} if to_intacct else {"->", "<->"}
    flipped = {"<->": "->" if to_intacct else "<-", "<-": "->", "->": "<-"}[arrow]
    return [a for a in (flipped, "off") if a not in allowed]


def _locked_flips() -> list[tuple[str, int, str, str, str]]:
    """(rule file, line, arrow, flipped arrow, expected code) for every locked rule."""
    out = []
    for mapping in _plan().mappings:
        fields = list(mapping.fields) + [f for lines in mapping.lines for f in lines.fields]
        for f in fields:
            if not (f.locked or f.required):
                continue
            arrow = ARROW_OF[f.direction]
            for flipped in _flips(arrow, _creates_intacct(mapping)):
                code = "locked-field" if flipped in KIND_ARROWS[mapping.kind] else "not-allowed"
                out.append((f.source.path, f.source.line, arrow, flipped, code))
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


FLIPS = _locked_flips()


def test_every_locked_rule_has_a_flip() -> None:
    locked = {(f.source.path, f.source.line) for m in _plan().mappings
              for f in [*m.fields, *(f for lines in m.lines for f in lines.fields)]
              if f.locked or f.required}
    assert {(path, line) for path, line, *_ in FLIPS} == locked
    assert len(locked) > 40


@pytest.mark.parametrize(("path", "line", "arrow", "flipped", "code"), FLIPS,
                         ids=[f"{Path(p).name}:{n}:{a}:{b}" for p, n, a, b, _ in FLIPS])
def test_flipping_a_locked_rule_is_rejected(path: str, line: int, arrow: str, flipped: str,
                                            code: str, tmp_path: Path,
                                            catalogs: Catalogs) -> None:
    for file in rules_dir().glob("*.map"):
        shutil.copy(file, tmp_path / file.name)
    target = tmp_path / Path(path).name
    lines = target.read_text("utf-8").splitlines(keepends=True)
    found = ARROW.search(lines[line - 1])
    assert found is not None and found.group(1) == arrow, lines[line - 1]
    start, end = found.span(1)
    lines[line - 1] = lines[line - 1][:start] + flipped + lines[line - 1][end:]
    target.write_text("".join(lines), "utf-8")
    errors = [(d.code, d.line) for d in validate_paths([tmp_path], catalogs).diagnostics
              if d.severity == "error" and Path(d.path).name == target.name]
    assert (code, line) in errors, errors
