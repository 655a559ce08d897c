"""A Salesforce answer over the size bound fails as a ProtocolError before it fills memory.

A real HTTP server on the loopback answers with a declared length, or with a chunked body
of no declared length, so the bound is checked on the wire requests actually reads.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mapsync.engine.connectors.base import CallCounter
from mapsync.engine.connectors.salesforce.limits import ApiBudget, UsageTracker
from mapsync.engine.connectors.salesforce.transport import build_session
from mapsync.engine.errors import ProtocolError

BOUND = 100_000


class _Answers(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (the http.server naming)
        size = int(self.path.rsplit("/", 1)[1])
        chunked = "/chunked/" in self.path
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        left = size
        while left:
            piece = b"x" * min(left, 16_384)
            left -= len(piece)
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            else:
                self.wfile.write(piece)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: the test reads the answers, not the log."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """The client drops the connection of an answer it refused: expected, not printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@pytest.fixture
def server() -> Iterator[str]:
    httpd = _Server(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/services/data/v60.0/query"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("shape", ["declared", "chunked"])
def test_an_answer_over_the_bound_is_refused(server: str, shape: str) -> None:
    session = build_session(CallCounter(), UsageTracker(ApiBudget()),
                            max_response_bytes=BOUND)
    with pytest.raises(ProtocolError, match="over 100,000 bytes") as caught:
        session.get(f"{server}/{shape}/{BOUND * 3}")
    assert caught.value.code == "TOO_LARGE"
    assert caught.value.system == "salesforce"


@pytest.mark.parametrize("shape", ["declared", "chunked"])
def test_an_answer_within_the_bound_is_read_whole(server: str, shape: str) -> None:
    session = build_session(CallCounter(), UsageTracker(ApiBudget()),
                            max_response_bytes=BOUND)
    response = session.get(f"{server}/{shape}/{BOUND}")
    assert response.content == b"x" * BOUND
    assert response.status_code == 200
