"""Shared fixtures: the shipped rule set compiled once per test session."""

from __future__ import annotations

import pytest

from mapsync.engine.catalog import Catalogs, load_catalogs
from mapsync.engine.plan import Plan
from mapsync.engine.resources import rules_dir


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return load_catalogs(validate=True)


@pytest.fixture(scope="session")
def plan() -> Plan:
    from mapsync.engine.language import compile_paths

    compiled, loaded = compile_paths([rules_dir()])
    assert compiled is not None, [str(d) for d in loaded.diagnostics]
    return compiled
