"""Errors the sandbox answers with, shaped as the real REST API shapes them.

Top-level REST errors are a JSON array of `{"message", "errorCode"[, "fields"]}`; per-record
results of sObject Collections carry `{"statusCode", "message", "fields"}` instead.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """One Salesforce error: HTTP status, error code, message and the fields it concerns."""

    def __init__(
        self, status: int, code: str, message: str, fields: tuple[str, ...] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields

    def body(self) -> list[dict[str, Any]]:
        """The top-level REST error body (a JSON array of one error)."""
        entry: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            entry["fields"] = list(self.fields)
        return [entry]

    def record_error(self) -> dict[str, Any]:
        """The per-record error of an sObject Collections or DML result."""
        return {"statusCode": self.code, "message": self.message, "fields": list(self.fields or ())}

    def bulk_error(self) -> str:
        """The `sf__Error` text of a Bulk API 2.0 failed-results row."""
        return f"{self.code}:{self.message}:{','.join(self.fields or ())} --"


class BodyError(ApiError):
    """The request body itself cannot be read (unknown field, value of the wrong type).

    sObject Collections answer these for the whole request, not per record. `field` names the
    field whose value was unreadable, when there is one (Bulk API rows report it).
    """

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(status, code, message)
        self.field = field


def not_found() -> ApiError:
    """404 NOT_FOUND for an unknown record or route."""
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def invalid_session() -> ApiError:
    """401 INVALID_SESSION_ID, the body simple-salesforce reads to decide to log in again."""
    return ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
