"""The notifications already processed, so a retried message creates nothing twice.

Salesforce retries a message until it is acknowledged, for up to 24 hours, keeping each
notification's Id. The journal keeps the Ids of processed notifications for 48 hours in a
SQLite file beside the state store; an Id is written only after its outcome is stored.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

KEEP = dt.timedelta(hours=48)


class Journal:
    """Processed notification Ids with the time they were processed."""

    def __init__(self, path: Path, *, now: Callable[[], dt.datetime] | None = None) -> None:
        self.path = path
        self._now = now or (lambda: dt.datetime.now(dt.UTC))
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS notifications (id TEXT PRIMARY KEY, object TEXT, "
            "record_id TEXT, processed TEXT)"
        )

    def close(self) -> None:
        """Close the file."""
        self.conn.close()

    def seen(self, ids: Iterable[str]) -> set[str]:
        """Which of `ids` were processed already."""
        wanted = list(ids)
        marks = ",".join("?" * len(wanted))
        rows = self.conn.execute(
            f"SELECT id FROM notifications WHERE id IN ({marks})", wanted
        ).fetchall() if wanted else []
        return {r[0] for r in rows}

    def record(self, entries: Iterable[tuple[str, str, str]]) -> None:
        """Remember (notification Id, object, record Id) as processed; forget old entries."""
        now = self._now()
        with self.conn:
            self.conn.execute("BEGIN")
            self.conn.executemany(
                "INSERT OR IGNORE INTO notifications VALUES (?, ?, ?, ?)",
                [(n, o, r, now.isoformat()) for n, o, r in entries],
            )
            self.conn.execute("DELETE FROM notifications WHERE processed < ?",
                              ((now - KEEP).isoformat(),))
