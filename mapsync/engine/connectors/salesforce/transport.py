"""The requests.Session every Salesforce call goes through: TLS trust, timeouts, metering.

simple-salesforce accepts a `session=`; giving it this one means one place decides the CA
bundle (`verify=`), ignores `REQUESTS_CA_BUNDLE`/proxy variables unless asked, applies a
default timeout, counts each request by operation and reads `Sforce-Limit-Info` from every
response (REST, Bulk 2.0 and login alike) before the budget lets the next one go.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter

from mapsync.engine.connectors.base import CallCounter
from mapsync.engine.connectors.salesforce.limits import UsageTracker
from mapsync.engine.errors import ProtocolError

DEFAULT_TIMEOUT = (10.0, 120.0)
# Far above a 2,000-record query page or a Bulk 2.0 result set of 100k rows, and far below
# what would exhaust memory: the same bound as the Intacct gateway's.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
_DATA_PATH = re.compile(r"^/services/data/v\d+\.\d+/(?P<rest>.*)$")


def operation_of(method: str, url: str) -> str:
    """A short operation name for a request, used as the CallCounter key."""
    path = urlsplit(url).path
    if path.endswith("/services/oauth2/token"):
        return "login.oauth"
    if "/services/Soap/u/" in path:
        return "login.soap"
    match = _DATA_PATH.match(path)
    rest = match.group("rest") if match else path
    head = rest.split("/", 1)[0]
    if head in ("query", "queryAll"):
        return head
    if rest.rstrip("/") == "composite":
        return "composite"
    if rest.startswith("composite/sobjects"):
        return _collections_op(method, rest)
    if rest.startswith("jobs/ingest"):
        return "bulk2.ingest"
    if rest.startswith("jobs/query"):
        return "bulk2.query"
    return f"rest.{method.lower()}"


def _collections_op(method: str, rest: str) -> str:
    parts = [p for p in rest.split("/") if p]
    if method == "PATCH":
        return "collections.upsert" if len(parts) >= 4 else "collections.update"
    return {"DELETE": "collections.delete", "POST": "collections.create"}.get(
        method, "collections.get"
    )


class MeteredAdapter(HTTPAdapter):
    """An HTTPAdapter that checks the budget, counts the call and reads the usage header."""

    def __init__(
        self,
        counter: CallCounter,
        usage: UsageTracker,
        timeout: tuple[float, float],
        inner: BaseAdapter | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        super().__init__()
        self._counter = counter
        self._usage = usage
        self._timeout = timeout
        self._inner = inner
        self._max_bytes = max_response_bytes

    def close(self) -> None:
        """Close pooled connections (and the inner transport's)."""
        if self._inner is not None:
            self._inner.close()
        super().close()

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        operation = operation_of(request.method or "GET", request.url or "")
        login = operation.startswith("login.")
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        if login:  # logins do not count against the org's API usage
            self._usage.count_call()
        else:
            self._usage.reserve(1, operation=operation)
        self._counter.add(operation)
        header = None
        try:
            response = (self._inner.send(request, **kwargs) if self._inner is not None
                        else super().send(request, **kwargs))
            header = response.headers.get("Sforce-Limit-Info")
        finally:
            if login:
                self._usage.observe(header)
            else:
                self._usage.answered(header)
        if not kwargs.get("stream") and response.raw is not None:  # None: body already held
            self._read_bounded(response, operation)
        return response

    def _read_bounded(self, response: requests.Response, operation: str) -> None:
        """Read the body now, refusing one larger than the bound before it fills memory.

        requests would read it whole right after `send`; reading it here instead, chunk by
        chunk, lets a declared or streamed size over the bound fail as a ProtocolError.
        """
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            response.close()
            raise self._too_large(operation, int(declared))
        body = bytearray()
        for chunk in response.iter_content(64 * 1024):
            body += chunk
            if len(body) > self._max_bytes:
                response.close()
                raise self._too_large(operation, len(body))
        response._content = bytes(body)  # what requests' own `content` property caches

    def _too_large(self, operation: str, size: int) -> ProtocolError:
        return ProtocolError(
            f"answer of {operation} is over {self._max_bytes:,} bytes (at least {size:,}); "
            "refused before it fills memory",
            system="salesforce", operation=operation, code="TOO_LARGE",
        )


def build_session(
    counter: CallCounter,
    usage: UsageTracker,
    *,
    ca_bundle: str | None = None,
    trust_env: bool = False,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    proxies: Mapping[str, str] | None = None,
    transport: BaseAdapter | None = None,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
) -> requests.Session:
    """A session trusting `ca_bundle` (or the system store when None), metered and timed.

    `trust_env=False` by default because requests lets `REQUESTS_CA_BUNDLE` override
    `Session.verify`, which would silently replace the configured bundle. `transport`
    replaces the network below the metering (an adapter serving recorded bodies in tests).
    """
    session = requests.Session()
    session.trust_env = trust_env
    session.verify = ca_bundle if ca_bundle else True
    if proxies:
        session.proxies.update(proxies)
    adapter = MeteredAdapter(counter, usage, timeout, transport, max_response_bytes)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
