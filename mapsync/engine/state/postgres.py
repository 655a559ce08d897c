"""The shared backend: one PostgreSQL database, one schema per company pair (psycopg 3).

    store = open_postgres("postgresql://sync:secret@db.internal/mapsync", namespace="acme")

Each pair's tables live in their own schema (`mapsync_acme`), so pairs never see each
other's links, watermarks or errors, and the same migrations build every schema. Errors
name the URL with its password masked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from mapsync.engine.state.db import Db
from mapsync.engine.state.records import StateError
from mapsync.engine.state.schema import MIGRATIONS, Migration, migrate
from mapsync.engine.state.store import SqlStore

DEFAULT_NAMESPACE = "default"
CONNECT_TIMEOUT = 10  # seconds before an unreachable server is reported


def is_postgres_url(target: object) -> bool:
    """True for a `postgresql://` (or `postgres://`) URL."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def mask_url(url: str) -> str:
    """The URL with its password replaced by `***`, fit for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return re.sub(r"password=[^&\s]*", "password=***", url)
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return re.sub(r"password=[^&\s]*", "password=***", urlunsplit(parts._replace(netloc=netloc)))


def schema_name(namespace: str) -> str:
    """The PostgreSQL schema of a pair: `mapsync_` and the pair name, lower case."""
    safe = re.sub(r"[^a-z0-9_]", "_", namespace.lower())
    return f"mapsync_{safe}"[:63]


def connect(url: str) -> Any:
    """An autocommit psycopg connection; StateError (URL masked, reason) when it fails."""
    import psycopg

    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.Error as exc:
        reason = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        reason = reason or type(exc).__name__
        raise StateError(f"{mask_url(url)}: cannot connect: {_scrub(reason, url)}") from None


def open_postgres(
    url: str,
    namespace: str = DEFAULT_NAMESPACE,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> SqlStore:
    """Open a pair's schema in a PostgreSQL database, creating and migrating it as needed."""
    import psycopg

    conn = connect(url)
    schema = schema_name(namespace)
    store = SqlStore(Db(conn, "postgres", f"{mask_url(url)} (schema {schema})"))
    try:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        conn.execute(f'SET search_path TO "{schema}"')
        store.migrated_from = migrate(store.db, migrations)
    except psycopg.Error as exc:
        conn.close()
        raise StateError(f"{store.label}: {_scrub(str(exc).strip(), url)}") from None
    except BaseException:
        conn.close()
        raise
    return store


def _scrub(text: str, url: str) -> str:
    password = urlsplit(url).password
    return text.replace(password, "***") if password else text
