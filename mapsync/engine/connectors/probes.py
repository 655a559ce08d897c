"""Questions a run asks both services before it reads, and their answers.

A run asks, for every mapping and side at once, whether anything changed since that
mapping's watermark (`runner/probe.py`); each service answers all questions in the fewest
calls (Intacct: one request of `query` functions; Salesforce: `/composite` calls of
getUpdated / getDeleted / query subrequests). A mapping then reads only the sides that
changed. An answer of None means "could not tell": the mapping reads as if it changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from mapsync.engine.watermark import Watermark


@dataclass(frozen=True, slots=True)
class IntacctQuestion:
    """Has a record of `obj` (of `docparid`) been modified since `since`? Exact, at the
    second: `since.exclusive` asks for records strictly after it."""

    obj: str
    since: Watermark
    docparid: str | None = None


@dataclass(frozen=True, slots=True)
class UpdatedQuestion:
    """Salesforce getUpdated (and getDeleted with `deleted`) of `obj` over [start, end].

    Both ends are whole minutes: the calls ignore seconds (salesforce.md 2.6). Any id
    listed answers True; the answer's `covered` is the earliest `latestDateCovered`.
    """

    obj: str
    start: dt.datetime
    end: dt.datetime
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class RowsQuestion:
    """Is there a record of `obj` modified after `since` (when given) and matching `where`
    (a SOQL condition, when given)? Asked as a `LIMIT 1` query subrequest (queryAll with
    `deleted`, so deletions count): at most 5 of them go in one composite call. Exact."""

    obj: str
    since: Watermark | None = None
    where: str | None = None
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class ReadQuestion:
    """The first page of the read `read_changed(obj, fields, since, include_deleted=deleted)`
    would make, sent as a query subrequest beside the change questions: the first reads of
    several mappings then share one call (5 to a composite call), and the mapping goes on
    from that page (`SalesforceAPI.resume`)."""

    obj: str
    fields: tuple[str, ...]
    since: Watermark | None
    deleted: bool = False


SalesforceQuestion = UpdatedQuestion | RowsQuestion | ReadQuestion


@dataclass(frozen=True, slots=True)
class Answer:
    """True: something changed; False: nothing did; None: unknown (read anyway).

    `covered`: for getUpdated, up to when Salesforce vouches for the answer. `page`: for a
    ReadQuestion, the query's first page as Salesforce sent it (None when it failed)."""

    changed: bool | None
    covered: dt.datetime | None = None
    page: Any = None
