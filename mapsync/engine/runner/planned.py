"""A dry run's view of the links it would make, so `ref` steps see them as a sync would.

A sync writes a mapping's records before the mappings that refer to them, so a contract's
customer is linked by the time the contract is decided. A dry run writes nothing: without
this overlay every reference to a record the run would create or link looks unresolved, and
`plan` reported failures (about 200 on the demo company) that the sync never has.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from mapsync.engine.program.step import RefResolver
from mapsync.engine.record import Side


class PlannedLinks:
    """A `RefResolver` answering from the links planned in this dry run, then the store's."""

    def __init__(self, stored: RefResolver) -> None:
        self._stored = stored
        self._planned: dict[tuple[str, Side], dict[str, str]] = {}

    def __call__(self, mapping: str, side: Side) -> Mapping[str, str]:
        return _Overlay(self._planned.setdefault((mapping, side), {}), self._stored(mapping, side))

    def add(self, mapping: str, links: Iterable[tuple[str, str | None, str]]) -> None:
        """Record (Intacct key, RECORDNO, Salesforce Id) links the dry run would store."""
        by_key = self._planned.setdefault((mapping, "salesforce"), {})
        by_id = self._planned.setdefault((mapping, "intacct"), {})
        for key, _recordno, sf_id in links:
            if key:
                by_key[key] = sf_id
            if sf_id:
                by_id[sf_id] = key


class _Overlay(Mapping[str, str]):
    """Planned links first, then the stored ones (looked up lazily, as the store caches)."""

    def __init__(self, planned: dict[str, str], stored: Mapping[str, str]) -> None:
        self._planned = planned
        self._stored = stored

    def __getitem__(self, value: str) -> str:
        if value in self._planned:
            return self._planned[value]
        return self._stored[value]

    def __iter__(self) -> Iterator[str]:
        yield from self._planned
        yield from (k for k in self._stored if k not in self._planned)

    def __len__(self) -> int:
        return len(set(self._planned) | set(self._stored))
