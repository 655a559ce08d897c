"""The Salesforce sandbox as a running HTTPS server, and its Python API.

    with SalesforceSandbox("data/salesforce.sqlite") as sf_box:
        session = sf_box.requests_session()          # trusts the sandbox CA, ignores env CAs
        sf = simple_salesforce.Salesforce(
            instance_url=sf_box.instance_url, session_id=sf_box.session_id,
            version="59.0", session=session)

The server listens on 127.0.0.1 (port 0 = any free port) with a certificate issued at start-up
by a local CA (trustme); the CA's PEM is written to `ca_bundle`. `tls=` serves a context
the caller made instead (a certificate for `*.my.salesforce.com`, for clients that accept
no other host; `ca_bundle` is then the caller's to hand out). Each connection's TLS
handshake runs in its own thread, so a slow client never blocks the others, and a client
that hangs up early costs one debug line, not a traceback.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from mapsync.engine.catalog import ObjectInfo
from mapsync.engine.sandbox.faults import CallStats, FaultPlan
from mapsync.engine.sandbox.salesforce.app import SalesforceApp
from mapsync.engine.sandbox.salesforce.auth import Credentials
from mapsync.engine.sandbox.salesforce.outbound import Clock, Outbox
from mapsync.engine.sandbox.salesforce.store import Store
from mapsync.engine.sandbox.salesforce.wire import Request, Response, json_response

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)
DEFAULT_VERSION = "59.0"


class _Handler(BaseHTTPRequestHandler):
    """Reads one request at a time (keep-alive) and hands it to the app."""

    protocol_version = "HTTP/1.1"
    server: _TlsServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._serve()

    def do_POST(self) -> None:  # noqa: N802
        self._serve()

    def do_PATCH(self) -> None:  # noqa: N802
        self._serve()

    def do_PUT(self) -> None:  # noqa: N802
        self._serve()

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve()

    def _body(self) -> bytes:
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self) -> None:
        path, _, query = self.path.partition("?")
        request = Request(self.command, path, query, dict(self.headers.items()), self._body())
        try:
            response = self.server.app.handle(request)
        except Exception:
            log.exception("salesforce sandbox: unhandled error on %s %s", self.command, path)
            response = json_response(
                [{"message": "An unexpected error occurred.", "errorCode": "UNKNOWN_EXCEPTION"}],
                500,
            )
        self._send(response)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if response.truncate:
            self.send_header("Connection", "close")
        self.end_headers()
        if response.truncate:
            self.wfile.write(response.body[: len(response.body) // 2])
            self.close_connection = True
            return
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("salesforce sandbox: " + format, *args)


class _TlsServer(ThreadingHTTPServer):
    """A threading HTTP server that wraps each accepted connection in TLS in its own thread."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, app: SalesforceApp, context: ssl.SSLContext, host: str, port: int):
        self.app = app
        self.context = context
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__((host, port), _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # Headers and body go out in separate writes: without NODELAY, Nagle's algorithm and
        # the client's delayed ACK add ~40 ms to every response.
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as err:
            log.debug("salesforce sandbox: TLS handshake failed: %s", err)
            return
        with self._open_lock:
            self._open.add(tls)
        try:
            _Handler(tls, client_address, self)
        except (ConnectionError, ssl.SSLError, TimeoutError) as err:
            log.debug("salesforce sandbox: connection ended: %s", err)
        finally:
            with self._open_lock:
                self._open.discard(tls)
            tls.close()

    def drop_connections(self) -> None:
        """Shut every open connection so the handler threads end (used on stop)."""
        with self._open_lock:
            connections = list(self._open)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class SalesforceSandbox:
    """A local Salesforce org over HTTPS, backed by one SQLite file, driven by the catalogs.

    `faults` is a FaultPlan or a spec such as `"429:0.05,expire:0.01"` (seeded by `seed`).
    Data stays in `db_path` between runs; the CA and sessions are new on every start.
    """

    def __init__(
        self, db_path: str | Path, *, faults: FaultPlan | str | None = None, seed: int = 0,
        credentials: Credentials | None = None, objects: list[ObjectInfo] | None = None,
        host: str = "127.0.0.1", port: int = 0, ca_dir: str | Path | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.faults = faults if isinstance(faults, FaultPlan) else FaultPlan.parse(faults,
                                                                                   seed=seed)
        self.credentials = credentials or Credentials()
        self._objects = objects
        self._host, self._port = host, port
        self._ca_dir = Path(ca_dir) if ca_dir is not None else self.db_path.parent
        self._tls = tls
        self._server: _TlsServer | None = None
        self._thread: threading.Thread | None = None
        self._store: Store | None = None
        self._app: SalesforceApp | None = None
        self._outbox: Outbox | None = None
        self.ca_bundle = ""
        self.session_id = ""

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> SalesforceSandbox:
        """Open the database, make the CA and certificate, and start serving."""
        import trustme

        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self._store = Store(self.db_path, self._objects)
        self._app = SalesforceApp(self._store, credentials=self.credentials, faults=self.faults)
        context = self._tls
        if context is None:
            ca = trustme.CA(organization_name="mapsync Salesforce sandbox CA")
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
            self.ca_bundle = str(self._ca_dir / f"{self.db_path.stem}-ca.pem")
            ca.cert_pem.write_to_path(self.ca_bundle)
        self._server = _TlsServer(self._app, context, self._host, self._port)
        self._app.instance_url = self.instance_url
        self.session_id = self._app.sessions.issue()
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="salesforce-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end open connections and close the database."""
        if self._outbox is not None:
            self._outbox.stop()
            self._outbox = None
        for gate in self._app.gates.values() if self._app is not None else ():
            gate.open(apply=False)
        if self._server is not None:
            self._server.shutdown()
            self._server.drop_connections()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._app is not None:
            self._app.bulk2.close()
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> SalesforceSandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- where and how to connect -----------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port served."""
        if self._server is None:
            raise RuntimeError("the Salesforce sandbox is not running")
        return int(self._server.server_address[1])

    @property
    def instance_url(self) -> str:
        """`https://127.0.0.1:PORT`, the org's instance URL."""
        return f"https://127.0.0.1:{self.port}"

    @property
    def login_url(self) -> str:
        """Base URL of the login endpoints (`/services/Soap/u/NN.N`, `/services/oauth2/token`)."""
        return self.instance_url

    @property
    def login_domain(self) -> str:
        """A simple-salesforce `domain=` that reaches this sandbox's login endpoints.

        simple-salesforce builds `https://{domain}.salesforce.com/services/...`; with this
        domain that is `https://127.0.0.1:PORT/login.salesforce.com/services/...`, and the
        sandbox serves its login endpoints under any path prefix.
        """
        return f"127.0.0.1:{self.port}/login"

    def requests_session(self) -> requests.Session:
        """A requests.Session that trusts the sandbox CA (and ignores REQUESTS_CA_BUNDLE)."""
        import requests

        session = requests.Session()
        session.verify = self.ca_bundle
        session.trust_env = False
        return session

    def endpoints(self) -> dict[str, str]:
        """What `mapsync sandbox serve --json` prints for Salesforce."""
        return {
            "instance_url": self.instance_url, "login_url": self.login_url,
            "login_domain": self.login_domain, "client_id": self.credentials.client_id,
            "client_secret": self.credentials.client_secret,
            "username": self.credentials.username,
            "password": self.credentials.password + self.credentials.security_token,
            "ca_bundle": self.ca_bundle,
        }

    def outbound_messages(self, clock: Clock | None = None) -> Outbox:
        """The org's outbound messages (started on first use): add rules to it to have
        committed changes sent as SOAP notifications (see outbound.py)."""
        if self._outbox is None:
            self._outbox = Outbox(self.store, self.instance_url, clock=clock,
                                  session_id=lambda: self.session_id)
            self.store.db.observers.append(self._outbox.changed)
            self._outbox.start()
        return self._outbox

    # -- data and statistics ----------------------------------------------------------------

    @property
    def app(self) -> SalesforceApp:
        """The running org (routes, sessions, faults)."""
        if self._app is None:
            raise RuntimeError("the Salesforce sandbox is not running")
        return self._app

    @property
    def store(self) -> Store:
        """The org's records (insert/list/get/update/delete/query from Python)."""
        if self._store is None:
            raise RuntimeError("the Salesforce sandbox is not running")
        return self._store

    @property
    def stats(self) -> CallStats:
        """Calls per operation and faults per kind since start (or the last reset)."""
        return self.app.stats

    def stats_snapshot(self) -> dict[str, object]:
        """The JSON that GET /__sandbox/stats answers."""
        return self.app.stats_snapshot()
