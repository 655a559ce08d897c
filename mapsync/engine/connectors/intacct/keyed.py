"""Reads by key that share a request: look-ups in one request, read-backs riding on creates.

The gateway runs the functions of a request in order and answers each with its own
`<result>`, in request order (reference/intacct.md §1.2 and §2.1). So:

- several `readByQuery ... KEY IN (...)` look-ups (one per field and per `keys_per_query`
  keys) go out as one request (`read_key_sets`);
- the read-back of the records a batch of creates makes is one more `readByQuery` at the
  end of the batch's own request (`ReadBackRider`): it runs after the creates, so it sees
  what Intacct computed (RECORDNO, defaults), and the batch costs one request, not two.

A read-back that did not answer cleanly (a resent request whose read was refused as
already executed, a page that did not hold every row) covers nothing: `with_rows` reads
what is missing in one more request. A failed create whose key another record already
holds gets that record as its row: it is the partner the runner links instead.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from lxml import etree

from mapsync.engine.catalog import ObjectInfo
from mapsync.engine.connectors.base import ReadBack, Record, WriteResult
from mapsync.engine.errors import DuplicateRecord, ProtocolError, SyncError

from . import envelope, query
from .envelope import Function
from .errors import SYSTEM, from_chain
from .gateway import Gateway
from .response import Result
from .values import parse_record, to_wire
from .writes import Planned

ReadByKeys = Callable[..., list[Record]]
log = logging.getLogger(__name__)


def fields_with(fields: Sequence[str], *extra: str) -> list[str]:
    """The requested fields plus `extra` ones the client needs; `*` (empty) stays all."""
    if not fields or "*" in fields:
        return []
    return list(dict.fromkeys([*fields, *extra]))


def _function(name: str, element: etree._Element) -> Function:
    return Function(f"readByQuery-{uuid.uuid4().hex[:12]}", element, name)


def read_key_sets(
    gateway: Gateway,
    read_by_keys: ReadByKeys,
    obj: str,
    wanted: Mapping[str, Sequence[str]],
    fields: Sequence[str],
    *,
    info: ObjectInfo | None,
    docparid: str | None,
    keys_per_query: int,
    page_size: int,
) -> dict[str, list[Record]]:
    """Records by field for every `field: keys` look-up, all sent in one request.

    A look-up whose rows did not fit one page is read again on its own, with its pages.
    """
    asked: list[tuple[str, list[str], Function]] = []
    for field, keys in wanted.items():
        clean = list(dict.fromkeys(str(k) for k in keys if k not in (None, "")))
        for start in range(0, len(clean), keys_per_query):
            chunk = clean[start : start + keys_per_query]
            element = envelope.read_by_query(
                obj, query.in_list(field, chunk), fields_with(fields, field), page_size, docparid
            )
            asked.append((field, chunk, _function(f"readByQuery {obj}", element)))
    out: dict[str, list[Record]] = {field: [] for field in wanted}
    if not asked:
        return out
    response = gateway.execute([f for _, _, f in asked], operation="readByQuery", uniqueid=False)
    answers = {r.controlid: r for r in response.results}
    for field, chunk, function in asked:
        result = answers.get(function.controlid)
        if result is None:
            raise ProtocolError(
                f"{function.name}: the response has no result for this function",
                system=SYSTEM,
                operation="readByQuery",
            )
        if not result.ok:
            raise from_chain(
                result.errors, operation=function.name, level="result", redact=gateway.redact
            )
        if result.attr_int("numremaining") > 0:
            out[field].extend(read_by_keys(obj, field, chunk, fields, docparid=docparid))
        else:
            out[field].extend(parse_record(r, info) for r in result.records())
    return out


class ReadBackRider:
    """The read-back of each batch of creates, sent as the last function of its request."""

    def __init__(
        self, obj: str, spec: ReadBack, info: ObjectInfo | None, page_size: int
    ) -> None:
        self.obj = obj
        self.spec = spec
        self.info = info
        self.page_size = page_size
        self.rows: dict[str, Record] = {}
        self.covered: set[str] = set()
        self._asked: list[str] = []
        record_id = info.record_id if info is not None else "RECORDNO"
        # Intacct assigns RECORDNO: it is not known before the create, so it cannot be read
        # in the same request; those records are read after their batches (with_rows).
        self.rides = spec.key_field != record_id

    def function(self, batch: Sequence[Planned]) -> Function | None:
        """The readByQuery that reads `batch`'s records back, or None."""
        if not self.rides:
            return None
        keys = [sent_key(p.record, self.spec.key_field) for p in batch]
        self._asked = [k for k in dict.fromkeys(keys) if k is not None]
        if not self._asked:
            return None
        element = envelope.read_by_query(
            self.obj,
            query.in_list(self.spec.key_field, self._asked),
            fields_with(self.spec.fields, self.spec.key_field, "RECORDNO"),
            self.page_size,
            self.spec.docparid,
        )
        return _function(f"readByQuery {self.obj}", element)

    def answer(self, result: Result | None) -> None:
        """Keep the rows of a read-back that answered in full; anything else covers nothing."""
        asked, self._asked = self._asked, []
        if result is None or not result.ok or result.attr_int("numremaining") > 0:
            return
        for element in result.records():
            row = parse_record(element, self.info)
            self.rows[str(row.get(self.spec.key_field))] = row
        self.covered.update(asked)


def sent_key(record: object, key_field: str) -> str | None:
    """The key value a create payload carries, as text (None when it carries none)."""
    if not isinstance(record, Mapping):
        return None
    value = record.get(key_field)
    return None if value in (None, "") else str(to_wire(value))


def with_rows(
    results: list[WriteResult],
    records: Sequence[Mapping[str, object]],
    rider: ReadBackRider,
    read: Callable[[list[str]], list[Record]],
) -> list[WriteResult]:
    """The results with their read-back rows; what the riders missed is read in one request.

    A read that fails leaves rows out (the creates stand: their links must still be kept).
    """
    key_field = rider.spec.key_field
    keys = [_result_key(r, rec, rider) for r, rec in zip(results, records, strict=True)]
    missing = [
        k
        for r, k in zip(results, keys, strict=True)
        if k is not None and _wants(r, k, rider) and k not in rider.rows
    ]
    found: list[Record] = []
    if missing:
        try:
            found = read(list(dict.fromkeys(missing)))
        except SyncError as exc:
            # The creates stand and must be linked; what Intacct computed for them reaches
            # Salesforce when the next run reads them (they are newer than its watermark).
            log.warning("read-back of %d %s record(s) failed: %s", len(missing), rider.obj, exc)
    for row in found:
        rider.rows[str(row.get(key_field))] = row
    return [
        replace(r, row=rider.rows.get(k)) if k is not None and k in rider.rows else r
        for r, k in zip(results, keys, strict=True)
    ]


def _result_key(
    result: WriteResult, record: Mapping[str, object], rider: ReadBackRider
) -> str | None:
    if not rider.rides:
        return result.record_id if result.ok else None
    return sent_key(record, rider.spec.key_field)


def _wants(result: WriteResult, key: str, rider: ReadBackRider) -> bool:
    """A created record always has a row to read; a create refused as a duplicate has one
    when another record holds its key (and the read-back did not already say it does not)."""
    if result.ok:
        return True
    return isinstance(result.error, DuplicateRecord) and key not in rider.covered


__all__ = ["ReadBackRider", "read_key_sets", "with_rows"]
