"""`SqlStore`: the one implementation of `StateStore`, assembled from its parts over a `Db`.

Crash safety: every write method runs inside the caller's `transaction()` when there is
one (so a watermark commits with the writes it covers) or in its own otherwise. A process
killed mid-batch leaves the previous commit intact, on SQLite (WAL, full sync) as on
PostgreSQL.
"""

from __future__ import annotations

from mapsync.engine.state.db import Db
from mapsync.engine.state.links import Links, Shadows
from mapsync.engine.state.records import ChunkWrites
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

    def write_chunk(self, mapping: str, run_id: int | None, writes: ChunkWrites) -> None:
        """Store a chunk's failures, links, shadows, resolved errors and conflicts in one
        transaction: the runner reaches the store once per chunk to write."""
        with self.db.transaction():
            for failure in writes.failures:
                self.record_exception(run_id, mapping, failure.side, failure.record_key,
                                      failure.error, rule=failure.rule, payload=failure.payload)
            if writes.links:
                self.link_many(mapping, writes.links)
            if writes.shadows:
                self.save_shadows(mapping, writes.shadows)
            for side in ("intacct", "salesforce"):
                keys = [key for s, key in writes.resolved if s == side]
                if keys:
                    self.resolve_errors(mapping, side, keys)
            for c in writes.conflicts:
                self.log_conflict(run_id, mapping, c.record_key, c.field, c.intacct_value,
                                  c.salesforce_value, c.winner, c.policy)

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
