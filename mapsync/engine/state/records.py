"""What the state store hands back: links, runs, errors and conflicts, as frozen records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mapsync.engine.errors import MapsyncError

TOMBSTONE = "deleted:"
"""Prefix of the Salesforce side of a link whose Salesforce record was deleted on purpose
(the Intacct record was deactivated): the pair stays linked so it is not copied back."""


class StateError(MapsyncError):
    """The state store cannot be used (newer schema, unreachable database): see the message."""


def is_tombstone(salesforce_id: str) -> bool:
    """True for the link of an Intacct record whose Salesforce partner was deleted."""
    return salesforce_id.startswith(TOMBSTONE)


@dataclass(frozen=True, slots=True)
class Link:
    """A linked pair of records of one mapping."""

    mapping: str
    intacct_key: str
    intacct_recordno: str | None
    salesforce_id: str
    linked_at: str


@dataclass(frozen=True, slots=True)
class Run:
    """One run of `sync`, `replay`, `demo`...; `status` is running, ok, failed or interrupted."""

    id: int
    command: str
    started_at: str
    ended_at: str | None
    status: str
    counts: Any


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """A record that failed: what, where (rule file:line) and the payload that was sent."""

    id: int
    run_id: int | None
    mapping: str
    side: str
    rule: str | None
    record_key: str | None
    error_type: str
    error_code: str | None
    message: str
    payload: Any
    transient: bool
    status: str
    attempts: int
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class ConflictRecord:
    """A `<->` field both sides changed, the two values and which side won under `policy`."""

    id: int
    run_id: int | None
    mapping: str
    record_key: str
    field: str
    intacct_value: Any
    salesforce_value: Any
    winner: str
    policy: str
    at: str


@dataclass(frozen=True, slots=True)
class FailedRecord:
    """A record that failed in a chunk, to be stored as an open error (`record_exception`)."""

    side: str
    record_key: str
    error: BaseException
    rule: str | None
    payload: Any


@dataclass(frozen=True, slots=True)
class ConflictRow:
    """A `<->` conflict of a chunk, to be logged (`log_conflict`)."""

    record_key: str
    field: str
    intacct_value: Any
    salesforce_value: Any
    winner: str
    policy: str


@dataclass(slots=True)
class ChunkWrites:
    """Everything one chunk of a mapping's run stores, written by `write_chunk` at once.

    `links` are (Intacct key, RECORDNO, Salesforce Id); `shadows` by Intacct key;
    `resolved` the (side, key) of records whose open errors close (after `failures` are
    stored, so a record that failed and then synced in the same chunk ends resolved).
    """

    links: list[tuple[str, str | None, str]] = field(default_factory=list)
    shadows: dict[str, Any] = field(default_factory=dict)
    failures: list[FailedRecord] = field(default_factory=list)
    resolved: list[tuple[str, str]] = field(default_factory=list)
    conflicts: list[ConflictRow] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.links or self.shadows or self.failures or self.resolved
                    or self.conflicts)
