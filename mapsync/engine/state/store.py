"""`SqlStore`: the one implementation of `StateStore`, assembled from its parts over a `Db`.

Crash safety: every write method runs inside the caller's `transaction()` when there is
one (so a watermark commits with the writes it covers) or in its own otherwise. A process
killed mid-batch leaves the previous commit intact, on SQLite (WAL, full sync) as on
PostgreSQL.
"""

from __future__ import annotations

from mapsync.engine.state.db import Db
from mapsync.engine.state.links import Links, Shadows
from mapsync.engine.state.runs import Conflicts, Errors, Runs
from mapsync.engine.state.schema import schema_version
from mapsync.engine.state.watermarks import Watermarks


class SqlStore(Links, Shadows, Watermarks, Runs, Errors, Conflicts):
    """The state of one company pair in a SQLite file or a PostgreSQL schema."""

    def __init__(self, db: Db) -> None:
        self.db = db
        self.label = db.label
        self.dialect: str = db.dialect
        self.migrated_from: int | None = None  # the version `open` found, once migrated

    @property
    def schema_version(self) -> int:
        """The schema version of the open store (0 for a new one)."""
        return schema_version(self.db)

    def close(self) -> None:
        """Close the store; an open transaction is rolled back."""
        self.db.close()

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
