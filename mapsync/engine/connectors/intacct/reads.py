"""Streaming reads: readByQuery + readMore by resultId, and `query` with offsets.

Both are generators: a page is fetched only when the previous one has been consumed, and
each page costs one call (`counter` names: readByQuery, readMore, query). Values are typed
by the catalog (values.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence

from lxml import etree

from mapsync.engine.catalog import ObjectInfo
from mapsync.engine.errors import ProtocolError
from mapsync.engine.record import Record

from . import envelope
from .envelope import Function
from .errors import SYSTEM, from_chain
from .gateway import Gateway
from .response import Result
from .values import parse_record


class Reader:
    """Pages through result sets for one gateway."""

    def __init__(self, gateway: Gateway, *, page_size: int, query_page_size: int) -> None:
        self._gateway = gateway
        self._page_size = page_size
        self._query_page_size = query_page_size

    def read_by_query(
        self,
        obj: str,
        fields: Sequence[str],
        condition: str,
        info: ObjectInfo | None,
        docparid: str | None = None,
    ) -> Iterator[Record]:
        """Every record matching `condition`, following readMore until numremaining is 0."""
        element = envelope.read_by_query(obj, condition, fields, self._page_size, docparid)
        result = self._call(element, f"readByQuery {obj}", "readByQuery")
        budget = _RowBudget.announced(result, f"readMore {obj}")
        yield from _records(result, info)
        while result.attr_int("numremaining") > 0:
            if not result.result_id:
                raise ProtocolError(
                    f"readByQuery {obj}: rows remain but no resultId was returned",
                    system=SYSTEM,
                    operation="readMore",
                )
            result = self._call(envelope.read_more(result.result_id), f"readMore {obj}", "readMore")
            if result.attr_int("count", 1) == 0 and not result.records():
                return
            budget.spend(result)
            yield from _records(result, info)

    def query(
        self,
        obj: str,
        fields: Sequence[str],
        info: ObjectInfo | None,
        *,
        filter_: etree._Element | None = None,
        orderby: Sequence[tuple[str, bool]] = (),
        docparid: str | None = None,
    ) -> Iterator[Record]:
        """Every record the `query` function returns, paging by offset."""
        offset = 0
        budget: _RowBudget | None = None
        while True:
            element = envelope.query(
                obj,
                fields,
                filter_=filter_,
                orderby=orderby,
                pagesize=self._query_page_size,
                offset=offset,
                docparid=docparid,
            )
            result = self._call(element, f"query {obj}", "query")
            rows = result.records()
            if budget is None:
                budget = _RowBudget.announced(result, f"query {obj}")
            else:
                budget.spend(result)
            yield from (parse_record(r, info) for r in rows)
            if not rows or result.attr_int("numremaining") <= 0:
                return
            offset += len(rows)

    def _call(self, element: etree._Element, name: str, operation: str) -> Result:
        function = Function(f"{operation}-{uuid.uuid4().hex[:12]}", element, name)
        response = self._gateway.execute([function], operation=operation, uniqueid=False)
        if not response.results:
            raise ProtocolError(
                f"{name}: no <result> in the response", system=SYSTEM, operation=operation
            )
        result = response.results[0]
        if not result.ok:
            raise from_chain(
                result.errors, operation=name, level="result", redact=self._gateway.redact
            )
        return result


def _records(result: Result, info: ObjectInfo | None) -> Iterator[Record]:
    return (parse_record(r, info) for r in result.records())


MARGIN_ROWS = 100  # rows may be added while a result set is read; a few pages' worth at most
MARGIN_PAGES = 3


class _RowBudget:
    """How many more rows and pages a result set may still bring, from its first page.

    The first page announces the total (`count` + `numremaining`); a server that keeps
    announcing more rows past that, plus a margin, is looping, and the read fails as a
    ProtocolError instead of calling for ever.
    """

    def __init__(self, rows: int, pages: int, operation: str) -> None:
        self.rows, self.pages, self.operation = rows, pages, operation

    @classmethod
    def announced(cls, first: Result, operation: str) -> _RowBudget:
        remaining = first.attr_int("numremaining")
        per_page = max(1, first.attr_int("count", len(first.records())))
        pages = -(-remaining // per_page)
        return cls(remaining + MARGIN_ROWS, pages + MARGIN_PAGES, operation)

    def spend(self, page: Result) -> None:
        """Count one more page; ProtocolError once past what was announced."""
        self.rows -= max(len(page.records()), page.attr_int("count", 0))
        self.pages -= 1
        if self.rows < 0 or self.pages < 0:
            raise ProtocolError(
                "the server sent more pages than the result set announced at the start "
                "(count + numremaining, plus a margin): stopped",
                system=SYSTEM,
                operation=self.operation,
            )
