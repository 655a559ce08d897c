"""Fixtures: a running Salesforce sandbox and unmodified simple-salesforce clients against it."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from simple_salesforce import Salesforce

from mapsync.engine.sandbox.salesforce import SalesforceSandbox

API_VERSION = "59.0"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "salesforce"
_names = itertools.count(1)


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SalesforceSandbox]:
    """One sandbox per test module (tests use unique names, so they do not collide)."""
    with SalesforceSandbox(tmp_path_factory.mktemp("sf") / "salesforce.sqlite") as running:
        yield running


@pytest.fixture(scope="module")
def http(box: SalesforceSandbox) -> Iterator[requests.Session]:
    """A requests session trusting the sandbox CA, configured by hand (no helper)."""
    session = requests.Session()
    session.verify = box.ca_bundle
    session.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise override `verify`
    yield session
    session.close()


@pytest.fixture(scope="module")
def sf(box: SalesforceSandbox, http: requests.Session) -> Salesforce:
    """simple-salesforce given the instance URL and a session id (no login call)."""
    return Salesforce(
        instance_url=box.instance_url, session_id=box.session_id, version=API_VERSION,
        session=http,
    )


@pytest.fixture
def unique() -> str:
    """A fresh suffix for names and external ids."""
    return f"T{next(_names):05d}"
