"""The two state backends as test fixtures: SQLite in tmp_path, PostgreSQL from the env.

PostgreSQL tests need a server: set MAPSYNC_TEST_POSTGRES_URL to a database the tests may
create schemas in (`.ci/run` starts a throwaway one). Each test gets its own schema,
dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from mapsync.engine.state import MIGRATIONS, Migration, SqlStore, open_store
from mapsync.engine.state.postgres import schema_name

ENV = "MAPSYNC_TEST_POSTGRES_URL"
HOW_TO = (
    f"PostgreSQL tests need a server: set {ENV}=postgresql://user@127.0.0.1:5432/db "
    "(`bash .ci/run` starts a throwaway one)"
)
BACKENDS = ("sqlite", "postgres")


def postgres_url() -> str:
    """The test server's URL, or skip the test saying how to run it."""
    url = os.environ.get(ENV)
    if not url:
        pytest.skip(HOW_TO)
    return url


class Backend:
    """Where one test's store lives; `open()` opens it again at the same place."""

    def __init__(self, name: str, tmp_path: Path) -> None:
        self.name = name
        self.path = tmp_path / "deep" / "state.db"
        self.namespace = f"t{uuid.uuid4().hex[:12]}"
        self.url = postgres_url() if name == "postgres" else None

    @property
    def target(self) -> str | Path:
        """What `open_store` takes: the SQLite path or the PostgreSQL URL."""
        return self.url or self.path

    def open(self, migrations: Sequence[Migration] = MIGRATIONS) -> SqlStore:
        """Open this test's store."""
        return open_store(self.target, namespace=self.namespace, migrations=migrations)

    def tables(self) -> set[str]:
        """The names of the store's tables."""
        with self.open() as store:
            if self.name == "sqlite":
                query = "SELECT name FROM sqlite_master WHERE type = 'table'"
            else:
                query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            return {row[0] for row in store.db.execute(query).fetchall()}

    def drop(self) -> None:
        """Remove a PostgreSQL test schema (a SQLite file goes with tmp_path)."""
        if self.url:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema_name(self.namespace)}" CASCADE')


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Each state test once per backend."""
    where = Backend(request.param, tmp_path)
    yield where
    where.drop()


@pytest.fixture
def store(backend: Backend) -> Iterator[SqlStore]:
    """A fresh, migrated store on each backend."""
    with backend.open() as opened:
        yield opened


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty database on the test server (dropped afterwards), as a URL."""
    import psycopg

    url = postgres_url()
    name = f"mapsync_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
