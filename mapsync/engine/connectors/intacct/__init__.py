"""The Sage Intacct XML API connector (httpx + lxml).

Modules, one concern each: `envelope` (request building), `response` (safe parsing),
`errors` (the three error levels -> the engine's exception family), `values` (catalog-typed
conversion), `query` (escaped readByQuery conditions and `query` filters), `sotransaction`
(legacy sales documents), `controlids` (deterministic function controlids), `gateway`
(HTTP, sessions, retries by `engine.connectors.retry`), `reads` / `writes` (paging,
batching, de-duplication) and `client` (`IntacctClient`, the facade the runner uses).
"""

from __future__ import annotations

from mapsync.engine.connectors.retry import RetryPolicy
from mapsync.engine.errors import StillProcessing

from .client import DEFAULT_BATCH_SIZE, IntacctClient
from .envelope import SenderCredentials, UserLogin

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "IntacctClient",
    "RetryPolicy",
    "SenderCredentials",
    "StillProcessing",
    "UserLogin",
]
