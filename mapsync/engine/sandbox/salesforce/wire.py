"""Requests and responses as the sandbox's handlers see them (independent of the HTTP server)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from mapsync.engine.sandbox.salesforce.errors import ApiError

JSON_TYPE = "application/json;charset=UTF-8"


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request: method, raw (still percent-encoded) path, query, headers, body."""

    method: str
    path: str
    query_string: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def query(self) -> dict[str, str]:
        """Query parameters (first value of each; `+` is a space)."""
        return {k: v[0] for k, v in parse_qs(self.query_string, keep_blank_values=True).items()}

    def header(self, name: str) -> str | None:
        """A header value by case-insensitive name."""
        lower = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lower), None)

    def json(self) -> Any:
        """The JSON body; JSON_PARSER_ERROR when it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ApiError(
                400, "JSON_PARSER_ERROR",
                f"Unexpected character ('{_bad_char(self.body, err)}'): was expecting JSON at "
                f"[line:1, column:{getattr(err, 'colno', 1)}]",
            ) from None


def _bad_char(body: bytes, err: Exception) -> str:
    pos = getattr(err, "pos", 0) or 0
    text = body.decode("utf-8", "replace")
    return text[pos : pos + 1] or "EOF"


@dataclass(slots=True)
class Response:
    """One HTTP response."""

    status: int = 200
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    records: int = 0
    # Send only part of the body and drop the connection (the `truncate` fault).
    truncate: bool = False


def json_response(payload: Any, status: int = 200, records: int = 0) -> Response:
    """A JSON response (compact, UTF-8)."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return Response(status=status, body=body, records=records)


def error_response(err: ApiError) -> Response:
    """The REST error body for `err` (a JSON array) with its status."""
    return json_response(err.body(), err.status)
