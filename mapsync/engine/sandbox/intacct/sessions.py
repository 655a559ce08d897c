"""API sessions with sliding expiry, and readByQuery result sets for readMore.

Both live in memory: a sandbox restart ends every session and result set, which a client
meets exactly as it meets an expired session or resultId at the real service.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from mapsync.engine.sandbox.intacct.store import Clock


@dataclass(frozen=True, slots=True)
class Session:
    """An authenticated user of the sandbox company (from a login or a session id)."""

    user_id: str
    company_id: str
    location_id: str
    started: datetime
    expires: datetime
    session_id: str = ""


class Sessions:
    """Session ids -> Session; every use pushes the expiry `timeout` past now."""

    def __init__(self, timeout: timedelta, clock: Clock) -> None:
        self.timeout = timeout
        self.clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def login(self, user_id: str, company_id: str, location_id: str = "") -> Session:
        """A login-authenticated call: not stored, expires like a fresh session would."""
        now = self.clock()
        return Session(user_id, company_id, location_id, now, now + self.timeout)

    def open(self, user_id: str, company_id: str, location_id: str = "") -> Session:
        """Start a new session (getAPISession)."""
        session_id = secrets.token_urlsafe(24).replace("-", "x").replace("_", "y") + ".."
        session = replace(self.login(user_id, company_id, location_id), session_id=session_id)
        with self._lock:
            self._sessions[session_id] = session
        return session

    def touch(self, session_id: str) -> Session | None:
        """The live session for `session_id` with its expiry slid forward, or None."""
        now = self.clock()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if session.expires <= now:
                del self._sessions[session_id]
                return None
            session = replace(session, expires=now + self.timeout)
            self._sessions[session_id] = session
            return session

    def end(self, session_id: str) -> None:
        """Forget a session (it answers as expired from now on)."""
        with self._lock:
            self._sessions.pop(session_id, None)


@dataclass(slots=True)
class ResultSet:
    """The rest of a readByQuery answer, paged by readMore."""

    object: str
    fields: tuple[str, ...]
    remaining: list[int]
    total: int
    page_size: int
    docparid: str
    owner: str


class ResultSets:
    """Open readByQuery result sets by resultId (bounded; the oldest are dropped)."""

    def __init__(self, capacity: int = 256) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._sets: OrderedDict[str, ResultSet] = OrderedDict()

    def add(self, result: ResultSet) -> str:
        """Store a result set and return its new resultId."""
        result_id = secrets.token_hex(12) + "W" + secrets.token_urlsafe(9).replace("-", "x")
        with self._lock:
            self._sets[result_id] = result
            while len(self._sets) > self.capacity:
                self._sets.popitem(last=False)
        return result_id

    def take_page(self, result_id: str, owner: str) -> tuple[ResultSet, list[int]] | None:
        """The next page of RECORDNOs of a result set (None if unknown or someone else's)."""
        with self._lock:
            result = self._sets.get(result_id)
            if result is None or result.owner != owner:
                return None
            page = result.remaining[: result.page_size]
            del result.remaining[: result.page_size]
            if not result.remaining:
                del self._sets[result_id]
            return result, page
