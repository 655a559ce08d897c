"""A client that hangs up early (a reset in the middle of a request, or during the TLS
handshake) costs the sandboxes one debug line, never a traceback on standard error."""

from __future__ import annotations

import logging
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mapsync.engine.sandbox.intacct import IntacctSandbox
from mapsync.engine.sandbox.salesforce import SalesforceSandbox

PARTIAL_POST = (b"POST /ia/xml/xmlgw.phtml HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Length: 1000\r\n\r\n<request>")


class Lines(logging.Handler):
    """Collects the sandbox log's debug lines and wakes a waiter on each."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.arrived = threading.Semaphore(0)

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if ': "' not in message:  # the access log's request lines are not hang-ups
            self.lines.append(message)
            self.arrived.release()

    def wait_for(self, count: int) -> list[str]:
        """The first `count` lines, once they are there."""
        while len(self.lines) < count:
            assert self.arrived.acquire(timeout=30), f"{len(self.lines)} of {count} log lines"
        return self.lines[:count]


@pytest.fixture
def lines() -> Iterator[Lines]:
    logger = logging.getLogger("mapsync.engine.sandbox")
    handler, level = Lines(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def reset(port: int, payload: bytes, wrap: Callable[[socket.socket], socket.socket] | None = None
          ) -> None:
    """Connect, send `payload`, and close with a TCP reset (linger 0) instead of a FIN."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    if wrap is not None:
        sock = wrap(sock)
    sock.sendall(payload)
    sock.close()


def test_intacct_logs_a_reset_mid_request_in_one_line(
        tmp_path: Path, lines: Lines, capfd: pytest.CaptureFixture[str]) -> None:
    with IntacctSandbox(tmp_path / "intacct.db") as sandbox:
        reset(int(sandbox.base_url.rsplit(":", 1)[1]), PARTIAL_POST)
        [line] = lines.wait_for(1)
        ok = sandbox.answer(b"<request/>")
    assert line.startswith("intacct sandbox: 127.0.0.1:") and "hung up" in line
    assert ok[0] == 200
    assert "Traceback" not in capfd.readouterr().err


def test_intacct_over_tls_logs_a_broken_handshake_in_one_line(
        tmp_path: Path, lines: Lines, capfd: pytest.CaptureFixture[str]) -> None:
    import trustme

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(context)
    with IntacctSandbox(tmp_path / "intacct.db", tls=context) as sandbox:
        reset(int(sandbox.base_url.rsplit(":", 1)[1]), b"\x16\x03\x01 not a hello")
        [line] = lines.wait_for(1)
    assert "hung up" in line
    assert "Traceback" not in capfd.readouterr().err


def test_salesforce_logs_a_reset_mid_request_in_one_line(
        tmp_path: Path, lines: Lines, capfd: pytest.CaptureFixture[str]) -> None:
    client = ssl.create_default_context()
    with SalesforceSandbox(tmp_path / "salesforce.db") as sandbox:
        client.load_verify_locations(sandbox.ca_bundle)
        reset(sandbox.port, b"POST /services/data/v59.0/sobjects/Account HTTP/1.1\r\n"
              b"Host: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{",
              lambda sock: client.wrap_socket(sock, server_hostname="127.0.0.1"))
        reset(sandbox.port, b"\x16\x03\x01 not a hello")
        lines.wait_for(1)
    # Stopping joins every connection's thread, so all they logged is in. The first reset may
    # land during the server's half of the handshake, after it, or look like a clean end of
    # the stream (TLS without close_notify reads as EOF): at most one line each.
    assert 1 <= len(lines.lines) <= 2
    assert all(line.startswith(("salesforce sandbox: connection ended",
                                "salesforce sandbox: TLS handshake failed"))
               for line in lines.lines)
    assert "Traceback" not in capfd.readouterr().err
