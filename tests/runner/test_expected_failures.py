"""Only a MapsyncError is an expected failure; anything else is reported as the bug it is.

An unknown `--only` name is the user's mistake: one line, exit 1, no traceback. A stray
exception from inside the run (here a ValueError from a chunk size no command would pass) is
a bug: RunContext.run lets it through instead of dressing it up as a configuration error,
and the CLI prints its traceback and says it is a bug.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from mapsync.cli import _bug, main
from mapsync.engine.commands._context import ContextError, RunContext
from mapsync.engine.errors import MapsyncError
from mapsync.engine.runner.run import UnknownMapping
from tests.runner.cli_env import CliEnv, start

pytestmark = pytest.mark.e2e


@pytest.fixture
def env(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[CliEnv]:
    yield from start(tmp_path / "sb", capsys)


def test_an_unknown_mapping_is_one_line_and_exit_1(
    env: CliEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["sync", "-c", str(env.config), "--only", "Nope"]) == 1
    err = capsys.readouterr().err
    assert err == "mapsync: error: unknown mapping(s): Nope\n"
    assert issubclass(UnknownMapping, MapsyncError) and not issubclass(UnknownMapping, ValueError)


def test_a_stray_value_error_is_not_turned_into_a_config_error(env: CliEnv) -> None:
    with RunContext.open(env.config) as ctx:
        options = dataclasses.replace(ctx.options(), chunk=-1)  # islice refuses it
        with pytest.raises(ValueError) as caught:
            ctx.run(options, only=["ARTerm"])
    assert not isinstance(caught.value, ContextError)


def test_a_bug_prints_its_traceback_and_says_it_is_a_bug(
    capsys: pytest.CaptureFixture[str],
) -> None:
    try:
        int("not a number")
    except ValueError as exc:
        assert _bug(exc) == 1
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert "mapsync: internal error: ValueError: invalid literal for int()" in err
    assert "This is a bug in mapsync" in err
