"""One bad value fails one record: control characters in a match key and in a name fail
only their accounts, every other record syncs, and replay succeeds once the data is fixed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mapsync.cli import main
from mapsync.engine.commands.demo import write_config
from mapsync.engine.sandbox.launcher import Sandboxes

pytestmark = pytest.mark.e2e


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_control_characters_fail_only_their_records_and_replay_after_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Sandboxes(tmp_path / "sb", seed_profile="none") as boxes:
        config = str(write_config(tmp_path / "sb", boxes.connection_info(), None))
        accounts = boxes.salesforce.store
        bad_key = accounts.insert("Account", {"Name": "Vertical Tab Ltd",
                                              "AccountNumber": "VT\x0b001"})
        bad_name = accounts.insert("Account", {"Name": "Null\x00Byte\x01 Inc",
                                               "AccountNumber": "NB002"})
        for number in range(3):
            accounts.insert("Account", {"Name": f"Clean {number}",
                                        "AccountNumber": f"CL{number:03}"})

        code, report = run_json(capsys, "sync", "-c", config, "--only", "Customer", "--json")
        assert code == 3
        customer = report["mappings"][0]
        assert (customer["created"], customer["failed"]) == (3, 2)
        names = sorted(c["NAME"] for c in boxes.intacct.store.list("CUSTOMER"))
        assert names == ["Clean 0", "Clean 1", "Clean 2"]

        code, found = run_json(capsys, "errors", "-c", config, "--json")
        assert code == 0 and found["count"] == 2
        by_key = {e["record_key"]: e for e in found["errors"]}
        assert set(by_key) == {bad_key, bad_name}
        assert "CUSTOMERID holds U+000B (vertical tab) at position 3" in by_key[bad_key]["message"]
        assert "NAME holds U+0000 (NUL) at position 5" in by_key[bad_name]["message"]
        # each error points at the rule that writes the field
        assert by_key[bad_key]["rule"] == "rules/customers.map:17"
        assert by_key[bad_name]["rule"] == "rules/customers.map:15"
        assert {e["error_type"] for e in found["errors"]} == {"ValidationFailed"}

        accounts.update("Account", bad_key, {"AccountNumber": "VT001"})
        accounts.update("Account", bad_name, {"Name": "Null Byte Inc"})
        code, _ = run_json(capsys, "replay", "-c", config, "--json")
        assert code == 0
        names = sorted(c["NAME"] for c in boxes.intacct.store.list("CUSTOMER"))
        assert names == ["Clean 0", "Clean 1", "Clean 2", "Null Byte Inc", "Vertical Tab Ltd"]
        code, found = run_json(capsys, "errors", "-c", config, "--json")
        assert found["count"] == 0
