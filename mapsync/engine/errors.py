"""The root of every mapsync error, and the family the connectors raise.

    MapsyncError                   the root: the CLI catches it and prints its message
    ├── LanguageError, ConfigError, PlanError, CompileError, ExprError, StateError,
    │   CatalogError, PackageError, OutputError, ContextError, ReplayError ...
    │                              (each in its own module; none is a connector error)
    └── SyncError ...                (below)

    SyncError                      anything a connector raises; has .system, .operation, .record
    ├── AuthenticationError        bad sender/user credentials or a session that cannot be renewed;
    │                              fix the connection settings (fatal for the run)
    ├── PermissionDenied           the user may not do this operation on this object
    ├── NotFound                   the record, object or result set does not exist
    ├── DuplicateRecord            a record with the same key already exists
    ├── ValidationFailed           the service rejected the record's values (.field when known);
    │                              fix the data or the rule, then `mapsync replay`
    ├── LimitExceeded              an API usage budget would be or was exceeded; stop cleanly
    ├── TransientError             may succeed later: retried with backoff, then by the next run
    │   ├── RateLimited            HTTP 429, Intacct GW-0010 / rate-limit errors
    │   ├── ServerFault            HTTP 5xx (not 524), connection reset, timeouts
    │   └── SessionExpired         session ended; connectors renew it once transparently
    └── ProtocolError              the response was not what the protocol promises (HTML page,
                                   truncated or unsafe XML/JSON); report it with the body excerpt

Connectors translate foreign errors (httpx, simple-salesforce, lxml, per-record status codes)
into these in one place each. Messages never contain credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class MapsyncError(Exception):
    """Anything mapsync reports on purpose: the message says what went wrong and what to do."""


class SyncError(MapsyncError):
    """Base of every connector error; says which system, operation and record it concerns."""

    transient: bool = False

    def __init__(
        self,
        message: str,
        *,
        system: str = "",
        operation: str = "",
        record: Mapping[str, Any] | str | None = None,
        code: str | None = None,
        field: str | None = None,
        details: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.system = system
        self.operation = operation
        self.record = record
        self.code = code
        self.field = field
        self.details = details

    def __str__(self) -> str:
        where = " ".join(p for p in (self.system, self.operation) if p)
        code = f"[{self.code}] " if self.code else ""
        prefix = f"{where}: " if where else ""
        return f"{prefix}{code}{self.message}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record of this error (for the error store and `--json` output)."""
        return {
            "type": type(self).__name__,
            "system": self.system,
            "operation": self.operation,
            "code": self.code,
            "field": self.field,
            "message": self.message,
            "details": list(self.details),
            "transient": self.transient,
        }


class AuthenticationError(SyncError):
    """Credentials were refused or a session could not be renewed: check the connection settings."""


class PermissionDenied(SyncError):
    """The integration user lacks a permission: grant it in the service's security settings."""


class NotFound(SyncError):
    """The record, object or result set does not exist: check keys and the cross-reference."""


class DuplicateRecord(SyncError):
    """A record with the same key exists: link it (matching rules) instead of creating it."""


class ValidationFailed(SyncError):
    """The service rejected a value (see .field): fix the data or the rule, then replay."""


class LimitExceeded(SyncError):
    """An API budget is spent: the run stopped cleanly; raise the budget or wait for the reset."""


# Errors that end a run: no record-by-record handling gets past them, and the next run
# (after the budget resets or the credentials are fixed) takes up where this one stopped.
RUN_STOPPERS: tuple[type[SyncError], ...] = (AuthenticationError, LimitExceeded)


class TransientError(SyncError):
    """A fault that may pass: retried with backoff, then retried by the next run."""

    transient = True


class RateLimited(TransientError):
    """The service asked us to slow down (HTTP 429 or its own rate-limit error)."""


class ServerFault(TransientError):
    """The service failed (HTTP 5xx, reset connection, timeout): retried automatically."""


class SessionExpired(TransientError):
    """The session ended; connectors log in again once before raising this."""


class ProtocolError(SyncError):
    """The response broke the protocol (HTML error page, truncated or unsafe body)."""


class StillProcessing(ServerFault):
    """HTTP 524: the service may still complete the request; not resent at once, replay later."""
