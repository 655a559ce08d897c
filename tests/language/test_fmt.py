"""`mapsync fmt`: the canonical layout is stable (fmt(fmt(x)) == fmt(x)), changes no plan,
keeps comments and lines, and the shipped rules are already in it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from mapsync.cli import main
from mapsync.engine.catalog import load_catalogs
from mapsync.engine.language import LanguageError, compile_rules, parse_text
from mapsync.engine.language.ast import RuleSet
from mapsync.engine.language.fmt import format_text
from mapsync.engine.language.parser import decode_source
from mapsync.engine.resources import rules_dir
from tests.language.corpus import RULE_FILES, mutated, shipped

MESSY = """\
# price books
mapping   Item {
  intacct ITEM key ITEMID
        salesforce   Product2 key Intacct_ID__c   # upserted by this
  label en_US "Items"
   ITEMID <-> ProductCode locked
  NAME <-> Name|trim   locked
    STATUS <-> IsActive | bool("active","inactive")
  BASEPRICE  -> Intacct_Base_Price__c | currency   # list price
      label en_US "Base price"
  label en_US "Again"
}
"""

TIDY = """\
# price books
mapping Item {
    intacct    ITEM     key ITEMID
    salesforce Product2 key Intacct_ID__c  # upserted by this
    label en_US "Items"
    ITEMID    <-> ProductCode                  locked
    NAME      <-> Name                  | trim locked
    STATUS    <-> IsActive              | bool("active","inactive")
    BASEPRICE ->  Intacct_Base_Price__c | currency  # list price
        label en_US "Base price"
    label en_US "Again"
}
"""


def test_canonical_layout() -> None:
    assert format_text(MESSY) == TIDY
    assert format_text(TIDY) == TIDY


def test_a_label_keeps_what_it_labels() -> None:
    rules = parse_text(TIDY).items
    block = rules[0]
    assert [s for s in block.statements if type(s).__name__ == "LabelDecl"] != []
    base = next(s for s in block.statements if getattr(s, "salesforce", None) is not None
                and getattr(s.salesforce, "path", "") == "Intacct_Base_Price__c")
    assert [label.text for label in base.labels] == ["Base price"]


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.stem for p in RULE_FILES])
def test_shipped_rules_are_formatted(path: Path) -> None:
    text = path.read_text("utf-8")
    assert format_text(text) == text


def meaning(name: str, text: str) -> Any:
    """The plan of `text` with the other shipped files (positions' columns aside, since
    layout moves them), or the codes and lines of the problems that stop it."""
    rule_file = parse_text(text, name, name)
    others = [f for n, f in shipped().items() if n != name]
    try:
        plan = compile_rules(RuleSet((rule_file, *others)), load_catalogs())
    except LanguageError as exc:
        return sorted((d.code, d.line) for d in exc.diagnostics)
    return without_columns(plan.to_dict())


def without_columns(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: without_columns(v) for k, v in data.items() if k != "column"}
    if isinstance(data, list):
        return [without_columns(v) for v in data]
    return data


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_fmt_is_idempotent_and_keeps_the_plan(case: tuple[str, bytes]) -> None:
    name, data = case
    try:
        text = decode_source(data, name)
    except LanguageError:
        return  # binary or not UTF-8: `mapsync fmt` reports it and never formats it
    try:
        parse_text(text, name, name)
    except LanguageError:
        with pytest.raises(LanguageError):
            format_text(text)  # a file that does not parse is refused, never rewritten
        return
    once = format_text(text)
    assert format_text(once) == once
    # line breaks counted as the parser reads them (a lone CR or U+2028 is one too)
    assert len(once.splitlines()) <= len(text.splitlines()) + 1
    assert meaning(name, once) == meaning(name, text)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_prints_a_diff_and_exits_1(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "items.map"
    path.write_text(MESSY, "utf-8")
    code, out, err = run(capsys, "fmt", "--check", str(path))
    assert code == 1
    assert f"--- {path} (as written)" in out and f"+++ {path} (formatted)" in out
    assert "+    NAME      <-> Name                  | trim locked" in out
    assert "1 file would be reformatted, 0 unchanged" in err
    assert path.read_text("utf-8") == MESSY


def test_fmt_rewrites_in_place_then_check_passes(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "items.map"
    path.write_text(MESSY, "utf-8")
    assert run(capsys, "fmt", str(tmp_path))[0] == 0
    assert path.read_text("utf-8") == TIDY
    code, out, err = run(capsys, "fmt", "--check", str(tmp_path))
    assert (code, out) == (0, "")
    assert "0 files would be reformatted, 1 unchanged" in err


def test_a_file_with_a_syntax_error_is_left_alone(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.map"
    broken = "mapping Item {\n    NAME <-> \n"
    path.write_text(broken, "utf-8")
    code, _, err = run(capsys, "fmt", str(path))
    assert code == 1
    assert f"{path}:2:" in err and "error[" in err
    assert path.read_text("utf-8") == broken


def test_stdin_prints_the_layout(capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(MESSY))
    code, out, _ = run(capsys, "fmt", "-")
    assert (code, out) == (0, TIDY)


def test_missing_path_is_a_usage_error(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "fmt", str(tmp_path / "nope.map"))
    assert code == 2 and "no such file or folder" in err


def test_the_shipped_folder_checks_clean(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "fmt", "--check", str(rules_dir()))
    assert (code, out) == (0, "")


@pytest.mark.parametrize("lead", ["\r", "\r\r", "\u2028", "\r\n"])
def test_a_line_break_of_another_kind_keeps_every_rule_on_its_line(lead: str) -> None:
    name = "contacts.map"
    text = lead + shipped_text(name).replace("\n", "\r", 3)
    once = format_text(text)
    assert "\r" not in once and "\u2028" not in once
    assert meaning(name, once) == meaning(name, text)


def shipped_text(name: str) -> str:
    return (rules_dir() / name).read_text(encoding="utf-8")
