"""The sandbox's HTTP side: POST /ia/xml/xmlgw.phtml on 127.0.0.1, faults and statistics.

    with IntacctSandbox("company.db") as sandbox:
        httpx.post(sandbox.url, content=request_xml)
        sandbox.stats_snapshot()      # also GET {base_url}/__sandbox/stats

With `tls=` (an `ssl.SSLContext` holding a certificate, for example one issued by trustme
for `api.intacct.com`) it serves HTTPS, so a client that only knows the real gateway's URL
reaches it through an HTTPS proxy and gets an `https://` session endpoint back.

A client that hangs up early (a reset, a broken pipe, a failed TLS handshake) costs one
debug line in the log, not a traceback on standard error.

Faults (engine.sandbox.faults) are drawn once per HTTP request: `429` answers HTTP 429 with
a GW-0010 gateway failure; `500`/`502`/`503` answer that status with an HTML page before
anything runs; `524` runs the request and then answers 524 (the CDN gave up, the work is
done); `expire` ends the caller's session before authentication; `html` answers 200 with
an HTML page; `truncate` runs the request and cuts the XML body short; `slow` delays.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import ssl
import sys
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from mapsync.engine.catalog import ObjectInfo
from mapsync.engine.sandbox.faults import CallStats, FaultPlan
from mapsync.engine.sandbox.intacct import errors, render
from mapsync.engine.sandbox.intacct.gateway import Gateway, IntacctCredentials
from mapsync.engine.sandbox.intacct.sessions import Sessions
from mapsync.engine.sandbox.intacct.store import Clock, IntacctStore, utc_now

GATEWAY_PATH = "/ia/xml/xmlgw.phtml"
STATS_PATH = "/__sandbox/stats"
RESET_PATH = "/__sandbox/reset-stats"
XML_TYPE = 'text/xml; encoding="UTF-8"'
DEFAULT_SESSION_TIMEOUT = timedelta(hours=6)

log = logging.getLogger(__name__)

_HTML = (
    "<!DOCTYPE html><html><head><title>{code} | api.intacct.com</title></head><body>"
    '<div id="cf-error-details"><h1>Error {code}</h1><p>{text}</p></div></body></html>'
)
_STATUS_TEXT = {
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service temporarily unavailable",
    524: "A timeout occurred",
    200: "The web server returned an unexpected page",
}


class IntacctSandbox:
    """A local Intacct XML gateway backed by one SQLite file (data persists between runs)."""

    def __init__(
        self,
        db_path: str | Path,
        *,
        faults: FaultPlan | None = None,
        session_timeout: float | timedelta = DEFAULT_SESSION_TIMEOUT,
        credentials: IntacctCredentials | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        catalogs: dict[str, ObjectInfo] | None = None,
        clock: Clock = utc_now,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        timeout = (
            session_timeout
            if isinstance(session_timeout, timedelta)
            else timedelta(seconds=session_timeout)
        )
        self.credentials = credentials or IntacctCredentials()
        self.faults = faults or FaultPlan()
        self.stats = CallStats()
        self.store = IntacctStore(db_path, catalogs, clock)
        self.sessions = Sessions(timeout, clock)
        self.gateway = Gateway(self.store, self.credentials, self.sessions, self.stats)
        self._address = (host, port)
        self._tls = tls
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._requests = 0
        self._lock = threading.Lock()

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> IntacctSandbox:
        """Bind and serve in a background thread; returns self."""
        if self._server is not None:
            return self
        server = _Server(self._address, _Handler, self._tls)
        server.sandbox = self
        self._server = server
        self.gateway.endpoint = self.url
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="intacct-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open client connections and the database."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.store.close()

    def __enter__(self) -> IntacctSandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses and statistics ---------------------------------------------------------

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT` of the running server (`https://` when serving TLS)."""
        if self._server is None:
            raise RuntimeError("the Intacct sandbox is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"{self.scheme}://{host!s}:{port}"

    @property
    def scheme(self) -> str:
        """`https` when the sandbox serves TLS, else `http`."""
        return "http" if self._tls is None else "https"

    @property
    def url(self) -> str:
        """The gateway endpoint clients POST to (also returned by getAPISession)."""
        return self.base_url + GATEWAY_PATH

    def stats_snapshot(self) -> dict[str, Any]:
        """Calls per function, records per function, faults per kind, HTTP requests."""
        with self._lock:
            requests = self._requests
        return {"system": "intacct", "requests": requests, **self.stats.snapshot()}

    def reset_stats(self) -> None:
        """Forget every count."""
        with self._lock:
            self._requests = 0
        self.stats.reset()

    def open_session(self, location_id: str = "") -> str:
        """A session id for the sandbox user without a login round trip (tests, seeding)."""
        creds = self.credentials
        return self.sessions.open(creds.user_id, creds.company_id, location_id).session_id

    def now(self) -> datetime:
        """The sandbox clock (UTC)."""
        return self.sessions.clock()

    # -- one gateway request ----------------------------------------------------------------

    def answer(self, body: bytes, host: str | None = None) -> tuple[int, str, bytes]:
        """(HTTP status, content type, body) for one POST to the gateway, faults included.

        `host` is the request's Host header: a client that reached the sandbox by another name
        (`api.intacct.com` resolved to the loopback, as Sage's SDKs need) gets that name back
        as the session endpoint.
        """
        names = self.gateway.function_names(body)
        fault = self.faults.draw(names[0] if names else "")
        with self._lock:
            self._requests += 1
        if fault is not None:
            self.stats.fault(fault)
        if fault == "slow":
            time.sleep(self.faults.slow_seconds)
            fault = None
        if fault == "429":
            failure = render.gateway_failure(errors.rate_limited())
            return 429, XML_TYPE, render.serialize(failure, True)
        if fault in ("500", "502", "503", "html"):
            return _html(200 if fault == "html" else int(fault))
        named = host is not None and _HOST.fullmatch(host) is not None
        endpoint = f"{self.scheme}://{host}{GATEWAY_PATH}" if named else None
        response = self.gateway.handle(body, expire=fault == "expire", endpoint=endpoint)
        if fault == "524":
            return _html(524)
        if fault == "truncate":
            return 200, XML_TYPE, response[: max(len(response) // 2, 1)]
        return 200, XML_TYPE, response


# What a client hanging up early raises in the server: resets, broken pipes, TLS alerts
# (ssl.SSLError is an OSError but not a ConnectionError), and a read timing out.
HANGUPS = (ConnectionError, ssl.SSLError, TimeoutError)

# A host name or address and an optional port: nothing else is echoed into the endpoint.
_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


def _html(status: int) -> tuple[int, str, bytes]:
    page = _HTML.format(code=status, text=_STATUS_TEXT[status])
    return status, "text/html; charset=UTF-8", page.encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    sandbox: IntacctSandbox

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 tls: ssl.SSLContext | None = None) -> None:
        super().__init__(address, handler)
        self.tls = tls
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._idle = threading.Condition(self._open_lock)

    def track(self, connection: socket.socket, active: bool) -> None:
        with self._open_lock:
            if active:
                self._open.add(connection)
            else:
                self._open.discard(connection)
                self._idle.notify_all()

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake runs here, in the connection's own thread, not in the accept loop.
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        with self.tls.wrap_socket(request, server_side=True) as wrapped:
            super().finish_request(wrapped, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away early is one debug line; anything else keeps the traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, HANGUPS):
            log.debug("intacct sandbox: %s:%s hung up: %s", *client_address[:2],
                      type(error).__name__)
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """Shut open keep-alive connections and wait for their threads to let go."""
        with self._open_lock:
            for connection in list(self._open):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    self._open.discard(connection)
            self._idle.wait_for(lambda: not self._open, timeout=10)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60
    # Headers and body go out in separate writes; with Nagle on, keep-alive clients
    # would wait out a delayed ACK (~40 ms) on every response.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("intacct sandbox: " + format, *args)

    def do_POST(self) -> None:
        body = self._body()
        if body is None:
            return
        path = self.path.split("?", 1)[0]
        if path == GATEWAY_PATH:
            self._send(*self.server.sandbox.answer(body, self.headers.get("Host")))
        elif path == RESET_PATH:
            self.server.sandbox.reset_stats()
            self._send_json({"reset": True})
        else:
            self._send(404, "text/plain; charset=UTF-8", b"not found\n")

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == STATS_PATH:
            self._send_json(self.server.sandbox.stats_snapshot())
        else:
            self._send(404, "text/plain; charset=UTF-8", b"not found\n")

    def _body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._send(411, "text/plain; charset=UTF-8", b"Content-Length required\n")
            return None
        if int(length) > 64 * 1024 * 1024:
            self._send(413, "text/plain; charset=UTF-8", b"request too large\n")
            self.close_connection = True
            return None
        return self.rfile.read(int(length))

    def _send_json(self, payload: dict[str, Any]) -> None:
        self._send(200, "application/json", json.dumps(payload).encode())

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
