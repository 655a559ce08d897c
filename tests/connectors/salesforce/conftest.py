"""Fixtures for the Salesforce connector tests."""

from __future__ import annotations

import pytest
from sfconn_support import RecordedTransport


@pytest.fixture
def transport() -> RecordedTransport:
    return RecordedTransport()
