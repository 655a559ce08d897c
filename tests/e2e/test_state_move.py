"""A synced pair's state moves SQLite -> PostgreSQL -> SQLite, and reconcile still finds
both sides in step through the moved links (nothing to create, nothing duplicated)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mapsync.cli import main
from mapsync.engine.commands.demo import write_config
from mapsync.engine.sandbox.launcher import Sandboxes
from tests.runner.state_backends import Backend, postgres_url

pytestmark = pytest.mark.e2e


def with_state(config: Path, state: dict[str, str], name: str) -> Path:
    data = yaml.safe_load(config.read_text("utf-8"))
    data["state"] = state
    moved = config.with_name(name)
    moved.write_text(yaml.safe_dump(data), encoding="utf-8")
    return moved


def in_step(capsys: pytest.CaptureFixture[str], config: Path) -> bool:
    code = main(["reconcile", "-c", str(config), "--json"])
    report = json.loads(capsys.readouterr().out)
    return code == 0 and report["in_step"] is True


def test_state_moved_to_postgres_and_back_still_reconciles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = postgres_url()
    pg = Backend("postgres", tmp_path)
    directory = tmp_path / "pair"
    try:
        with Sandboxes(directory, records=8) as boxes:
            config = write_config(directory, boxes.connection_info(), None)
            assert main(["sync", "-c", str(config), "--json"]) == 0
            capsys.readouterr()
            dump, back = tmp_path / "to-pg.jsonl", tmp_path / "to-sqlite.jsonl"
            assert main(["state", "export", "-c", str(config), "-o", str(dump)]) == 0
            on_pg = with_state(config, {"url": url, "pair": pg.namespace}, "pg.yaml")
            assert main(["state", "import", "-c", str(on_pg), str(dump)]) == 0
            capsys.readouterr()
            assert in_step(capsys, on_pg)
            assert main(["plan", "-c", str(on_pg), "--json"]) == 0  # no change to make
            capsys.readouterr()

            assert main(["state", "export", "-c", str(on_pg), "-o", str(back)]) == 0
            home = with_state(config, {"path": "back.db"}, "back.yaml")
            assert main(["state", "import", "-c", str(home), str(back)]) == 0
            capsys.readouterr()
            assert in_step(capsys, home)
            lines = dump.read_text("utf-8").splitlines()
            assert back.read_text("utf-8").splitlines()[1:] == lines[1:]
            assert len(lines) > 50
    finally:
        pg.drop()
