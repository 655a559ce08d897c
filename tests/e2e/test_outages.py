"""An unreachable service or a refused login stops plan, sync, reconcile and replay at once,
with exit 1 and a message naming the service and its host."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mapsync.cli import main
from mapsync.engine.commands._reach import host_of
from mapsync.engine.commands.demo import write_config
from mapsync.engine.sandbox.launcher import Sandboxes

pytestmark = pytest.mark.e2e

COMMANDS = ("plan", "sync", "reconcile", "replay")
# Compiling the rules takes most of it; a retry loop with backoff would take minutes.
PROMPT_SECONDS = 20.0


def stopped_config(directory: Path) -> tuple[Path, dict[str, str]]:
    """A config for sandboxes that have been stopped again: their ports refuse connections."""
    with Sandboxes(directory, seed_profile="none") as boxes:
        info = boxes.connection_info()
        config = write_config(directory, info, None)
    return config, {"Intacct": info["intacct"]["endpoint"],
                    "Salesforce": info["salesforce"]["login_url"]}


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, float]:
    started = time.monotonic()
    code = main(list(argv))
    return code, capsys.readouterr().err, time.monotonic() - started


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unreachable_service_stops_the_command_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    config, urls = stopped_config(tmp_path / "sb")
    code, err, seconds = run_cli(capsys, command, "-c", str(config))
    host, port = host_of(urls["Intacct"])
    assert code == 1
    assert f"cannot reach Intacct at {host}:{port}" in err
    assert seconds < PROMPT_SECONDS


def test_a_refused_salesforce_login_stops_sync_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "sb"
    with Sandboxes(directory, seed_profile="none") as boxes:
        info = boxes.connection_info()
        config = write_config(directory, info, None)
        (directory / "secrets" / "salesforce-client-secret.txt").write_text("wrong\n")
        for command in ("plan", "sync"):
            code, err, _ = run_cli(capsys, command, "-c", str(config))
            host, port = host_of(info["salesforce"]["login_url"])
            assert code == 1, err
            assert f"Salesforce at {host}:{port} refused the login" in err
            assert "wrong" not in err
