"""The embedded backend: one SQLite file, readable by its owner only.

The file and its WAL/SHM companions hold record values and Salesforce Ids, so the file is
created 0600 (SQLite gives the companions the file's mode); an existing file that others
may read is tightened with a warning.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import warnings
from collections.abc import Sequence
from pathlib import Path

from mapsync.engine.state.db import Db
from mapsync.engine.state.schema import MIGRATIONS, Migration, migrate
from mapsync.engine.state.store import SqlStore

DEFAULT_PATH = Path(".mapsync") / "state.db"
PRIVATE = 0o600


class StatePermissionWarning(UserWarning):
    """A state file could be read by others; mapsync made it private (0600)."""


def open_sqlite(path: str | Path, migrations: Sequence[Migration] = MIGRATIONS) -> SqlStore:
    """Open (creating folders and a private file as needed) and bring the schema up to date."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        make_private(file, create=file == path)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    store = SqlStore(Db(conn, "sqlite", str(path)))
    try:
        for pragma in (
            "journal_mode = WAL",
            "synchronous = FULL",
            "foreign_keys = ON",
            "busy_timeout = 10000",
        ):
            conn.execute(f"PRAGMA {pragma}")
        store.migrated_from = migrate(store.db, migrations)
    except BaseException:
        conn.close()
        raise
    return store


def make_private(path: Path, *, create: bool) -> None:
    """Create `path` 0600 (when `create`), or tighten it to 0600 with a warning."""
    if not path.exists():
        if create:
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE))
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        os.chmod(path, PRIVATE)
        warnings.warn(
            StatePermissionWarning(
                f"{path} was readable by others (mode {mode:04o}); made it 0600"
            ),
            stacklevel=3,
        )
