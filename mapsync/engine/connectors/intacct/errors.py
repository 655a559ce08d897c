"""Intacct errors -> the engine's exception family, in one place.

Intacct reports failures at three levels: `control` (sender credentials, schema, rate limit,
the whole request), `authentication` (user login or session; no function ran) and `result`
(one function). Each carries an `<errormessage>` chain of `<error>`s, the specific one first.
The class is chosen from the first error's number, then from the chain's texts (error
numbers are sometimes free text), and defaults to ValidationFailed (never retried).

    engine.errors.SyncError
    ├── AuthenticationError    XL03000006 / XMLGW_JPP0002 / GW-0011 / PL04000055 (control or
    │                          login), a session that cannot be renewed
    ├── PermissionDenied       "You do not have permission ..."
    ├── NotFound               "Cannot find ...", "non-existing ...", BL03000025, expired resultId
    ├── DuplicateRecord        BL34000061 "... already exists", "Duplicate ..."; also a function
    │                          already executed whose outcome cannot be verified
    ├── ValidationFailed       everything else a function rejects (.field when the text names
    │                          one of the record's fields); XL03000003 schema errors
    ├── TransientError         XL03000009 (rolled back with its transaction)
    │   ├── RateLimited        HTTP 429, GW-0010, "rate limit exceeded"
    │   ├── ServerFault        HTTP 5xx, connection errors, "Temporarily Off-line"
    │   │   └── StillProcessing   HTTP 524: the CDN gave up, Intacct may still finish; not
    │   │                         retried at once (the next run replays with the same controlids)
    │   └── SessionExpired     XL03000006 on a session (renewed once before this is raised)
    └── ProtocolError          not XML, not a gateway response, too large, DOCTYPE/entities

Messages are built from the response texts with every secret (passwords, session id) masked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mapsync.engine.errors import (
    AuthenticationError,
    DuplicateRecord,
    NotFound,
    PermissionDenied,
    ProtocolError,
    RateLimited,
    ServerFault,
    SessionExpired,
    StillProcessing,
    SyncError,
    TransientError,
    ValidationFailed,
)
from mapsync.engine.redact import mask

SYSTEM = "intacct"


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One `<error>` of an `<errormessage>` chain."""

    errorno: str = ""
    description: str = ""
    description2: str = ""
    correction: str = ""

    @property
    def text(self) -> str:
        """The most specific non-empty text of this error."""
        return self.description2 or self.description or self.errorno

    def line(self) -> str:
        """`errorno: description description2 correction` on one line."""
        parts = (self.description, self.description2, self.correction)
        return f"{self.errorno}: " + " ".join(p for p in parts if p)


_BY_ERRORNO: dict[str, type[SyncError]] = {
    "XL03000006": AuthenticationError,
    "XMLGW_JPP0002": AuthenticationError,
    "GW-0011": AuthenticationError,
    "PL04000055": AuthenticationError,
    "GW-0010": RateLimited,
    "XL03000003": ValidationFailed,
    "XL03000009": TransientError,
    "BL34000061": DuplicateRecord,
    "BL03000025": NotFound,
    "DL02000001": ValidationFailed,
}

_BY_TEXT: tuple[tuple[re.Pattern[str], type[SyncError]], ...] = (
    (re.compile(r"rate limit", re.I), RateLimited),
    (re.compile(r"temporarily off-?line", re.I), ServerFault),
    (re.compile(r"already exists|\bduplicate\b", re.I), DuplicateRecord),
    (re.compile(r"permission|not authori[sz]ed", re.I), PermissionDenied),
    (
        re.compile(
            r"cannot find|non-existing|does not exist|not found|invalid or expired resultid", re.I
        ),
        NotFound,
    ),
)

# The gateway's answer when `uniqueid` is on and a function's controlid already ran. Its
# exact wording is not public; these cover the phrasings seen from the gateway and the sandbox.
_ALREADY_EXECUTED = re.compile(
    r"already (been )?(executed|processed|completed)|controlid .*(already|not unique|duplicate)"
    r"|duplicate (function )?controlid",
    re.I,
)
ALREADY_EXECUTED_ERRORNOS = frozenset({"XL03000011", "XL03000010"})


def is_already_executed(errors: Sequence[ErrorDetail]) -> bool:
    """True when a function failed only because its controlid already ran (uniqueid on)."""
    return any(
        e.errorno in ALREADY_EXECUTED_ERRORNOS or _ALREADY_EXECUTED.search(e.line()) for e in errors
    )


def error_class(errors: Sequence[ErrorDetail]) -> type[SyncError]:
    """The family class for an error chain: by first errorno, then by text, else validation."""
    if errors and errors[0].errorno in _BY_ERRORNO:
        return _BY_ERRORNO[errors[0].errorno]
    texts = " | ".join(e.line() for e in errors)
    for pattern, cls in _BY_TEXT:
        if pattern.search(texts):
            return cls
    return ValidationFailed


@dataclass(frozen=True, slots=True)
class Redactor:
    """Masks secrets (passwords, session ids) in any text that reaches an error."""

    secrets: tuple[str, ...] = ()

    def __call__(self, text: str) -> str:
        return mask(text, self.secrets)

    def excerpt(self, body: bytes, limit: int = 160) -> str:
        """A short one-line excerpt of a response body for ProtocolError messages.

        Secrets are masked before the text is cut or its whitespace folded, so no part of
        one survives at the cut and no secret holding spaces slips through.
        """
        text = self(body[: limit * 64].decode("utf-8", "replace"))
        text = " ".join(text.split())
        return text if len(text) <= limit else text[:limit] + "..."


def from_chain(
    errors: Sequence[ErrorDetail],
    *,
    operation: str,
    level: str,
    redact: Redactor,
    record: Mapping[str, Any] | str | None = None,
    label: str = "",
    cls: type[SyncError] | None = None,
) -> SyncError:
    """The typed error for one `<errormessage>` chain at `level` (control/authentication/result)."""
    chosen = cls or error_class(errors)
    first = errors[0] if errors else ErrorDetail(description=f"{level} failed")
    details = tuple(redact(e.line()) for e in errors)
    message = redact(first.text) + (f" (record {label})" if label else "")
    return chosen(
        message,
        system=SYSTEM,
        operation=operation,
        record=record,
        code=first.errorno or None,
        field=_field_named(errors, record) if chosen is ValidationFailed else None,
        details=details,
    )


def _field_named(
    errors: Sequence[ErrorDetail], record: Mapping[str, Any] | str | None
) -> str | None:
    """The field an error text names: one of the record's fields, `(FIELD)`, a fields list."""
    text = " ".join(e.line() for e in errors)
    if isinstance(record, Mapping):
        for path in record:
            leaf = path.rsplit(".", 1)[-1]
            if re.search(rf"(?<![A-Za-z0-9_.]){re.escape(leaf)}(?![A-Za-z0-9_])", text):
                return path
    match = re.search(r"\(([A-Z][A-Z0-9_.]*)\)|Invalid fields list ([^\s:]+)", text)
    if match:
        return match.group(1) or match.group(2)
    return None


def record_label(record: Mapping[str, Any] | str | None, key_field: str | None = None) -> str:
    """A short name for a record in messages: RECORDNO and its key, never its data."""
    if record is None:
        return ""
    if isinstance(record, str):
        return record
    names = ("RECORDNO", key_field) if key_field else ("RECORDNO",)
    ids = [f"{n}={record[n]!s}" for n in names if n and record.get(n) is not None]
    return ", ".join(ids) if ids else "(new record)"


def for_record(
    error: SyncError, record: Mapping[str, Any] | str | None, operation: str, label: str
) -> SyncError:
    """A copy of a request-level error attributed to one record of the request."""
    message = error.message + (f" (record {label})" if label else "")
    copy = type(error)(
        message,
        system=error.system or SYSTEM,
        operation=operation,
        record=record,
        code=error.code,
        field=error.field,
        details=error.details,
    )
    copy.__cause__ = error
    return copy


def http_status_error(status: int, excerpt: str, operation: str) -> SyncError:
    """The error for an HTTP status whose body is not a gateway response."""
    message = f"HTTP {status}: {excerpt}" if excerpt else f"HTTP {status}"
    kwargs: dict[str, Any] = {"system": SYSTEM, "operation": operation, "code": f"HTTP {status}"}
    if status == 429:
        return RateLimited(message, **kwargs)
    if status == 524:
        return StillProcessing(message, **kwargs)
    if status >= 500:
        return ServerFault(message, **kwargs)
    if status in (401, 403):
        return AuthenticationError(message, **kwargs)
    return ProtocolError(message, **kwargs)


def session_expired(errors: Iterable[ErrorDetail], operation: str, redact: Redactor) -> SyncError:
    """An authentication failure on a session: the session ended (renewal is the caller's)."""
    return from_chain(
        list(errors),
        operation=operation,
        level="authentication",
        redact=redact,
        cls=SessionExpired,
    )
