"""The listener's HTTP server: one request at a time, on one thread that owns the run context.

    server = ListenServer(make_listener, "127.0.0.1", 8642).start()
    ...                                     # server.url is what Salesforce posts to
    server.stop()

Requests are handled in order on the serving thread, which also opens the state store and the
clients (`make_listener` runs there on the first request): SQLite connections stay on the
thread that made them, and two notifications never run at the same time in one process.
A body longer than the limit is refused from its Content-Length, before it is read.
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from mapsync.engine.listen.service import Incoming, Listener, Reply
from mapsync.engine.listen.soap import Fault

log = logging.getLogger("mapsync.listen")
IDLE_TIMEOUT = 30.0  # seconds a connection may stay silent before it is dropped


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = IDLE_TIMEOUT

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self._serve()

    def do_GET(self) -> None:  # noqa: N802
        self._serve()

    def _serve(self) -> None:
        path, _, query = self.path.partition("?")
        length = self.headers.get("Content-Length")
        if self.command == "POST" and (length is None or not length.isdigit()):
            reply = Reply(411, Fault.client("a Content-Length is required", 411).body())
        elif length is not None and length.isdigit() and int(length) > self.server.limit:
            reply = Reply(413, Fault.client(
                f"the message is larger than {self.server.limit} bytes", 413).body())
            self.close_connection = True
            log.warning("refused %s bytes from %s: over the limit", length, self.client_address[0])
        else:
            body = self.rfile.read(int(length)) if length and length.isdigit() else b""
            request = Incoming(self.command, path, query, str(self.client_address[0]), body)
            reply = self.server.listener().handle(request)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("listen: " + format, *args)


class _Server(HTTPServer):
    def __init__(self, address: tuple[str, int], limit: int,
                 make: Callable[[], Listener]) -> None:
        self.limit = limit
        self._make = make
        self._listener: Listener | None = None
        super().__init__(address, _Handler)

    def listener(self) -> Listener:
        if self._listener is None:
            self._listener = self._make()
        return self._listener


class ListenServer:
    """Serves outbound messages on `host:port` (port 0: any free port) until `stop()`."""

    def __init__(self, make_listener: Callable[[], Listener], host: str, port: int, *,
                 limit: int = 1_048_576, tls: ssl.SSLContext | None = None,
                 on_stop: Callable[[], None] | None = None) -> None:
        self._server = _Server((host, port), limit, make_listener)
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._tls = tls is not None
        self._on_stop = on_stop
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Where to post (add `?token=…` when a shared secret is configured)."""
        host, port = str(self._server.server_address[0]), self._server.server_address[1]
        return f"{'https' if self._tls else 'http'}://{host}:{port}/"

    def start(self) -> ListenServer:
        """Serve from a background thread."""
        self._thread = threading.Thread(target=self._serve, name="mapsync-listen", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        try:
            self._server.serve_forever(poll_interval=0.1)
        finally:
            if self._on_stop is not None:
                self._on_stop()

    def stop(self) -> None:
        """Stop serving (after the request in progress) and close the socket."""
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> ListenServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
