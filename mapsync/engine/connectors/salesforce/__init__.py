"""The Salesforce connector: simple-salesforce with batching, retries and typed errors."""

from mapsync.engine.connectors.retry import RetryPolicy
from mapsync.engine.connectors.salesforce.auth import (
    ClientCredentials,
    Credentials,
    JwtBearer,
    SessionToken,
    UsernamePassword,
)
from mapsync.engine.connectors.salesforce.client import DEFAULT_BULK_THRESHOLD, SalesforceClient
from mapsync.engine.connectors.salesforce.limits import ApiBudget, Usage

__all__ = [
    "DEFAULT_BULK_THRESHOLD",
    "ApiBudget",
    "ClientCredentials",
    "Credentials",
    "JwtBearer",
    "RetryPolicy",
    "SalesforceClient",
    "SessionToken",
    "Usage",
    "UsernamePassword",
]
