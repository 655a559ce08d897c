"""Has anything changed? One request asks it of many objects at once.

Each question is one `query` function (intacct.md 1.6: `select`, `filter`, `pagesize`)
selecting RECORDNO of at most one record modified after a watermark; all of them go in
one request (several functions per request, intacct.md 1.5), at most
`envelope.MAX_FUNCTIONS` a request. A quiet company answers every question with no row,
so the probe reads no record. `query` rather than readByQuery: each offset call is
independent, so a probe leaves no result set open on the server.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from mapsync.engine.connectors.probes import Answer, IntacctQuestion

from . import envelope, query
from .envelope import Function
from .gateway import Gateway
from .values import DATETIME_FORMAT


def element(question: IntacctQuestion, modified_field: str, record_id: str) -> Function:
    """The `query` function asking `question` (pagesize 1, the record id only)."""
    since = question.since
    assert since.modified is not None, "a probe needs a watermark"
    op = "greaterthan" if since.exclusive else "greaterthanorequalto"
    stamp = since.modified.strftime(DATETIME_FORMAT)
    condition = query.filter_element(op, modified_field, [stamp])
    node = envelope.query(question.obj, [record_id], filter_=condition, pagesize=1,
                          docparid=question.docparid)
    return Function(f"probe-{uuid.uuid4().hex[:12]}", node, f"probe {question.obj}")


def changed(gateway: Gateway, functions: Sequence[Function]) -> list[Answer]:
    """The answer of each probe function: a row means changed; a failed function, unknown
    (the caller reads as if it had changed). Requests of at most MAX_FUNCTIONS functions."""
    answers: list[Answer] = []
    for start in range(0, len(functions), envelope.MAX_FUNCTIONS):
        chunk = functions[start : start + envelope.MAX_FUNCTIONS]
        response = gateway.execute(chunk, operation="probe", uniqueid=False)
        by_id = {r.controlid: r for r in response.results}
        for function in chunk:
            result = by_id.get(function.controlid)
            if result is None or not result.ok:
                answers.append(Answer(None))
            else:
                rows = max(len(result.records()), result.attr_int("totalcount"))
                answers.append(Answer(rows > 0))
    return answers
