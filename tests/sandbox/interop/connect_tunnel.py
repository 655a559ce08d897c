"""A tiny HTTP CONNECT proxy on 127.0.0.1 for tests: clients that only know the real services'
host names (`api.intacct.com:443`) reach a local sandbox through `HTTPS_PROXY`, with no
hosts-file edits and no change to the client.

    with ConnectTunnel({"api.intacct.com:443": sandbox_port}) as tunnel:
        env["HTTPS_PROXY"] = tunnel.url

Only the routed `host:port` targets are tunnelled, always to 127.0.0.1; anything else gets
403. The TLS stays end to end between the client and the sandbox. Each tunnel ends when
either side closes, and `stop()` closes whatever is still open.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import socketserver
import threading
from collections.abc import Mapping
from types import TracebackType


class ConnectTunnel:
    """CONNECT `host:port` -> 127.0.0.1:`routes[host:port]`; records what it tunnelled."""

    def __init__(self, routes: Mapping[str, int]) -> None:
        self.routes = dict(routes)
        self.tunnelled: list[str] = []
        self.refused: list[str] = []
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.tunnel = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="connect-tunnel", daemon=True)

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`, the value for HTTPS_PROXY."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ConnectTunnel:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=10)

    def track(self, sock: socket.socket, active: bool) -> None:
        with self._lock:
            (self._open.add if active else self._open.discard)(sock)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    tunnel: ConnectTunnel


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        request_line = self.rfile.readline(8192).decode("latin-1").split()
        while self.rfile.readline(8192).strip():
            pass  # the proxy request's headers: nothing in them changes the route
        tunnel = self.server.tunnel
        target = request_line[1] if len(request_line) == 3 else ""
        port = tunnel.routes.get(target)
        if request_line[:1] != ["CONNECT"] or port is None:
            tunnel.refused.append(target)
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        with socket.create_connection(("127.0.0.1", port), timeout=60) as upstream:
            tunnel.tunnelled.append(target)
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self.wfile.flush()
            for sock in (self.connection, upstream):
                tunnel.track(sock, True)
            try:
                _pump(self.connection, upstream)
            finally:
                for sock in (self.connection, upstream):
                    tunnel.track(sock, False)


def _pump(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until one side closes."""
    peers = {client: upstream, upstream: client}
    with selectors.DefaultSelector() as selector:
        for sock in peers:
            selector.register(sock, selectors.EVENT_READ)
        while True:
            for key, _events in selector.select(timeout=60):
                sock: socket.socket = key.fileobj  # type: ignore[assignment]
                try:
                    data = sock.recv(65536)
                    if data:
                        peers[sock].sendall(data)
                except OSError:
                    data = b""
                if not data:
                    return
