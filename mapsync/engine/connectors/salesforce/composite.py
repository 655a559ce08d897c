"""Change probes through POST /composite: many questions, one API call per 25.

"The entire series of requests counts as a single call toward your API limits"; a call
holds up to 25 subrequests, at most 5 of them query (or sObject Collections) operations
(https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html).
getUpdated and getDeleted (`sobjects/{obj}/updated/`, `.../deleted/`) are sObject
resources, not queries, so only `RowsQuestion`s and `ReadQuestion`s (the first page of a
mapping's read) count against the 5. A query subrequest answers as the query resource does
(records, totalSize, done, nextRecordsUrl), so a read goes on from it with queryMore.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from simple_salesforce.api import Salesforce

from mapsync.engine.connectors.probes import (
    Answer,
    ReadQuestion,
    RowsQuestion,
    SalesforceQuestion,
)
from mapsync.engine.connectors.salesforce import soql
from mapsync.engine.connectors.salesforce.errors import SYSTEM, excerpt
from mapsync.engine.connectors.salesforce.values import parse_datetime
from mapsync.engine.errors import ProtocolError

MAX_SUBREQUESTS = 25
MAX_QUERIES = 5


@dataclass(frozen=True, slots=True)
class Subrequest:
    """One GET subrequest: which question it serves and whether it is a query."""

    question: int
    url: str
    query: bool
    kind: str  # "updated", "deleted", "rows" or "read"


def rows_soql(question: RowsQuestion, modified_field: str) -> str:
    """`SELECT Id FROM obj WHERE <after since> AND <where> LIMIT 1`."""
    since = question.since
    after = None
    if since is not None and since.modified is not None:
        after = soql.since_clause(modified_field, since.modified, exclusive=since.exclusive)
    where = soql.and_(after, soql.Clause(question.where) if question.where else None)
    return soql.select(question.obj, ["Id"], where=where) + " LIMIT 1"


def subrequests(
    version: str,
    questions: Sequence[SalesforceQuestion],
    modified: Callable[[str], str],
    read_soql: Callable[[ReadQuestion], str] | None = None,
) -> list[Subrequest]:
    """The GET subrequests answering `questions`, in order (`modified`: an object's
    modification stamp field; `read_soql`: the query `read_changed` sends for a read)."""
    base = f"/services/data/v{version}"
    out: list[Subrequest] = []
    for index, question in enumerate(questions):
        if isinstance(question, ReadQuestion):
            if read_soql is None:
                raise ValueError("a ReadQuestion needs the read's query (read_soql)")
            endpoint = "queryAll" if question.deleted else "query"
            text = read_soql(question)
            out.append(Subrequest(index, f"{base}/{endpoint}/?{urlencode({'q': text})}",
                                  True, "read"))
            continue
        if isinstance(question, RowsQuestion):
            text = rows_soql(question, modified(question.obj))
            endpoint = "queryAll" if question.deleted else "query"
            out.append(Subrequest(index, f"{base}/{endpoint}/?{urlencode({'q': text})}",
                                  True, "rows"))
            continue
        soql.object_name(question.obj)
        span = urlencode({"start": _stamp(question.start), "end": _stamp(question.end)})
        out.append(Subrequest(index, f"{base}/sobjects/{question.obj}/updated/?{span}",
                              False, "updated"))
        if question.deleted:
            out.append(Subrequest(index, f"{base}/sobjects/{question.obj}/deleted/?{span}",
                                  False, "deleted"))
    return out


def packed(subs: Sequence[Subrequest]) -> list[list[Subrequest]]:
    """Subrequests in calls of at most 25, at most 5 queries each (queries spread first)."""
    calls: list[list[Subrequest]] = []
    queries = [s for s in subs if s.query]
    others = [s for s in subs if not s.query]
    while queries or others:
        take = queries[:MAX_QUERIES]
        queries = queries[MAX_QUERIES:]
        room = MAX_SUBREQUESTS - len(take)
        calls.append(take + others[:room])
        others = others[room:]
    return calls


def send(sf: Salesforce, calls: Sequence[Subrequest], headers: Mapping[str, str]) -> Any:
    """POST composite with `calls` (allOrNone false): the raw answer. `headers` go with
    each read (the query options a plain read sends)."""
    body = {"allOrNone": False, "compositeRequest": [
        {"method": "GET", "url": s.url, "referenceId": f"q{n}",
         **({"httpHeaders": dict(headers)} if headers and s.kind == "read" else {})}
        for n, s in enumerate(calls)
    ]}
    return sf.restful("composite", method="POST", data=json.dumps(body))


def results(answer: Any, calls: Sequence[Subrequest]) -> list[tuple[int, Any]]:
    """(status, body) of each subrequest, in order; ProtocolError for an answer that is not
    one result per subrequest (such as LIMIT_EXCEEDED for the whole call)."""
    items = answer.get("compositeResponse") if isinstance(answer, Mapping) else None
    if not isinstance(items, list):
        raise ProtocolError(f"composite answer has no compositeResponse: {excerpt(answer)}",
                            system=SYSTEM, operation="composite", code="BAD_COMPOSITE")
    by_ref = {i.get("referenceId"): i for i in items if isinstance(i, Mapping)}
    out: list[tuple[int, Any]] = []
    for n in range(len(calls)):
        item = by_ref.get(f"q{n}")
        if item is None:
            raise ProtocolError(f"composite answer lacks subrequest q{n}: {excerpt(answer)}",
                                system=SYSTEM, operation="composite", code="BAD_COMPOSITE")
        status = item.get("httpStatusCode")
        out.append((status if isinstance(status, int) else 0, item.get("body")))
    return out


def answers(
    count: int, done: Sequence[tuple[Subrequest, int, Any]]
) -> list[Answer]:
    """One Answer per question from its subrequests' (status, body): any id or row means
    changed, a failed subrequest means unknown; `covered` is the earliest latestDateCovered;
    a read's answer holds its first page."""
    changed: list[bool | None] = [False] * count
    covered: list[dt.datetime | None] = [None] * count
    pages: list[Any] = [None] * count
    for sub, status, body in done:
        found, until = _read(sub.kind, status, body)
        i = sub.question
        if sub.kind == "read" and found is not None:
            pages[i] = body
        if found is None or changed[i] is None:
            changed[i] = None
        else:
            changed[i] = changed[i] or found
        earlier = covered[i]
        if until is not None:
            covered[i] = until if earlier is None else min(until, earlier)
    return [Answer(c, covered[i], pages[i]) for i, c in enumerate(changed)]


def _read(kind: str, status: int, body: Any) -> tuple[bool | None, dt.datetime | None]:
    if status != 200 or not isinstance(body, Mapping):
        return None, None
    if kind in ("rows", "read"):
        total = body.get("totalSize")
        if kind == "read" and not isinstance(body.get("records"), list):
            return None, None
        return (total > 0 if isinstance(total, int) else None), None
    listed = body.get("ids" if kind == "updated" else "deletedRecords")
    if not isinstance(listed, list):
        return None, None
    try:
        until = parse_datetime(str(body.get("latestDateCovered")))
    except ValueError:
        return None, None
    return bool(listed), until


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
