"""Fixtures for the Salesforce connector tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sfconn_support import RecordedTransport

from mapsync.engine.connectors.salesforce import ClientCredentials, RetryPolicy, SalesforceClient
from mapsync.engine.sandbox.faults import FaultPlan
from mapsync.engine.sandbox.salesforce import SalesforceSandbox


@pytest.fixture
def transport() -> RecordedTransport:
    return RecordedTransport()


@pytest.fixture(scope="module")
def sf_box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SalesforceSandbox]:
    """One running Salesforce sandbox per test module (tests use unique external ids)."""
    with SalesforceSandbox(tmp_path_factory.mktemp("sfconn") / "org.sqlite") as running:
        yield running


@pytest.fixture
def box(sf_box: SalesforceSandbox) -> Iterator[SalesforceSandbox]:
    """The module's sandbox with fresh statistics and no faults, restored afterwards."""
    sf_box.stats.reset()
    sf_box.app.faults = FaultPlan()
    yield sf_box
    sf_box.app.faults = FaultPlan()


@pytest.fixture
def make_client(box: SalesforceSandbox) -> Iterator[Callable[..., SalesforceClient]]:
    """Build SalesforceClients logged in to `box` (client credentials unless told otherwise)."""
    made: list[SalesforceClient] = []

    def make(**kwargs: Any) -> SalesforceClient:
        creds = kwargs.pop("creds", None) or ClientCredentials(
            box.credentials.client_id, box.credentials.client_secret
        )
        kwargs.setdefault("retry", RetryPolicy(attempts=4, base_delay=0.0))
        kwargs.setdefault("bulk_poll_interval", 0.01)
        kwargs.setdefault("sleep", lambda seconds: None)  # Bulk 2.0 polls never wait
        client = SalesforceClient(
            creds, login_url=box.login_url, ca_bundle=box.ca_bundle, **kwargs
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
