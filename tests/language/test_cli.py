"""`mapsync validate` and `mapsync compile` through `cli.main`, on real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mapsync import cli

VALID = Path(__file__).parent / "cases" / "valid"
ERRORS = Path(__file__).parent / "cases" / "errors"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_clean_folder(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "validate", str(VALID))
    assert (code, out) == (0, "")
    assert "no problems" in err


def test_validate_reports_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", str(ERRORS / "unknown-field.map"))
    assert code == 1
    assert "error[unknown-field]: unknown Salesforce field `BillingCty` on Account" in out
    assert "did you mean `BillingCity`?" in out


def test_validate_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", "--format", "json", str(ERRORS / "bad-key.map"))
    report = json.loads(out)
    records = report["diagnostics"]
    assert report["checked_against"] == {"origin": "the shipped catalogs", "catalogs": "shipped",
                                         "snapshot": None, "snapshot_files": []}
    assert code == 1
    assert [r["code"] for r in records] == ["bad-key"]
    assert {"code", "severity", "path", "line", "column", "message", "hint"} <= set(records[0])


def test_validate_json_is_null_checked_against_when_parsing_stopped_the_checks(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "broken.map").write_text("mapping {\n", "utf-8")
    code, out, _ = run(capsys, "validate", "--format", "json", str(tmp_path))
    report = json.loads(out)
    assert code == 1 and report["checked_against"] is None and report["diagnostics"]


def test_validate_github(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", "--format", "github", str(ERRORS / "ref-cycle.map"))
    assert code == 1
    assert out.startswith("::error file=")
    assert ",line=" in out and "title=ref-cycle::" in out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "validate", str(tmp_path / "missing"))[0] == 2
    with pytest.raises(SystemExit) as info:
        cli.main(["validate", "--format", "xml"])
    assert info.value.code == 2


def test_folder_without_rule_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing here", "utf-8")
    code, out, _ = run(capsys, "validate", str(tmp_path))
    assert code == 1 and "error[no-rule-files]" in out


def test_unreadable_file_is_a_diagnostic(capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    from mapsync.engine.language import load_rule_set

    link = tmp_path / "gone.map"
    link.symlink_to(tmp_path / "nowhere.map")
    loaded = load_rule_set([link])
    assert [d.code for d in loaded.diagnostics] == ["unreadable-file"]


def test_compile_is_byte_identical(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    first = run(capsys, "compile", str(VALID))
    target = tmp_path / "plan.json"
    assert run(capsys, "compile", str(VALID), "-o", str(target))[0] == 0
    assert first[0] == 0
    assert target.read_text("utf-8") == first[1]
    plan = json.loads(first[1])
    assert plan["version"] == 1
    assert plan["mappings"][0]["source"]["path"] == "valid/customer.map"


def test_compile_with_errors_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "compile", str(ERRORS / "not-invertible.map"))
    assert (code, out) == (1, "")
    assert "error[not-invertible]" in err


def test_ten_thousand_rules(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rules = "".join(f"    DISPLAYCONTACT.PRINTAS <- Name{i % 3 and '' or ''}\n"
                    for i in range(10_000))
    (tmp_path / "big.map").write_text(
        "mapping Customer {\n    intacct CUSTOMER key CUSTOMERID\n"
        "    salesforce Account key Intacct_ID__c\n    NAME <- Name\n" + rules + "}\n", "utf-8")
    code, out, _ = run(capsys, "validate", str(tmp_path))
    assert code == 1
    assert out.count("error[duplicate-rule]") == 50
    assert out.rstrip().endswith("… and 9949 more")
