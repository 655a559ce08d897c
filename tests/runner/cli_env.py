"""Both sandboxes plus a mapsync.yaml for them, driven through the real `mapsync` CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mapsync.cli import main
from mapsync.engine.commands.demo import write_config
from mapsync.engine.sandbox.launcher import Sandboxes


@dataclass
class CliEnv:
    """Running sandboxes (seeded with the demo company) and a config file pointing at them."""

    boxes: Sandboxes
    config: Path
    capsys: pytest.CaptureFixture[str]

    def run(self, *argv: str) -> int:
        """`mapsync <argv> -c CONFIG`; the output is discarded."""
        code = main([*argv, "-c", str(self.config)])
        self.capsys.readouterr()
        return code

    def json(self, *argv: str) -> tuple[int, Any]:
        """`mapsync <argv> -c CONFIG --json`: the exit code and the parsed output."""
        self.capsys.readouterr()
        code = main([*argv, "-c", str(self.config), "--json"])
        return code, json.loads(self.capsys.readouterr().out)

    @property
    def intacct(self) -> Any:
        """The Intacct sandbox's store (writes here bypass mapsync)."""
        return self.boxes.intacct.store

    @property
    def salesforce(self) -> Any:
        """The Salesforce sandbox's store (writes here bypass mapsync)."""
        return self.boxes.salesforce.store


def start(directory: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[CliEnv]:
    """Sandboxes with 10 demo customers on `directory`, and their config."""
    with Sandboxes(directory, records=10) as boxes:
        config = write_config(directory, boxes.connection_info(), None)
        yield CliEnv(boxes, config, capsys)


def mapping(summary: dict[str, Any], name: str) -> dict[str, Any]:
    """One mapping's entry of a `--json` summary."""
    return next(m for m in summary["mappings"] if m["name"] == name)


def linked(records: list[dict[str, Any]], field: str = "Intacct_ID__c") -> list[dict[str, Any]]:
    """Salesforce records carrying an Intacct key."""
    return [r for r in records if r.get(field)]
