"""docs/schema.md's worked example: declared custom fields and objects validate, are served by
`sandbox serve --schema`, and sync end to end."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mapsync.cli import main
from mapsync.engine.commands.demo import write_config
from mapsync.engine.language import validate_paths
from mapsync.engine.sandbox.launcher import Sandboxes
from mapsync.engine.schema.snapshot import catalogs_for
from tests.sandbox.test_launcher import _first_line, intacct_call

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "docs" / "examples" / "custom"


def test_the_example_validates_against_its_snapshot() -> None:
    loaded = validate_paths([EXAMPLE / "rules"])
    assert loaded.diagnostics == ()
    assert loaded.catalogs is not None and "(4 objects)" in loaded.catalogs.origin


def test_the_docs_show_the_example_files_as_they_are() -> None:
    text = (REPO / "docs" / "schema.md").read_text("utf-8")
    for part in ('"REGION": {"type": "picklist"', '"Capacity__c": {"type": "decimal"',
                 "OPENED   ->  Opened__c | date"):
        assert part in text
        assert any(part in p.read_text("utf-8") for p in EXAMPLE.rglob("*.*"))


@pytest.mark.e2e
def test_the_example_syncs_in_the_sandboxes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalogs, _ = catalogs_for([], EXAMPLE / "schema")
    with Sandboxes(tmp_path / "sb", seed_profile="none", catalogs=catalogs) as boxes:
        config = str(write_config(tmp_path, boxes.connection_info(), str(EXAMPLE / "rules")))
        boxes.intacct.store.insert("SITE", {"NAME": "Lyon", "CAPACITY": 40,
                                            "OPENED": "03/15/2021"})
        boxes.salesforce.store.insert("Account", {"Name": "Acme", "AccountNumber": "C-9",
                                                  "Region__c": "Europe"})
        assert main(["sync", "-c", config]) == 0
        [site] = boxes.salesforce.store.list("Site__c")
        assert (site["Name"], site["Capacity__c"], site["Opened__c"]) == (
            "Lyon", 40, "2021-03-15")
        [customer] = boxes.intacct.store.list("CUSTOMER")
        assert customer["REGION"] == "EMEA"
        capsys.readouterr()
        assert main(["reconcile", "-c", config, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["in_step"] is True


def test_serve_with_schema_serves_the_custom_objects(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "mapsync", "sandbox", "serve", "--json", "--seed", "none",
         "--dir", str(tmp_path / "sb"), "--schema", str(EXAMPLE / "schema")],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        info: dict[str, Any] = json.loads(_first_line(process))
        data = intacct_call(info["intacct"], "<lookup><object>SITE</object></lookup>")
        ids = {f.findtext("ID"): f.findtext("ISCUSTOM") for f in data.iter("Field")}
        assert ids["CAPACITY"] == "true" and ids["NAME"] == "false"
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err


def test_serve_with_a_broken_schema_says_where(tmp_path: Path) -> None:
    (tmp_path / "schema" / "intacct").mkdir(parents=True)
    (tmp_path / "schema" / "intacct" / "SITE.json").write_text('{"system": "intacct",\n}')
    done = subprocess.run(
        [sys.executable, "-m", "mapsync", "sandbox", "serve", "--dir", str(tmp_path / "sb"),
         "--schema", str(tmp_path / "schema")],
        cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "SITE.json:2:1: error[schema-json]" in done.stderr
    assert "Traceback" not in done.stderr
