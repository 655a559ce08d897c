"""`IntacctClient`: the production Intacct connector (implements `IntacctAPI`).

    client = IntacctClient(
        SenderCredentials("sender", "sender-pw"),
        login=UserLogin("user", "company", "pw"),      # or session_id="..."
        endpoint="https://api.intacct.com/ia/xml/xmlgw.phtml",
    )
    for record in client.read_changed("CUSTOMER", ["CUSTOMERID", "NAME"], since):
        ...
    results = client.create("CUSTOMER", records)      # one WriteResult per record

Reads are generators; writes are batched (`batch_size` functions a request) and safe to
retry (see writes.py for the de-duplication rules). `counter` counts every HTTP request
by operation, retries included.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import httpx

from mapsync.engine.catalog import Catalogs, ObjectInfo, load_catalogs
from mapsync.engine.connectors.base import (
    CallCounter,
    IntacctAPI,
    ReadBack,
    Record,
    Watermark,
    WriteResult,
)
from mapsync.engine.connectors.probes import Answer, IntacctQuestion
from mapsync.engine.connectors.retry import RetryPolicy
from mapsync.engine.connectors.valuecheck import xml_problem
from mapsync.engine.errors import SyncError, ValidationFailed

from . import envelope, keyed, probe, query, sotransaction
from .controlids import controlid, distinct
from .envelope import Function, SenderCredentials, UserLogin
from .errors import SYSTEM, record_label
from .gateway import DEFAULT_ENDPOINT, DEFAULT_MAX_RESPONSE_BYTES, Gateway
from .reads import Reader
from .values import build_object, check_values, to_wire, writable_items
from .verify import Verifier, _legacy_header, _str
from .writes import Planned, Rider, Writer, rejected

DEFAULT_BATCH_SIZE = 100  # functions per write request; see bench/connectors_intacct.py
DEFAULT_KEYS_PER_QUERY = 100
DEFAULT_TIMEOUT = 300.0  # seconds; Intacct may take minutes on large batches


class IntacctClient:
    """Talks to the Intacct XML gateway: sessions, streamed reads, batched idempotent writes."""

    counter: CallCounter

    def __init__(
        self,
        sender: SenderCredentials,
        *,
        login: UserLogin | None = None,
        session_id: str | None = None,
        endpoint: str = DEFAULT_ENDPOINT,
        catalogs: Catalogs | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        page_size: int = envelope.READ_BY_QUERY_MAX_PAGE,
        query_page_size: int = envelope.QUERY_MAX_PAGE,
        keys_per_query: int = DEFAULT_KEYS_PER_QUERY,
        read_function: Literal["readByQuery", "query"] = "readByQuery",
        retry: RetryPolicy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        deadline: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        verify: bool | str = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(timeout=timeout, verify=verify, transport=transport)
        self.counter = CallCounter()
        self._gateway = Gateway(
            sender,
            http=self._http,
            login=login,
            session_id=session_id,
            endpoint=endpoint,
            retry=retry,
            counter=self.counter,
            max_response_bytes=max_response_bytes,
            # the timeout bounds each read; the whole request gets twice that, no more
            deadline=2 * timeout if deadline is None else deadline,
            clock=clock,
        )
        self._catalogs = catalogs
        self._reader = Reader(self._gateway, page_size=page_size, query_page_size=query_page_size)
        self._writer = Writer(self._gateway, batch_size)
        self._verifier = Verifier(self.read_by_keys, self._info)
        self._keys_per_query = max(1, keys_per_query)
        self._page_size = page_size
        self._read_function = read_function

    # --- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> IntacctClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def open_session(self) -> str:
        """Log in now (getAPISession) and return the endpoint the session uses."""
        return self._gateway.open_session().endpoint

    def on_the_wire(self, limit: int) -> AbstractContextManager[None]:
        """While inside, at most `limit` requests to Intacct are on the wire at once (for
        mappings sharing this client side by side; see `Gateway.on_the_wire`)."""
        return self._gateway.on_the_wire(limit)

    @property
    def gateway(self) -> Gateway:
        """The gateway (session, requests), for calls outside reads and writes (metadata.py)."""
        return self._gateway

    @property
    def endpoint(self) -> str:
        """The URL requests go to (the session's endpoint once a session is open)."""
        return self._gateway.endpoint

    @property
    def batch_size(self) -> int:
        """Functions per write request."""
        return self._writer.batch_size

    # --- reads ---------------------------------------------------------------------------

    def read_changed(
        self,
        obj: str,
        fields: Sequence[str],
        since: Watermark | None,
        *,
        docparid: str | None = None,
        where: str | None = None,
    ) -> Iterator[Record]:
        """Records modified at or after `since`, minus those the watermark already covers.

        readByQuery (pagesize 1000, readMore by resultId) filters `WHENMODIFIED >= since`
        and cannot sort, so rows come in the server's order: advance a watermark only to the
        greatest (WHENMODIFIED, RECORDNO) of a completed stream. With
        `read_function="query"` the stream is ordered by WHENMODIFIED, RECORDNO instead.
        `where` is an extra readByQuery condition built with `query.compare` / `in_list`.
        """
        if self._read_function == "query":
            if where:
                raise ValueError("`where` is a readByQuery condition; use query_changed filters")
            return self.query_changed(obj, fields, since, docparid=docparid)
        info = self._info(obj)
        modified, record_id = _tracking_fields(info)
        condition = query.all_of(query.modified_since(since, modified), where)
        rows = self._reader.read_by_query(
            obj, _with(fields, record_id, modified), condition, info, docparid
        )
        return (r for r in rows if query.after_watermark(r, since, modified, record_id))

    def query_changed(
        self,
        obj: str,
        fields: Sequence[str],
        since: Watermark | None,
        *,
        docparid: str | None = None,
    ) -> Iterator[Record]:
        """Like read_changed through the `query` function: pagesize 2000, offset paging,
        ordered by WHENMODIFIED then RECORDNO."""
        info = self._info(obj)
        modified, record_id = _tracking_fields(info)
        conditions = []
        if since is not None and since.modified is not None:
            stamp = since.modified.strftime("%m/%d/%Y %H:%M:%S")
            op = "greaterthan" if since.exclusive else "greaterthanorequalto"
            conditions.append(query.filter_element(op, modified, [stamp]))
        rows = self._reader.query(
            obj,
            _with(fields, record_id, modified),
            info,
            filter_=query.and_filter(conditions),
            orderby=((modified, True), (record_id, True)),
            docparid=docparid,
        )
        return (r for r in rows if query.after_watermark(r, since, modified, record_id))

    def read_by_keys(
        self,
        obj: str,
        key_field: str,
        keys: Sequence[str],
        fields: Sequence[str],
        *,
        docparid: str | None = None,
    ) -> list[Record]:
        """Records whose `key_field` is one of `keys`: readByQuery `KEY IN (...)`, chunked."""
        info = self._info(obj)
        wanted = list(dict.fromkeys(_searchable(keys)))
        out: list[Record] = []
        for start in range(0, len(wanted), self._keys_per_query):
            chunk = wanted[start : start + self._keys_per_query]
            condition = query.in_list(key_field, chunk)
            out.extend(
                self._reader.read_by_query(obj, _with(fields, key_field), condition, info, docparid)
            )
        return out

    def read_by_key_sets(
        self,
        obj: str,
        wanted: Mapping[str, Sequence[str]],
        fields: Sequence[str],
        *,
        docparid: str | None = None,
    ) -> dict[str, list[Record]]:
        """For each field of `wanted`, the records whose field is one of its keys: every
        look-up (`KEY IN (...)` per `keys_per_query` keys) in one request."""
        clean = {f: _searchable(keys) for f, keys in wanted.items()}
        return keyed.read_key_sets(
            self._gateway,
            self.read_by_keys,
            obj,
            clean,
            fields,
            info=self._info(obj),
            docparid=docparid,
            keys_per_query=self._keys_per_query,
            page_size=self._page_size,
        )

    def read_where(
        self,
        obj: str,
        fields: Sequence[str],
        condition: str = "",
        *,
        docparid: str | None = None,
    ) -> Iterator[Record]:
        """Every record matching a readByQuery `condition` built with the `query` helpers."""
        return self._reader.read_by_query(obj, fields, condition, self._info(obj), docparid)

    def changed_since(self, questions: Sequence[IntacctQuestion]) -> list[Answer]:
        """For each question, whether a record changed since its watermark: one `query`
        function each (pagesize 1), all in one request up to the functions cap (probe.py)."""
        functions = [
            probe.element(q, *_tracking_fields(self._info(q.obj))) for q in questions
        ]
        return probe.changed(self._gateway, functions)

    # --- writes --------------------------------------------------------------------------

    def create(
        self,
        obj: str,
        records: Sequence[Mapping[str, Any]],
        *,
        read_back: ReadBack | None = None,
    ) -> list[WriteResult]:
        """Create records, `batch_size` functions a request; one result per record.

        With `read_back`, each request also reads its records back (one more function, so a
        batch still costs one request) and each result's `row` is the record read; see
        keyed.py. Records keyed by RECORDNO are read after the creates, in one request.
        """
        if read_back is None:
            return self._write("create", obj, records)
        rider = keyed.ReadBackRider(obj, read_back, self._info(obj), self._page_size)
        results = self._write("create", obj, records, rider)

        def read(keys: list[str]) -> list[Record]:
            found = self.read_by_key_sets(
                obj, {read_back.key_field: keys}, read_back.fields, docparid=read_back.docparid
            )
            return found[read_back.key_field]

        return keyed.with_rows(results, records, rider, read)

    def update(self, obj: str, records: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """Update records identified by RECORDNO or the object's key; one result per record."""
        return self._write("update", obj, records)

    def delete(self, obj: str, record_ids: Sequence[str]) -> list[WriteResult]:
        """Delete records by RECORDNO; one result per record."""
        records = [{"RECORDNO": str(r)} for r in record_ids]
        return self._write("delete", obj, records)

    def create_sotransaction(
        self, transaction: Mapping[str, Any], lines: Iterable[Mapping[str, Any]]
    ) -> WriteResult:
        """Legacy create_sotransaction; the result's key is the returned `<key>` (DOCID)."""
        return self.create_sotransactions([(transaction, list(lines))])[0]

    def create_sotransactions(
        self, documents: Sequence[tuple[Mapping[str, Any], Sequence[Mapping[str, Any]]]]
    ) -> list[WriteResult]:
        """Several create_sotransaction functions, batched like other writes."""
        infos = self._info("SODOCUMENT"), self._info("SODOCUMENTENTRY")
        planned: list[Planned | WriteResult] = []
        for index, (header, lines) in enumerate(documents):
            payload = {"transaction": dict(header), "lines": [dict(x) for x in lines]}
            planned.append(
                self._plan_legacy(
                    index,
                    "create_sotransaction",
                    payload,
                    lambda h=header, ls=lines: sotransaction.create_sotransaction(h, ls, *infos),
                )
            )
        return self._run(planned, "create_sotransaction", "SODOCUMENT")

    def update_sotransaction(
        self, key: str, transaction: Mapping[str, Any], lines: Iterable[Mapping[str, Any]] = ()
    ) -> WriteResult:
        """Legacy update_sotransaction of the document `key` (DOCID); lines with `line_num`
        update that (one-based) line, others are added."""
        items = list(lines)
        infos = self._info("SODOCUMENT"), self._info("SODOCUMENTENTRY")
        payload = {"key": key, "transaction": dict(transaction), "lines": [dict(x) for x in items]}
        plan = self._plan_legacy(
            0,
            "update_sotransaction",
            payload,
            lambda: sotransaction.update_sotransaction(key, transaction, items, *infos),
            key=key,
        )
        return self._run([plan], "update_sotransaction", "SODOCUMENT")[0]

    # --- planning ------------------------------------------------------------------------

    def _write(
        self,
        kind: str,
        obj: str,
        records: Sequence[Mapping[str, Any]],
        rider: Rider | None = None,
    ) -> list[WriteResult]:
        info = self._info(obj)
        ids = distinct(controlid(kind, obj, dict(r)) for r in records)
        planned = [
            self._plan(kind, obj, info, index, record, cid)
            for index, (record, cid) in enumerate(zip(records, ids, strict=True))
        ]
        return self._run(planned, kind, obj, rider)

    def _plan(
        self,
        kind: str,
        obj: str,
        info: ObjectInfo | None,
        index: int,
        record: Mapping[str, Any],
        cid: str,
    ) -> Planned | WriteResult:
        key_field = info.key if info is not None else None
        name = f"{kind} {obj}"
        label = record_label(record, key_field)
        key = _str(record.get(key_field)) if key_field else None
        try:
            element = self._element(kind, obj, info, record, key_field)
        except SyncError as error:
            return rejected(index, record, name, label, error)
        return Planned(
            index=index,
            kind=kind,
            obj=obj,
            record=record,
            function=Function(cid, element, name),
            label=label,
            key_field=key_field,
            key=key,
            record_id=_str(record.get("RECORDNO")),
        )

    def _element(
        self,
        kind: str,
        obj: str,
        info: ObjectInfo | None,
        record: Mapping[str, Any],
        key_field: str | None,
    ) -> Any:
        if kind == "delete":
            return envelope.delete(obj, [str(record["RECORDNO"])])
        identity = ("RECORDNO", key_field) if kind == "update" else ()
        if kind == "update" and not any(record.get(f) not in (None, "") for f in identity if f):
            raise ValidationFailed(
                f"update {obj} needs RECORDNO or {key_field or 'the key field'}",
                system=SYSTEM,
                operation=f"update {obj}",
                field="RECORDNO",
            )
        items = writable_items(record, info, keep=[f for f in identity if f])
        check_values(items, info, f"{kind} {obj}")
        body = build_object(obj, items, send_empty=kind == "update")
        return envelope.create(body) if kind == "create" else envelope.update(body)

    def _plan_legacy(
        self,
        index: int,
        kind: str,
        payload: Mapping[str, Any],
        build: Any,
        key: str | None = None,
    ) -> Planned | WriteResult:
        label = key or _document_label(payload["transaction"])
        try:
            element = build()
        except SyncError as error:
            return rejected(index, dict(payload), kind, label, error)
        return Planned(
            index=index,
            kind=kind,
            obj="SODOCUMENT",
            record=dict(payload),
            label=label,
            function=Function(controlid(kind, "SODOCUMENT", payload), element, kind),
            key=key,
        )

    def _run(
        self,
        planned: Sequence[Planned | WriteResult],
        kind: str,
        obj: str,
        rider: Rider | None = None,
    ) -> list[WriteResult]:
        ready = [p for p in planned if isinstance(p, Planned)]
        done = {p.index: p for p in planned if isinstance(p, WriteResult)}
        for result in self._writer.write(ready, kind, self._verifier.verify, rider):
            done[result.index] = result
        return [done[i] for i in range(len(planned))]

    def _info(self, obj: str) -> ObjectInfo | None:
        if self._catalogs is None:
            self._catalogs = load_catalogs()
        return self._catalogs.intacct.get(obj)


def _document_label(header: Mapping[str, Any]) -> str:
    lowered = _legacy_header(header)
    parts = [
        f"{n}={lowered[n]}"
        for n in ("transactiontype", "documentno", "customerid")
        if lowered.get(n) not in (None, "")
    ]
    return ", ".join(parts)


def _tracking_fields(info: ObjectInfo | None) -> tuple[str, str]:
    modified = (info.modified_field if info else None) or "WHENMODIFIED"
    record_id = info.record_id if info else "RECORDNO"
    return modified, record_id


def _searchable(keys: Sequence[str]) -> list[str]:
    """The keys a look-up can ask for. A key XML cannot carry cannot be stored in Intacct
    either, so it matches nothing; the record it came from fails alone when it is written."""
    return [k for k in keys if k not in (None, "") and not xml_problem(to_wire(k))]


def _with(fields: Sequence[str], *extra: str) -> list[str]:
    """The requested fields plus `extra` ones the client needs; `*` (empty) stays all."""
    if not fields or "*" in fields:
        return []
    return list(dict.fromkeys([*fields, *extra]))


__all__ = ["IntacctClient", "RetryPolicy", "SenderCredentials", "UserLogin"]


if TYPE_CHECKING:

    def _implements_the_protocol(client: IntacctClient) -> IntacctAPI:
        return client
