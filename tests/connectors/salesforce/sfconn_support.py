"""Helpers for the Salesforce connector tests: fixture paths and a recorded transport.

`RecordedTransport` is a requests adapter: it answers requests with bodies from
`tests/fixtures/salesforce` (or given inline), below our client and simple-salesforce, so
everything above the socket runs for real.
"""

from __future__ import annotations

import functools
import json
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "salesforce"
INSTANCE = "https://sf.test"
LOGIN = "https://login.test"


def fixture_bytes(name: str) -> bytes:
    """The raw bytes of one Salesforce fixture file."""
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    """One Salesforce fixture file, parsed."""
    return json.loads(fixture_bytes(name))


@dataclass
class Reply:
    """One canned answer."""

    status: int = 200
    body: bytes | str | Any = b""
    headers: dict[str, str] = field(default_factory=dict)

    def content(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


Handler = Callable[[requests.PreparedRequest], Reply]


class RecordedTransport(BaseAdapter):
    """Answers (method, path regex) routes with queued replies or handlers; logs requests."""

    def __init__(self) -> None:
        super().__init__()
        self.routes: list[tuple[str, re.Pattern[str], deque[Reply | Handler]]] = []
        self.requests: list[requests.PreparedRequest] = []

    def on(self, method: str, pattern: str, *replies: Reply | Handler) -> RecordedTransport:
        """Queue replies for a route; the last one repeats."""
        self.routes.append((method, re.compile(pattern), deque(replies)))
        return self

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.requests.append(request)
        for method, pattern, queue in self.routes:
            if method == request.method and pattern.search(request.url or ""):
                item = queue.popleft() if len(queue) > 1 else queue[0]
                reply = item(request) if callable(item) else item
                return self._response(request, reply)
        raise AssertionError(f"unexpected request {request.method} {request.url}")

    @staticmethod
    def _response(request: requests.PreparedRequest, reply: Reply) -> requests.Response:
        response = requests.Response()
        response.status_code = reply.status
        response._content = reply.content()
        response.headers = CaseInsensitiveDict(
            {"Content-Type": "application/json;charset=UTF-8", **reply.headers}
        )
        response.url = request.url or ""
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        """Nothing pooled."""


@functools.cache
def _seed(n: int, then_clean: int) -> int:
    import random

    for seed in range(1_000_000):
        rng = random.Random(seed)
        rolls = [rng.random() for _ in range(n + then_clean)]
        if all(r < 0.5 for r in rolls[:n]) and all(r >= 0.5 for r in rolls[n:]):
            return seed
    raise AssertionError("no seed found")


def faults_first(kind: str, n: int = 1, *, then_clean: int = 10) -> Any:
    """A sandbox FaultPlan whose first `n` calls get `kind` and the next `then_clean` do not.

    The plan draws from a seeded RNG at rate 0.5; the seed is searched so that the first
    draws fall the way the test needs, which keeps the test deterministic.
    """
    from mapsync.engine.sandbox.faults import FaultPlan

    return FaultPlan(rates=((kind, 0.5),), seed=_seed(n, then_clean))
