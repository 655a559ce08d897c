"""Links (the cross-reference of paired records) and shadows (their last synced values)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from mapsync.engine.record import Side
from mapsync.engine.state.db import Part, chunks, dumps_in_order, marks, now
from mapsync.engine.state.records import Link, is_tombstone


class Links(Part):
    """The xref table: one row per linked pair, unique per mapping on each side."""

    def link(
        self,
        mapping: str,
        intacct_key: str,
        salesforce_id: str,
        intacct_recordno: str | None = None,
    ) -> None:
        """Record that two records are the same (replacing either's previous link)."""
        self.link_many(mapping, [(intacct_key, intacct_recordno, salesforce_id)])

    def link_many(self, mapping: str, links: Iterable[tuple[str, str | None, str]]) -> None:
        """Link many pairs given as (intacct_key, intacct_recordno, salesforce_id)."""
        stamp = now()
        rows = [(mapping, key, recordno, sf_id, stamp) for key, recordno, sf_id in links]
        with self.db.transaction():
            self.db.executemany(
                "DELETE FROM xref WHERE mapping = ? AND salesforce_id = ? AND intacct_key <> ?",
                [(m, sf_id, key) for m, key, _, sf_id, _ in rows],
            )
            self.db.executemany(
                """INSERT INTO xref VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (mapping, intacct_key) DO UPDATE SET
                   intacct_recordno = coalesce(excluded.intacct_recordno,
                                               xref.intacct_recordno),
                   salesforce_id = excluded.salesforce_id, linked_at = excluded.linked_at""",
                rows,
            )

    def unlink(self, mapping: str, intacct_key: str) -> None:
        """Forget a pair and its shadow (after a delete was propagated)."""
        with self.db.transaction():
            for table in ("xref", "shadow"):
                self.db.execute(
                    f"DELETE FROM {table} WHERE mapping = ? AND intacct_key = ?",
                    (mapping, intacct_key),
                )

    def links_by_intacct_keys(self, mapping: str, keys: Iterable[str]) -> dict[str, Link]:
        """The links of the given Intacct keys that exist, by key."""
        return {link.intacct_key: link for link in self._links(mapping, "intacct_key", keys)}

    def links_by_salesforce_ids(self, mapping: str, ids: Iterable[str]) -> dict[str, Link]:
        """The links of the given Salesforce Ids that exist, by Id."""
        return {link.salesforce_id: link for link in self._links(mapping, "salesforce_id", ids)}

    def links_by_recordnos(self, mapping: str, recordnos: Iterable[str]) -> dict[str, Link]:
        """The links of the given Intacct RECORDNOs that exist, by RECORDNO."""
        found = self._links(mapping, "intacct_recordno", recordnos)
        return {link.intacct_recordno: link for link in found if link.intacct_recordno}

    def links_with_shadows(
        self, mapping: str, side: Side, values: Iterable[str]
    ) -> dict[str, tuple[Link, Any]]:
        """The links of the given Intacct keys (`side` "intacct") or Salesforce Ids, each
        with its shadow (None when it has none), by that identifier: one read for a chunk."""
        column = "intacct_key" if side == "intacct" else "salesforce_id"
        found: dict[str, tuple[Link, Any]] = {}
        for chunk in chunks(values):
            rows = self.db.execute(
                f"SELECT x.mapping, x.intacct_key, x.intacct_recordno, x.salesforce_id, "
                f"x.linked_at, s.values_json FROM xref x LEFT JOIN shadow s "
                f"ON s.mapping = x.mapping AND s.intacct_key = x.intacct_key "
                f"WHERE x.mapping = ? AND x.{column} IN ({marks(len(chunk))})",
                (mapping, *chunk),
            )
            for *columns, shadow in rows.fetchall():
                link = Link(*columns)
                found[link.intacct_key if side == "intacct" else link.salesforce_id] = (
                    link, None if shadow is None else json.loads(shadow))
        return found

    def _links(self, mapping: str, column: str, values: Iterable[str]) -> Iterator[Link]:
        for chunk in chunks(values):
            rows = self.db.execute(
                f"SELECT * FROM xref WHERE mapping = ? AND {column} IN ({marks(len(chunk))})",
                (mapping, *chunk),
            )
            yield from (Link(*row) for row in rows.fetchall())

    def all_links(self, mapping: str) -> Iterator[Link]:
        """Every link of a mapping, by Intacct key."""
        rows = self.db.execute(
            "SELECT * FROM xref WHERE mapping = ? ORDER BY intacct_key", (mapping,)
        )
        return (Link(*row) for row in rows.fetchall())

    def count_links(self, mapping: str) -> int:
        """How many pairs of a mapping are linked."""
        row = self.db.execute("SELECT count(*) FROM xref WHERE mapping = ?", (mapping,))
        return int(row.fetchone()[0])

    def ref_resolver(self) -> Callable[[str, Side], RefCache]:
        """A `transforms.RefResolver` reading this store (one cache per mapping and side)."""
        caches: dict[tuple[str, Side], RefCache] = {}

        def resolve(mapping: str, side: Side) -> RefCache:
            return caches.setdefault((mapping, side), RefCache(self, mapping, side))

        return resolve


class Shadows(Part):
    """The shadow table: the values of each linked pair as last synced."""

    def save_shadows(self, mapping: str, shadows: Mapping[str, Any]) -> None:
        """Store the last synced values (any JSON value) per Intacct key of linked pairs."""
        stamp = now()
        rows = [(mapping, key, dumps_in_order(values), stamp) for key, values in shadows.items()]
        with self.db.transaction():
            self.db.executemany(
                """INSERT INTO shadow VALUES (?, ?, ?, ?) ON CONFLICT (mapping, intacct_key)
                   DO UPDATE SET values_json = excluded.values_json,
                   synced_at = excluded.synced_at""",
                rows,
            )

    def shadows(self, mapping: str, keys: Iterable[str]) -> dict[str, Any]:
        """The stored shadows of the given Intacct keys (absent keys have none)."""
        found: dict[str, Any] = {}
        for chunk in chunks(keys):
            rows = self.db.execute(
                f"SELECT intacct_key, values_json FROM shadow WHERE mapping = ? "
                f"AND intacct_key IN ({marks(len(chunk))})",
                (mapping, *chunk),
            )
            for key, text in rows.fetchall():
                found[key] = json.loads(text)
        return found


class RefCache(Mapping[str, str]):
    """Links of one mapping seen from one side, as `transforms` reads them for `ref` steps.

    `cache["C1"]` (side "salesforce") is the Salesforce Id linked to Intacct key C1;
    a miss asks the store (so pairs linked earlier in the run are found) and raises
    KeyError when there is no link. `prefetch(values)` loads a batch in one query.
    """

    def __init__(self, store: Links, mapping: str, side: Side) -> None:
        self._store = store
        self._mapping = mapping
        self._side = side
        self._known: dict[str, str] = {}

    def prefetch(self, values: Iterable[str]) -> None:
        """Load the links of many identifiers at once."""
        missing = [v for v in values if v not in self._known]
        if self._side == "salesforce":
            found = self._store.links_by_intacct_keys(self._mapping, missing)
            # A reference to a record deleted in Salesforce resolves to empty (no lookup).
            self._known.update(
                (k, "" if is_tombstone(link.salesforce_id) else link.salesforce_id)
                for k, link in found.items()
            )
        else:
            by_id = self._store.links_by_salesforce_ids(self._mapping, missing)
            self._known.update((k, link.intacct_key) for k, link in by_id.items())

    def __getitem__(self, value: str) -> str:
        try:
            return self._known[value]
        except KeyError:
            self.prefetch((value,))
        return self._known[value]

    def __iter__(self) -> Iterator[str]:
        return iter(self._known)

    def __len__(self) -> int:
        return len(self._known)
