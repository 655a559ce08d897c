"""The state store: what mapsync remembers between runs, per company pair.

    store = open_store(".mapsync/state.db")                 # SQLite, the embedded default
    store = open_store("postgresql://…", namespace="acme")  # PostgreSQL, one schema per pair
    with store.transaction():                               # one batch: all or nothing
        store.link_many("Customer", [("C1", "12", "001A...")])
        store.save_shadows("Customer", {"C1": {"i": {...}, "s": {...}}})
        store.set_watermark("Customer", "intacct", Watermark(modified, "12"))

Parts: `schema` (tables and migrations), `links` (links, shadows, ref caches),
`watermarks`, `runs` (runs, errors, conflicts), all written once over `db.Db`;
`sqlite` and `postgres` open a connection; `protocol.StateStore` is the interface.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mapsync.engine.record import Side
from mapsync.engine.state.db import Encoded, dumps_in_order
from mapsync.engine.state.links import RefCache
from mapsync.engine.state.postgres import DEFAULT_NAMESPACE, is_postgres_url, mask_url
from mapsync.engine.state.protocol import StateStore
from mapsync.engine.state.records import (
    TOMBSTONE,
    ChunkWrites,
    ConflictRecord,
    ConflictRow,
    ErrorRecord,
    FailedRecord,
    Link,
    Run,
    StateError,
    is_tombstone,
)
from mapsync.engine.state.schema import MIGRATIONS, Migration
from mapsync.engine.state.sqlite import DEFAULT_PATH, StatePermissionWarning
from mapsync.engine.state.store import SqlStore
from mapsync.engine.watermark import Watermark

__all__ = [
    "DEFAULT_PATH",
    "MIGRATIONS",
    "TOMBSTONE",
    "ChunkWrites",
    "ConflictRecord",
    "ConflictRow",
    "Encoded",
    "ErrorRecord",
    "FailedRecord",
    "Link",
    "Migration",
    "RefCache",
    "Run",
    "Side",
    "SqlStore",
    "StateError",
    "StatePermissionWarning",
    "StateStore",
    "dumps_in_order",
    "Watermark",
    "is_tombstone",
    "mask_url",
    "open_store",
]


def open_store(
    target: str | Path = DEFAULT_PATH,
    *,
    namespace: str = DEFAULT_NAMESPACE,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> SqlStore:
    """Open the store at a SQLite path or a `postgresql://` URL, migrating it as needed.

    `namespace` names the company pair in a shared PostgreSQL database (a SQLite file
    holds one pair). Raises StateError when the store is unusable (newer schema,
    unreachable database, wrong credentials), with any password masked.
    """
    if is_postgres_url(target):
        from mapsync.engine.state.postgres import open_postgres

        return open_postgres(str(target), namespace, migrations)
    from mapsync.engine.state.sqlite import open_sqlite

    return open_sqlite(target, migrations)
