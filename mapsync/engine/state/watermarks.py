"""Watermarks: where each mapping's incremental read of each side last ended."""

from __future__ import annotations

import datetime as dt

from mapsync.engine.record import Side
from mapsync.engine.state.db import Part, now
from mapsync.engine.watermark import Watermark


class Watermarks(Part):
    """The watermark table, one row per mapping and side."""

    def watermark(self, mapping: str, side: Side) -> Watermark | None:
        """Where the last committed incremental read of a mapping's side ended, if any."""
        row = self.db.execute(
            "SELECT modified, record_id FROM watermark WHERE mapping = ? AND side = ?",
            (mapping, side),
        ).fetchone()
        if row is None:
            return None
        modified = dt.datetime.fromisoformat(row[0]) if row[0] else None
        return Watermark(modified=modified, record_id=row[1])

    def set_watermark(
        self,
        mapping: str,
        side: Side,
        mark: Watermark,
        *,
        window_read_at: dt.datetime | None = None,
    ) -> None:
        """Move a watermark; call inside the transaction of the writes it covers.

        `window_read_at`: when a read covered the overlap window below `mark` late enough
        to be final (see `window_read_at()`); None while it is not.
        """
        modified = mark.modified.isoformat() if mark.modified else None
        settled = window_read_at.isoformat() if window_read_at else None
        with self.db.transaction():
            self.db.execute(
                """INSERT INTO watermark (mapping, side, modified, record_id, updated_at,
                       window_read_at) VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT (mapping, side) DO UPDATE SET modified = excluded.modified,
                       record_id = excluded.record_id, updated_at = excluded.updated_at,
                       window_read_at = excluded.window_read_at""",
                (mapping, side, modified, mark.record_id, now(), settled),
            )

    def window_read_at(self, mapping: str, side: Side) -> dt.datetime | None:
        """When a read last covered the overlap window below the watermark for good."""
        row = self.db.execute(
            "SELECT window_read_at FROM watermark WHERE mapping = ? AND side = ?", (mapping, side)
        ).fetchone()
        return dt.datetime.fromisoformat(row[0]) if row and row[0] else None

    def reset_watermarks(self, mapping: str | None = None) -> None:
        """Forget watermarks (of one mapping or all) so the next run reads everything."""
        with self.db.transaction():
            if mapping is None:
                self.db.execute("DELETE FROM watermark")
            else:
                self.db.execute("DELETE FROM watermark WHERE mapping = ?", (mapping,))
