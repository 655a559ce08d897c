"""Fields of related records in read answers: `CUSTOMER.NAME` or `BILLTO.MAILADDRESS.CITY` on
a sales document, reached through the relationships `lookup` lists.

Intacct's readByQuery answers such fields on document objects as literal dotted elements
(`<CUSTOMER.NAME>Mercado Sidewalk Cafe</CUSTOMER.NAME>`, as a captured answer quoted by a
public tax integration shows). A relationship's path is the group of a grouped key field
(`BILLTO` for BILLTO.CONTACTNAME) or the related object (`CUSTOMER` for CUSTVENDID); the
related record is found by its business key.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

from mapsync.engine.catalog import FieldInfo, ObjectInfo, relationship_paths
from mapsync.engine.sandbox.intacct.store import IntacctStore
from mapsync.engine.sandbox.intacct.values import Stored


def _hop(catalogs: Mapping[str, ObjectInfo], info: ObjectInfo,
         name: str) -> tuple[str, ObjectInfo, str] | None:
    """(key field on `info`, related object, rest of the path) for a related `name`."""
    upper = name.upper()
    for prefix, (key_field, target) in relationship_paths(info).items():
        related = catalogs.get(target)
        if related is not None and upper.startswith(prefix + "."):
            return key_field, related, upper[len(prefix) + 1:]
    return None


def related_field(catalogs: Mapping[str, ObjectInfo], info: ObjectInfo,
                  name: str) -> FieldInfo | None:
    """The related object's field that `name` reaches, or None."""
    hop = _hop(catalogs, info, name)
    if hop is None:
        return None
    _key, related, rest = hop
    return related.fields.get(rest)


def split_related(catalogs: Mapping[str, ObjectInfo], info: ObjectInfo,
                  unknown: Sequence[str]) -> tuple[list[str], list[str]]:
    """(names reaching a related field, names still unknown) of `unknown`."""
    reached = [n for n in unknown if related_field(catalogs, info, n) is not None]
    return [n.upper() for n in reached], [n for n in unknown if n not in reached]


def related_values(store: IntacctStore, conn: sqlite3.Connection, info: ObjectInfo,
                   values: Mapping[str, Stored], names: Sequence[str]) -> dict[str, Stored]:
    """The stored values of the related `names` for one record (None when unlinked)."""
    out: dict[str, Stored] = {}
    for name in names:
        if name in info.fields:
            continue
        hop = _hop(store.catalogs, info, name)
        if hop is None:
            continue
        key_field, related, rest = hop
        key = values.get(key_field)
        rows = store.rows_by_key(conn, related.name, [str(key)]) if key not in (None, "") else []
        out[name] = rows[0].values.get(rest) if rows else None
    return out
