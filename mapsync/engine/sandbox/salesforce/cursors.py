"""Open query cursors of the Salesforce sandbox: what `nextRecordsUrl` locators point to."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from mapsync.engine.sandbox.salesforce.ids import make_id


@dataclass(slots=True)
class Cursor:
    """The remaining records of a paged query."""

    records: list[dict[str, Any]]
    batch: int
    endpoint: str


class Cursors:
    """Open query locators (least recently used dropped beyond `limit`)."""

    def __init__(self, limit: int = 200) -> None:
        self._open: OrderedDict[str, Cursor] = OrderedDict()
        self._lock = threading.Lock()
        self._limit = limit
        self._seq = 0

    def add(self, cursor: Cursor) -> str:
        """Register a cursor; returns its locator id (`01g…`)."""
        with self._lock:
            self._seq += 1
            locator = make_id("01g", self._seq * 7919 + secrets.randbelow(7919))
            self._open[locator] = cursor
            while len(self._open) > self._limit:
                self._open.popitem(last=False)
        return locator

    def get(self, locator: str) -> Cursor | None:
        """The cursor for `locator`, or None when unknown or dropped."""
        with self._lock:
            found = self._open.get(locator)
            if found is not None:
                self._open.move_to_end(locator)
            return found
