"""`mapsync rules init DIR` copies the standard rules out, and diagnostics name the shipped
files `<standard>/...`, never a path inside the installed package."""

from __future__ import annotations

from pathlib import Path

import pytest

from mapsync.cli import main
from mapsync.engine.language import compile_paths
from mapsync.engine.language.loader import find_rule_files
from mapsync.engine.plan import dump
from mapsync.engine.resources import rules_dir

SHIPPED = sorted(p.name for p in rules_dir().glob("*.map"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_writes_the_standard_rules_and_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "my-rules"
    code, out, err = run(capsys, "rules", "init", str(folder))
    assert (code, err) == (0, "")
    assert sorted(p.name for p in folder.glob("*.map")) == SHIPPED
    assert f"wrote the {len(SHIPPED)} standard rule files to {folder}" in out
    assert f"mapsync validate {folder}" in out
    for name in SHIPPED:
        assert (folder / name).read_bytes() == (rules_dir() / name).read_bytes()


def test_init_keeps_existing_files_without_force(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "customers.map").write_text("# mine\n", "utf-8")
    code, out, err = run(capsys, "rules", "init", str(tmp_path))
    assert (code, out) == (1, "")
    assert f"{tmp_path / 'customers.map'} exists; use --force" in err
    assert (tmp_path / "customers.map").read_text("utf-8") == "# mine\n"
    assert run(capsys, "rules", "init", "--force", str(tmp_path))[0] == 0
    assert (tmp_path / "customers.map").read_bytes() == (rules_dir() / "customers.map").read_bytes()


def test_init_without_a_folder_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["rules", "init"])
    assert exit_.value.code == 2
    assert "DIR" in capsys.readouterr().err


def test_shipped_rules_are_shown_as_standard() -> None:
    files, problems = find_rule_files([rules_dir()])
    assert problems == []
    assert [f.shown for f in files] == [f"<standard>/{name}" for name in SHIPPED]
    single, _ = find_rule_files([rules_dir() / "customers.map"])
    assert single[0].shown == "<standard>/customers.map"


def test_a_copy_is_shown_by_its_own_path_and_compiles_to_the_same_plan(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "rules"
    run(capsys, "rules", "init", str(folder))
    files, _ = find_rule_files([folder])
    assert files[0].shown == str(folder / SHIPPED[0])
    copied, _ = compile_paths([folder])
    shipped, _ = compile_paths([rules_dir()])
    assert copied is not None and shipped is not None
    assert dump(copied) == dump(shipped)
    assert '"rules/customers.map"' in dump(shipped)
