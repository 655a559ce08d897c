"""The one place that talks HTTP to the XML gateway: sessions, retries, HTTP and level errors.

`Gateway.execute(functions)` sends one request and returns its parsed Response once the
control and authentication levels succeeded; function-level results are left to the caller,
which knows which record each function was for. Along the way it:

- opens a session with `getAPISession` (user login) and switches to the endpoint the session
  names, or uses a given session ID as is;
- resends the same bytes on transient faults (see retry.py), counting every attempt;
- renews an expired session once, transparently, and resends the same functions;
- turns HTTP statuses, non-XML bodies, oversize bodies and control/authentication failures
  into the engine's typed errors, with credentials masked.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from mapsync.engine.connectors.base import CallCounter
from mapsync.engine.connectors.retry import RetryPolicy
from mapsync.engine.errors import AuthenticationError, ProtocolError, ServerFault, SessionExpired

from . import envelope, inflate
from .envelope import Function, SenderCredentials, UserLogin
from .errors import SYSTEM, Redactor, from_chain, http_status_error, session_expired
from .response import Response, Result, parse_response

DEFAULT_ENDPOINT = "https://api.intacct.com/ia/xml/xmlgw.phtml"
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
DEFAULT_DEADLINE = 300.0  # seconds for a whole request: connect, send, receive every byte
_SESSION_ID = re.compile(r"^[\x21-\x7e]{1,512}$")
_URL = re.compile(r"^https?://[\x21-\x7e]{1,2000}$")


@dataclass(slots=True)
class Session:
    """An API session: its id and the endpoint every call in it must go to."""

    session_id: str
    endpoint: str


class Gateway:
    """Posts requests, owns the session, maps transport and level failures to typed errors."""

    def __init__(
        self,
        sender: SenderCredentials,
        *,
        http: httpx.Client,
        login: UserLogin | None = None,
        session_id: str | None = None,
        endpoint: str = DEFAULT_ENDPOINT,
        retry: RetryPolicy | None = None,
        counter: CallCounter | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        deadline: float = DEFAULT_DEADLINE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if login is None and not session_id:
            raise ValueError("Intacct needs a user login or a session ID")
        self._sender = sender
        self._login = login
        self._http = http
        self._endpoint = endpoint
        self._retry = (retry or RetryPolicy()).for_service("intacct")
        self.counter = counter or CallCounter()
        self._max_bytes = max_response_bytes
        self._deadline = deadline
        self._clock = clock
        self._session = Session(session_id, endpoint) if session_id else None
        self._wire: AbstractContextManager[object] = nullcontext()

    # --- public --------------------------------------------------------------------------

    @property
    def redact(self) -> Redactor:
        """A redactor for every secret this gateway knows (passwords, the session id)."""
        secrets = [self._sender.password]
        if self._login is not None:
            secrets.append(self._login.password)
        if self._session is not None:
            secrets.append(self._session.session_id)
        return Redactor(tuple(s for s in secrets if len(s) >= 3))

    @property
    def endpoint(self) -> str:
        """The URL requests go to now (the session's endpoint once a session is open)."""
        return self._session.endpoint if self._session else self._endpoint

    def execute(self, functions: Sequence[Function], *, operation: str, uniqueid: bool) -> Response:
        """Send `functions` in one request; renew an expired session once and resend them."""
        session = self._ensure_session()
        request_id = uuid.uuid4().hex
        try:
            return self._send(functions, session.session_id, operation, uniqueid, request_id)
        except SessionExpired:
            if self._login is None:
                raise AuthenticationError(
                    "the session expired and no user login is configured to renew it",
                    system=SYSTEM,
                    operation=operation,
                    code="XL03000006",
                ) from None
            self._session = None
            session = self._ensure_session()
            return self._send(functions, session.session_id, operation, uniqueid, request_id)

    @contextmanager
    def on_the_wire(self, limit: int) -> Iterator[None]:
        """While inside, at most `limit` requests are on the wire at once, whichever thread
        sends them: the slot is held from the first byte sent to the last byte read, so
        building a request and parsing its answer never keep another thread's request
        waiting (Intacct counts API transactions in flight, not the work around them)."""
        before, self._wire = self._wire, threading.BoundedSemaphore(max(limit, 1))
        try:
            yield
        finally:
            self._wire = before

    def open_session(self) -> Session:
        """Log in with getAPISession and switch to the endpoint it returns."""
        if self._login is None:
            raise AuthenticationError("no user login configured", system=SYSTEM)
        function = Function("getAPISession", envelope.get_api_session(), "getAPISession")
        response = self._retry.run(
            lambda: self._attempt([function], self._login_auth(), "getAPISession", False, "login")
        )
        self._session = _session_from(response.results, self._endpoint, self.redact)
        return self._session

    # --- internals -----------------------------------------------------------------------

    def _login_auth(self) -> UserLogin:
        assert self._login is not None
        return self._login

    def _ensure_session(self) -> Session:
        return self._session if self._session is not None else self.open_session()

    def _send(
        self,
        functions: Sequence[Function],
        session_id: str,
        operation: str,
        uniqueid: bool,
        request_id: str,
    ) -> Response:
        return self._retry.run(
            lambda: self._attempt(functions, session_id, operation, uniqueid, request_id)
        )

    def _attempt(
        self,
        functions: Sequence[Function],
        auth: UserLogin | str,
        operation: str,
        uniqueid: bool,
        request_id: str,
    ) -> Response:
        body = envelope.build_request(
            self._sender, auth, functions, controlid=request_id, uniqueid=uniqueid
        )
        self.counter.add(operation)
        status, payload, content_type = self._post(body, operation)
        if not 200 <= status < 300 and not _gateway_answer(status, payload, content_type):
            raise http_status_error(status, self.redact.excerpt(payload), operation)
        response = parse_response(payload, self.redact, operation)
        self._check_levels(response, operation, using_session=isinstance(auth, str))
        return response

    def _post(self, body: bytes, operation: str) -> tuple[int, bytes, str]:
        headers = {"Content-Type": "application/xml", "Accept": "application/xml, text/xml",
                   "Accept-Encoding": inflate.ACCEPT_ENCODING}
        try:
            with self._wire:
                return self._exchange(body, headers, operation)
        except httpx.TransportError as exc:
            raise ServerFault(
                f"{type(exc).__name__}: {self.redact(str(exc))[:200]}",
                system=SYSTEM,
                operation=operation,
                code=type(exc).__name__,
            ) from None

    def _exchange(
        self, body: bytes, headers: dict[str, str], operation: str
    ) -> tuple[int, bytes, str]:
        ends = self._clock() + self._deadline
        with self._http.stream("POST", self.endpoint, content=body, headers=headers) as reply:
            payload = self._read_limited(reply, operation, ends)
            return reply.status_code, payload, reply.headers.get("content-type", "")

    def _read_limited(self, reply: httpx.Response, operation: str, ends: float) -> bytes:
        declared = reply.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise self._too_large(operation)
        encoding = reply.headers.get("content-encoding", "")
        raw: Iterable[bytes] = reply.iter_raw()
        if reply.is_stream_consumed:  # an in-memory response (a transport that is not a socket)
            raw, encoding = [reply.content], ""
        try:
            return inflate.decoded(raw, encoding, self._max_bytes, lambda: self._clock() > ends)
        except inflate.BodyTooLarge:
            raise self._too_large(operation) from None
        except inflate.UnknownEncoding as exc:
            raise ProtocolError(f"response body: unsupported or corrupt encoding {exc}",
                                system=SYSTEM, operation=operation) from None
        except inflate.DeadlinePassed:
            raise ServerFault(
                f"no complete response within {self._deadline:g} s (the request's deadline)",
                system=SYSTEM, operation=operation, code="deadline",
            ) from None

    def _too_large(self, operation: str) -> ProtocolError:
        return ProtocolError(
            f"response larger than the {self._max_bytes} byte limit (refused)",
            system=SYSTEM,
            operation=operation,
        )

    def _check_levels(self, response: Response, operation: str, *, using_session: bool) -> None:
        redact = self.redact
        if not response.control_ok:
            raise from_chain(
                response.control_errors, operation=operation, level="control", redact=redact
            )
        if response.acknowledged:
            raise ProtocolError(
                "asynchronous acknowledgement: mapsync sends synchronous requests only",
                system=SYSTEM,
                operation=operation,
            )
        if response.auth_status is None:
            raise ProtocolError("response has no <operation>", system=SYSTEM, operation=operation)
        if not response.auth_ok:
            if using_session:
                raise session_expired(response.auth_errors, operation, redact)
            raise from_chain(
                response.auth_errors,
                operation=operation,
                level="authentication",
                redact=redact,
                cls=AuthenticationError,
            )


def _allowed(endpoint: str, configured: str) -> bool:
    if not _URL.match(endpoint):
        return False
    try:
        new, old = urlsplit(endpoint), urlsplit(configured)
        same = (new.scheme, new.hostname, new.port) == (old.scheme, old.hostname, old.port)
        intacct = configured == DEFAULT_ENDPOINT and new.scheme == "https" and new.port is None
    except ValueError:  # a port that is not a number, brackets that do not close
        return False
    host = new.hostname or ""
    intacct = intacct and (host == "intacct.com" or host.endswith(".intacct.com"))
    return (same or intacct) and new.username is None and new.password is None


def _gateway_answer(status: int, payload: bytes, content_type: str) -> bool:
    """4xx answers with an XML body are gateway responses to parse (e.g. 401 XMLGW_JPP0002)."""
    if not 400 <= status < 500 or status == 429:
        return False
    head = payload.lstrip()[:64]
    return head.startswith(b"<?xml") or head.startswith(b"<response") or "xml" in content_type


def _session_from(results: Sequence[Result], fallback: str, redact: Redactor) -> Session:
    result = results[0] if results else None
    if result is None or not result.ok or result.data is None:
        errors = result.errors if result is not None else ()
        raise from_chain(
            errors,
            operation="getAPISession",
            level="result",
            redact=redact,
            cls=AuthenticationError,
        )
    session_id = (result.data.findtext("api/sessionid") or "").strip()
    endpoint = (result.data.findtext("api/endpoint") or "").strip() or fallback
    if not _SESSION_ID.match(session_id):
        raise ProtocolError(
            "getAPISession returned no usable session id (empty, too long or not printable)",
            system=SYSTEM,
            operation="getAPISession",
        )
    return Session(session_id, checked_endpoint(endpoint, fallback))


def checked_endpoint(endpoint: str, configured: str) -> str:
    """The endpoint a session names, if requests carrying the credentials may go there.

    Allowed: the configured scheme, host and port; or, when the configuration keeps the
    default Intacct endpoint, any `*.intacct.com` host over HTTPS. A configuration that names
    its endpoint explicitly (a sandbox, a proxy) pins every request to that host.
    """
    if _allowed(endpoint, configured):
        return endpoint
    raise ProtocolError(
        "getAPISession named an endpoint that is neither the configured host nor an "
        "*.intacct.com host over HTTPS (refused, so no credential goes there)",
        system=SYSTEM,
        operation="getAPISession",
    )
