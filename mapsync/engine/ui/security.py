"""Who may use the page: the holder of the one-time token printed at start-up.

The first request carrying `?token=...` gets a session cookie (HttpOnly, SameSite=Strict)
and is redirected to the same page without the token; the token then stops working. Every
other request needs the cookie, and every form carries a CSRF token derived from the
session. Anything else gets 403.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from urllib.parse import urlencode

from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE = "mapsync_session"
FORBIDDEN = ("403 Forbidden: open the address printed by `mapsync ui` (its token works once); "
             "restart `mapsync ui` for a new one.\n")


class Access:
    """The one-time token, the session it opens, and the CSRF token of that session."""

    def __init__(self, token: str | None = None) -> None:
        self.token = token or secrets.token_urlsafe(24)
        self._secret = secrets.token_bytes(32)
        self._sessions: set[str] = set()
        self._used = False
        self._lock = threading.Lock()

    def redeem(self, token: str) -> str | None:
        """A new session for the right, unused token; None otherwise."""
        with self._lock:
            if self._used or not hmac.compare_digest(token.encode(), self.token.encode()):
                return None
            self._used = True
            session = secrets.token_urlsafe(32)
            self._sessions.add(session)
            return session

    def valid(self, session: str | None) -> bool:
        """Whether `session` is a session this server opened."""
        return bool(session) and session in self._sessions

    def csrf(self, session: str) -> str:
        """The CSRF token of a session (what every form sends back)."""
        return hmac.new(self._secret, session.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: str | None, value: str | None) -> bool:
        """Whether a form's CSRF token belongs to its session."""
        if not session or not value or not self.valid(session):
            return False
        return hmac.compare_digest(self.csrf(session), value)


class RequireSession:
    """ASGI middleware: the token opens a session; without a session, 403."""

    def __init__(self, app: ASGIApp, access: Access) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        token = request.query_params.get("token")
        response: Response | None = None
        if token is not None:
            response = self._redeem(request, token)
        elif not self.access.valid(request.cookies.get(COOKIE)):
            response = PlainTextResponse(FORBIDDEN, status_code=403)
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _redeem(self, request: Request, token: str) -> Response:
        session = self.access.redeem(token)
        if session is None:
            return PlainTextResponse(FORBIDDEN, status_code=403)
        rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
        target = URL(path=request.url.path, query=urlencode(rest))
        response = RedirectResponse(str(target), status_code=303)
        response.set_cookie(COOKIE, session, httponly=True, samesite="strict", path="/")
        return response
