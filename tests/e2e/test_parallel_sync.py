"""A pair synced with mappings side by side (`options.concurrency.mappings: 4`) ends in
step, with faults too, and a second run finds nothing to do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mapsync.cli import main
from mapsync.engine.commands.demo import write_config
from mapsync.engine.sandbox.launcher import Sandboxes

pytestmark = pytest.mark.e2e


def side_by_side(config: Path) -> None:
    data = yaml.safe_load(config.read_text("utf-8"))
    data["options"]["concurrency"] = {"mappings": 4, "intacct": 2, "salesforce": 4}
    config.write_text(yaml.safe_dump(data), encoding="utf-8")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main(list(argv))
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("faults", [None, "429:0.05,500:0.03,expire:0.01"])
def test_mappings_side_by_side_converge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], faults: str | None
) -> None:
    with Sandboxes(tmp_path, records=12, faults=faults) as boxes:
        config = write_config(tmp_path, boxes.connection_info(), None)
        side_by_side(config)
        answered = {"intacct": boxes.intacct.stats, "salesforce": boxes.salesforce.stats}
        before = {system: stats.total() for system, stats in answered.items()}
        for _ in range(4):  # faults may leave records for the next run, as in sequence
            code, report = run(capsys, "sync", "-c", str(config), "--json")
            if code == 0:
                break
        assert code == 0, report
        if faults is None:  # one run: each mapping counts its own calls, not its neighbours'
            for system, stats in answered.items():
                counted = sum(m["api_calls"][system] for m in report["mappings"])
                assert 0 < counted <= stats.total() - before[system], system
        names = [m["name"] for m in report["mappings"]]
        assert names[:3] == ["ARTerm", "BillingTemplate", "Class"]  # reported in write order
        code, check = run(capsys, "reconcile", "-c", str(config), "--json")
        assert (code, check["in_step"]) == (0, True)
        code, again = run(capsys, "sync", "-c", str(config), "--json")
        assert code == 0 and again["changes"] == 0
