"""Exit codes of `mapsync package`: 0 written, 1 rule errors, 2 usage."""

from __future__ import annotations

from pathlib import Path

import pytest

from mapsync.cli import main
from tests.package.conftest import generate


def test_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert generate(tmp_path / "out") == 0
    assert "files written to" in capsys.readouterr().err
    assert (tmp_path / "out" / "manifest" / "package.xml").is_file()


def test_rule_errors_exit_1_and_write_nothing(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "bad.map"
    rules.write_text("mapping Broken {\n    intacct NOSUCHOBJECT key X\n}\n", encoding="utf-8")
    assert main(["package", str(rules), "-o", str(tmp_path / "out")]) == 1
    assert "error[" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_missing_rules_exit_2(tmp_path: Path) -> None:
    assert main(["package", str(tmp_path / "nowhere"), "-o", str(tmp_path / "out")]) == 2


def test_non_empty_output_exit_2_unless_forced(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    assert generate(out) == 2
    assert "not empty" in capsys.readouterr().err
    assert generate(out, "--force") == 0
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_output_that_is_a_file_exit_2(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("", encoding="utf-8")
    assert generate(target) == 2


def test_unknown_format_exit_2(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        generate(tmp_path / "out", "--format", "zip")
    assert exc.value.code == 2
