"""Salesforce failures translated into the engine's error family, in one place.

Three sources feed this module: simple-salesforce exceptions (HTTP status + parsed body),
transport exceptions from requests (connection, TLS, truncated bodies) and per-record
`statusCode`s of sObject Collections and Bulk API 2.0 results. Every one of them leaves as an
`engine.errors.SyncError` subclass with `system="salesforce"`, the operation and, when known,
the record; body excerpts are kept short and scrubbed of secrets by the caller's redactor.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import requests
from lxml import etree
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceOperationError,
)

from mapsync.engine import safexml
from mapsync.engine.errors import (
    AuthenticationError,
    DuplicateRecord,
    LimitExceeded,
    NotFound,
    PermissionDenied,
    ProtocolError,
    RateLimited,
    ServerFault,
    SessionExpired,
    SyncError,
    TransientError,
    ValidationFailed,
)

SYSTEM = "salesforce"
EXCERPT = 200
XML_BODY_LIMIT = 1_000_000  # an error body is small; a larger one is not parsed for codes

ErrorClass = type[SyncError]

# Per-record statusCodes and top-level errorCodes share one table: Salesforce uses the same
# names in both places (DUPLICATE_VALUE may arrive as a Collections statusCode or a 400 body).
_CODES: dict[str, ErrorClass] = {
    "INVALID_SESSION_ID": SessionExpired,
    "UNABLE_TO_LOCK_ROW": TransientError,
    # Only happens when another record of an allOrNone batch failed; re-sending works.
    "ALL_OR_NONE_OPERATION_ROLLED_BACK": TransientError,
    "SERVER_UNAVAILABLE": ServerFault,
    "DUPLICATE_VALUE": DuplicateRecord,
    "DUPLICATES_DETECTED": DuplicateRecord,
    "DUPLICATE_EXTERNAL_ID": DuplicateRecord,
    "MULTIPLE_CHOICES": DuplicateRecord,
    "ENTITY_IS_DELETED": NotFound,
    "NOT_FOUND": NotFound,
    "INVALID_TYPE": NotFound,
    "INVALID_ID_FIELD": NotFound,
    "INSUFFICIENT_ACCESS": PermissionDenied,
    "INSUFFICIENT_ACCESS_OR_READONLY": PermissionDenied,
    "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY": PermissionDenied,
    "API_DISABLED_FOR_ORG": PermissionDenied,
    "API_CURRENTLY_DISABLED": PermissionDenied,
    "FUNCTIONALITY_NOT_ENABLED": PermissionDenied,
    "REQUIRED_FIELD_MISSING": ValidationFailed,
    "INVALID_FIELD": ValidationFailed,
    "INVALID_FIELD_FOR_INSERT_UPDATE": ValidationFailed,
    "FIELD_CUSTOM_VALIDATION_EXCEPTION": ValidationFailed,
    "FIELD_INTEGRITY_EXCEPTION": ValidationFailed,
    "FIELD_FILTER_VALIDATION_EXCEPTION": ValidationFailed,
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": ValidationFailed,
    "STRING_TOO_LONG": ValidationFailed,
    "INVALID_EMAIL_ADDRESS": ValidationFailed,
    "NUMBER_OUTSIDE_VALID_RANGE": ValidationFailed,
    "INVALID_CROSS_REFERENCE_KEY": ValidationFailed,
    "INVALID_TYPE_ON_FIELD_IN_RECORD": ValidationFailed,
    "MALFORMED_ID": ValidationFailed,
    "MALFORMED_QUERY": ValidationFailed,
    "STANDARD_PRICE_NOT_DEFINED": ValidationFailed,
    "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY": ValidationFailed,
    "JSON_PARSER_ERROR": ValidationFailed,
    "INVALID_AUTH": AuthenticationError,
    "INVALID_LOGIN": AuthenticationError,
    "LOGIN_MUST_USE_SECURITY_TOKEN": AuthenticationError,
    "INVALID_GRANT": AuthenticationError,
    "INVALID_CLIENT": AuthenticationError,
    "INVALID_CLIENT_ID": AuthenticationError,
}


def class_for_code(code: str, message: str = "") -> ErrorClass:
    """The error class for a Salesforce errorCode/statusCode; unknown codes give SyncError."""
    code = code.upper()
    if code == "REQUEST_LIMIT_EXCEEDED":
        # TotalRequests is the org's rolling 24 h limit: waiting minutes will not help.
        # Other REQUEST_LIMIT_EXCEEDED messages name concurrency limits, which do pass.
        return LimitExceeded if "totalrequests" in message.lower() else RateLimited
    return _CODES.get(code, SyncError)


def record_error(
    error: Mapping[str, Any],
    *,
    operation: str,
    record: Mapping[str, Any] | str | None = None,
) -> SyncError:
    """One per-record error of a Collections result (`statusCode`, `message`, `fields`)."""
    code = str(error.get("statusCode") or error.get("errorCode") or "UNKNOWN_ERROR")
    message = str(error.get("message") or code)
    fields = tuple(str(f) for f in (error.get("fields") or ()))
    cls = class_for_code(code, message)
    return cls(
        message,
        system=SYSTEM,
        operation=operation,
        record=record,
        code=code,
        field=fields[0] if fields else None,
        details=fields[1:],
    )


def record_errors(
    errors: Sequence[Mapping[str, Any]],
    *,
    operation: str,
    record: Mapping[str, Any] | str | None = None,
) -> SyncError:
    """The first error of a failed record decides the class; every error stays in the message.

    Salesforce sends one entry per failed rule (two validation rules give two
    FIELD_CUSTOM_VALIDATION_EXCEPTIONs); each code and message is kept in `message` (so the
    error store and `mapsync errors` show them all) and in `details`.
    """
    if not errors:
        return SyncError(
            "record failed without an error", system=SYSTEM, operation=operation,
            record=record, code="UNKNOWN_ERROR",
        )
    first = record_error(errors[0], operation=operation, record=record)
    extra = tuple(_code_message(e) for e in errors[1:])
    if extra:
        first.message = "; ".join((first.message, *extra))
        first.args = (first.message,)
    first.details = first.details + extra
    return first


def _code_message(error: Mapping[str, Any]) -> str:
    code = error.get("statusCode") or error.get("errorCode") or "UNKNOWN_ERROR"
    return f"{code}: {error.get('message') or code}"


def bulk_error(
    text: str, *, operation: str, record: Mapping[str, Any] | str | None = None
) -> SyncError:
    """A Bulk API 2.0 `sf__Error` cell: `CODE:message:Field1,Field2 --`."""
    code, _, rest = text.partition(":")
    message, _, tail = rest.rpartition(":") if rest.rstrip().endswith("--") else (rest, "", "")
    fields = [f.strip() for f in tail.replace("--", "").split(",") if f.strip()]
    return record_error(
        {"statusCode": code.strip(), "message": (message or rest).strip(), "fields": fields},
        operation=operation,
        record=record,
    )


def _body_errors(content: Any) -> list[Mapping[str, Any]]:
    if isinstance(content, list):
        return [e for e in content if isinstance(e, Mapping)]
    if isinstance(content, Mapping):
        return [content]
    if isinstance(content, str | bytes):
        return _xml_errors(content)
    return []


def _xml_errors(content: str | bytes) -> list[Mapping[str, Any]]:
    """The entries of an XML error body: `<Errors><Error><errorCode>…<message>…`.

    The REST API answers in XML when asked to (`Accept: application/xml` or a `.xml`
    resource); anything else that starts with `<` (an HTML page of a proxy) gives no entries.
    """
    raw = content.encode("utf-8") if isinstance(content, str) else content
    if not raw.lstrip().startswith(b"<"):
        return []
    try:
        root = safexml.parse(raw.strip(), max_bytes=XML_BODY_LIMIT)
    except safexml.UnsafeXml:
        return []
    if etree.QName(root).localname not in ("Errors", "Error"):
        return []
    entries = [root] if etree.QName(root).localname == "Error" else list(root)
    found: list[Mapping[str, Any]] = []
    for entry in entries:
        if not isinstance(entry.tag, str):
            continue
        values = {etree.QName(c).localname: (c.text or "").strip() for c in entry
                  if isinstance(c.tag, str)}
        fields = [(c.text or "").strip() for c in entry
                  if isinstance(c.tag, str) and etree.QName(c).localname == "fields"]
        if values.get("errorCode"):
            found.append({"errorCode": values["errorCode"], "message": values.get("message", ""),
                          "fields": fields})
    return found


def _is_markup_page(content: Any) -> bool:
    """A body that starts with `<` but is no Salesforce error document (an HTML page)."""
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    return isinstance(content, str) and content.lstrip()[:1] == "<" and not _xml_errors(content)


def excerpt(content: Any, limit: int = EXCERPT) -> str:
    """A short single-line rendering of a response body for messages."""
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    text = content if isinstance(content, str) else json.dumps(content, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _by_status(status: int, content: Any) -> ErrorClass:
    if status == 429:
        return RateLimited
    if status == 524:
        # A proxy timed out waiting: the request may have been applied. Still transient;
        # every Salesforce write we send is idempotent (upsert by external id, update/delete
        # by Id), so retrying is safe here, unlike Intacct creates.
        return TransientError
    if status >= 500:
        return ServerFault
    if _is_markup_page(content):
        # engine/errors.py: an HTML page where JSON was promised is a protocol error, whatever
        # the status (a proxy's 404 page says nothing about the record).
        return ProtocolError
    if status == 300:
        return DuplicateRecord
    if status == 401:
        return SessionExpired
    if status == 403:
        return PermissionDenied
    if status == 404:
        return NotFound
    return ValidationFailed if status == 400 else SyncError


def from_http(
    status: int,
    content: Any,
    *,
    operation: str,
    record: Mapping[str, Any] | str | None = None,
) -> SyncError:
    """An HTTP error response (status and parsed body) as a typed error."""
    errors = _body_errors(content)
    code = str(errors[0].get("errorCode") or errors[0].get("statusCode") or "") if errors else ""
    message = str(errors[0].get("message") or "") if errors else ""
    extra = tuple(_code_message(e) for e in errors[1:])
    if extra:
        message = "; ".join((message or code, *extra))
    cls = _by_status(status, content)
    if code and status < 500 and status != 429:
        by_code = class_for_code(code, message)
        cls = by_code if by_code is not SyncError else cls
    if status == 300:
        code, message = "MULTIPLE_CHOICES", "the external id matches several records: " + (
            excerpt(content)
        )
    if not message:
        message = f"HTTP {status}: {excerpt(content)}"
    fields = errors[0].get("fields") if errors else None
    return cls(
        message,
        system=SYSTEM,
        operation=operation,
        record=record,
        code=code or f"HTTP_{status}",
        field=str(fields[0]) if fields else None,
        details=extra,
    )


def _from_requests(exc: requests.RequestException, operation: str) -> SyncError:
    name = type(exc).__name__
    if isinstance(exc, requests.exceptions.SSLError):
        return ProtocolError(
            f"TLS failure ({name}): check the CA bundle and the instance URL",
            system=SYSTEM, operation=operation, code="TLS",
        )
    if isinstance(exc, requests.exceptions.JSONDecodeError):
        return ProtocolError(
            f"response is not JSON ({exc.msg} at {exc.pos}): {excerpt(exc.doc)}",
            system=SYSTEM, operation=operation, code="NOT_JSON",
        )
    if isinstance(
        exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
    ):
        return ProtocolError(
            f"truncated or undecodable response body ({name})",
            system=SYSTEM, operation=operation, code="TRUNCATED",
        )
    request = getattr(exc, "request", None)
    parts = urlsplit(str(request.url)) if request is not None and request.url else None
    host = f"{parts.hostname}:{parts.port or 443}" if parts and parts.hostname else ""
    where = f" to {host}" if host else ""
    return ServerFault(
        f"connection{where} failed ({name})", system=SYSTEM, operation=operation,
        code="CONNECTION",
    )


def from_exception(
    exc: BaseException,
    *,
    operation: str,
    record: Mapping[str, Any] | str | None = None,
) -> SyncError:
    """Translate any exception raised while talking to Salesforce; SyncErrors pass through."""
    if isinstance(exc, SyncError):
        return exc
    if isinstance(exc, SalesforceAuthenticationFailed):
        code = str(exc.code or "INVALID_AUTH")
        return AuthenticationError(
            exc.auth_message or "authentication failed", system=SYSTEM,
            operation=operation, code=code,
        )
    if isinstance(exc, SalesforceError):
        return from_http(exc.status, exc.content, operation=operation, record=record)
    if isinstance(exc, SalesforceOperationError):
        return _bulk_job_error(str(exc), operation)
    if isinstance(exc, requests.RequestException):
        return _from_requests(exc, operation)
    if isinstance(exc, json.JSONDecodeError):
        return ProtocolError(
            f"response is not JSON ({exc.msg}): {excerpt(exc.doc)}",
            system=SYSTEM, operation=operation, code="NOT_JSON",
        )
    raise exc


def _bulk_job_error(text: str, operation: str) -> SyncError:
    # simple-salesforce folds the job's errorMessage into the text; InvalidBatch means the
    # CSV or the job settings were refused, which retrying cannot fix.
    cls: ErrorClass = ValidationFailed if "InvalidBatch" in text else ServerFault
    return cls(excerpt(text, 400), system=SYSTEM, operation=operation, code="BULK_JOB_FAILED")


def translate(operation: str) -> Callable[[BaseException], SyncError]:
    """A one-argument translator bound to `operation` (handy for retry loops)."""
    return lambda exc: from_exception(exc, operation=operation)
