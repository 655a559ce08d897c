"""The small records the runner passes around while syncing one mapping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from mapsync.engine.connectors.base import Record
from mapsync.engine.runner.decide import Decision, Shadow
from mapsync.engine.state import TOMBSTONE, is_tombstone

__all__ = ["TOMBSTONE", "is_tombstone"]

# Records per chunk: a multiple of the write batches (Salesforce Collections 200, Intacct
# 100 functions) and of the IN-list lookups (200 / 100 keys), so no call of a chunk is
# partly empty (500 cost ceil(500/200) = 3 Collections calls: 20% more than the minimum).
CHUNK = 1000
SAMPLES = 5


@dataclass(frozen=True, slots=True)
class Options:
    """How a run behaves."""

    full: bool = False
    dry_run: bool = False
    overlap: dt.timedelta = dt.timedelta(seconds=60)
    timezone: dt.tzinfo = dt.UTC
    chunk: int = CHUNK
    retry_ids: frozenset[int] | None = None  # replay: these error ids (None = all open)
    replay: bool = False
    relationship: str = "one-to-one"  # Opportunity -> sales documents (actions)
    at_once: tuple[int, int, int] = (1, 1, 1)  # mappings, Intacct and Salesforce requests
    # dry run: the links it would make, seen by later mappings' `ref` steps (runner.planned)
    planned: Any = field(default=None, compare=False)


@dataclass(slots=True)
class Pair:
    """One Intacct record and its Salesforce partner, either of which may be unknown."""

    key: str
    intacct: Record | None
    salesforce: Record | None
    sf_id: str | None
    recordno: str | None
    shadow: Shadow = field(default_factory=Shadow)
    new_link: bool = False


@dataclass(slots=True)
class Batch:
    """Writes collected for one chunk, applied together."""

    sf_creates: list[tuple[Pair, Decision]] = field(default_factory=list)
    with_lines: list[Pair] = field(default_factory=list)
    intacct_creates: list[tuple[Pair, Decision]] = field(default_factory=list)
    updates: list[tuple[Pair, Decision]] = field(default_factory=list)
    links: list[Pair] = field(default_factory=list)
    resolved: list[tuple[str, str]] = field(default_factory=list)
    # creates refused because the key was taken: the holder is the partner, to link
    existing: list[Pair] = field(default_factory=list)


def chunks(items: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def take_live(changes: MutableMapping[str, Record], sf_id: str) -> Record | None:
    """Pop a changed Salesforce record to pair it, unless it was deleted (handled later)."""
    record = changes.get(sf_id)
    if record is None or record.get("IsDeleted"):
        return None
    return changes.pop(sf_id)


def text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)
