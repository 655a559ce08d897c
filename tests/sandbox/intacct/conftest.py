"""Fixtures: a running Intacct sandbox with a settable clock, and an HTTP client around it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from intacct_wire import Clock, Wire

from mapsync.engine.sandbox.intacct import IntacctSandbox


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sandbox(tmp_path: Path, clock: Clock) -> Iterator[IntacctSandbox]:
    with IntacctSandbox(tmp_path / "intacct.db", clock=clock, session_timeout=3600) as running:
        yield running


@pytest.fixture
def wire(sandbox: IntacctSandbox) -> Iterator[Wire]:
    with httpx.Client(timeout=30) as client:
        yield Wire(sandbox, client)
