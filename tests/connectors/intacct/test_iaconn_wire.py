"""Requests on the wire at once, when mappings side by side share one Intacct client.

`IntacctClient.on_the_wire(n)` holds a slot only while a request is on the wire: building
the next request and parsing an answer happen outside it. The transport below is the real
network transport with a count of the requests it is sending at once; it replaces nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import httpx
import pytest
from iaconn_support import sandbox_client as connect

from mapsync.engine.sandbox.intacct import IntacctSandbox

THREADS = 4


class CountingTransport(httpx.BaseTransport):
    """httpx's own transport, counting the requests it has on the wire at once."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.lock = threading.Lock()
        self.now = self.most = self.sent = 0

    def close(self) -> None:
        self.inner.close()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.now += 1
            self.sent += 1
            self.most = max(self.most, self.now)
        try:
            response = self.inner.handle_request(request)
            response.read()
            return response
        finally:
            with self.lock:
                self.now -= 1


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[IntacctSandbox]:
    with IntacctSandbox(tmp_path / "company.db") as server:
        yield server


def customer(i: int) -> dict[str, str]:
    return {"CUSTOMERID": f"W{i}", "NAME": f"Wire {i}", "DISPLAYCONTACT.PRINTAS": f"Wire {i}"}


def reads_side_by_side(sandbox: IntacctSandbox, limit: int | None) -> CountingTransport:
    wire = CountingTransport()
    with connect(sandbox, transport=wire) as client:
        made = client.create("CUSTOMER", [customer(i) for i in range(20)])
        assert all(result.ok for result in made)
        meet = threading.Barrier(THREADS, timeout=30)
        found: list[int] = []

        def work(n: int) -> None:
            meet.wait()
            for _ in range(10):
                rows = client.read_by_keys("CUSTOMER", "CUSTOMERID", [f"W{n}", f"W{n + 4}"],
                                           ["NAME"])
                found.append(len(rows))

        threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
        with client.on_the_wire(limit) if limit is not None else nullcontext():
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    assert found == [2] * (THREADS * 10)
    return wire


def test_a_limit_of_one_keeps_one_request_on_the_wire(sandbox: IntacctSandbox) -> None:
    wire = reads_side_by_side(sandbox, 1)
    assert wire.most == 1 and wire.now == 0 and wire.sent >= THREADS * 10

