"""SalesforceClient: the production `SalesforceAPI` on top of unmodified simple-salesforce.

Reads are SOQL generators paged by `nextRecordsUrl`; writes are sObject Collections calls of
up to 200 records (`allOrNone=false`), or Bulk API 2.0 jobs once a write reaches
`bulk_threshold` records (writes.py). Every call goes through one path that checks the API budget,
retries transient faults with backoff and jitter, logs in again once when the session
expired, and translates failures into `engine.errors`. Secrets never reach a message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

from requests.adapters import BaseAdapter
from simple_salesforce.api import Salesforce

from mapsync.engine.catalog import Catalogs, load_catalogs
from mapsync.engine.connectors.base import (
    CallCounter,
    Record,
    SalesforceAPI,
    Watermark,
)
from mapsync.engine.connectors.probes import Answer, ReadQuestion, SalesforceQuestion
from mapsync.engine.connectors.retry import RetryPolicy, with_retries
from mapsync.engine.connectors.salesforce import (
    collections,
    composite,
    soql,
    staging,
    values,
)
from mapsync.engine.connectors.salesforce.auth import (
    DEFAULT_LOGIN_URL,
    Credentials,
    SessionInfo,
    login,
    renewable,
    secrets_of,
)
from mapsync.engine.connectors.salesforce.checks import announced_pages
from mapsync.engine.connectors.salesforce.errors import SYSTEM, excerpt, from_exception
from mapsync.engine.connectors.salesforce.limits import ApiBudget, Usage, UsageTracker
from mapsync.engine.connectors.salesforce.transport import DEFAULT_TIMEOUT, build_session
from mapsync.engine.connectors.salesforce.writes import SalesforceWrites
from mapsync.engine.errors import (
    AuthenticationError,
    ProtocolError,
    SessionExpired,
    SyncError,
)
from mapsync.engine.redact import mask

T = TypeVar("T")
log = logging.getLogger(__name__)

DEFAULT_VERSION = "59.0"
# Records at or above which a write becomes a Bulk API 2.0 job. bench/bulk_crossover.py
# measured (100 ms round trip, first poll after 1 s): a job of 5 calls needs fewer calls than
# Collections from 1,001 records, and no more time from ~3,500 records for upserts (~2,800
# for updates); at 3,600 it wins on both (5 calls instead of 18).
DEFAULT_BULK_THRESHOLD = 3600
# A Bulk 2.0 job has no record cap of its own: a write's jobs are split at the upload size
# (staging.MAX_UPLOAD_BYTES, 100 MB of CSV), and its payloads and results stream through
# temporary files (bulkwrite.py), so one job carries a whole write set in flat memory.


class SalesforceClient(SalesforceWrites):
    """The Salesforce connector (implements `engine.connectors.base.SalesforceAPI`).

    `credentials`: one of auth.ClientCredentials, JwtBearer, UsernamePassword, SessionToken.
    `login_url`: where logins go (https://login.salesforce.com, test., a My Domain, a sandbox).
    `bulk_job_records`, `bulk_job_bytes`: where a write's Bulk 2.0 jobs are split (no record
    cap by default; 100 MB of CSV a job). `ca_bundle`: PEM file to trust instead of the
    system store. Nothing is sent until the
    first call (or `connect()`). `transport`: a requests adapter to use instead of the
    network (tests serving recorded bodies). `sleep`: how the client waits between polls of
    a Bulk 2.0 job (the retry policy's sleep unless given; tests pass one that returns).
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        login_url: str = DEFAULT_LOGIN_URL,
        version: str = DEFAULT_VERSION,
        ca_bundle: str | None = None,
        trust_env: bool = False,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        budget: ApiBudget | None = None,
        batch_size: int = collections.MAX_RECORDS,
        bulk_threshold: int = DEFAULT_BULK_THRESHOLD,
        bulk_job_records: int | None = None,
        bulk_job_bytes: int = staging.MAX_UPLOAD_BYTES,
        bulk_poll_interval: float = 1.0,
        sleep: Callable[[float], None] | None = None,
        query_batch_size: int | None = None,
        catalogs: Catalogs | None = None,
        transport: BaseAdapter | None = None,
    ) -> None:
        if not 1 <= batch_size <= collections.MAX_RECORDS:
            raise ValueError(f"batch_size must be 1..{collections.MAX_RECORDS}")
        self.counter = CallCounter()
        self.usage = UsageTracker(budget or ApiBudget())
        self.retry = (retry or RetryPolicy()).for_service("salesforce")
        self.batch_size = batch_size
        self.bulk_threshold = bulk_threshold
        # Records per job at most (None: as many as `bulk_job_bytes` of CSV hold).
        self.bulk_job_records = None if bulk_job_records is None else max(1, bulk_job_records)
        self.bulk_job_bytes = max(1, bulk_job_bytes)
        self.bulk_poll_interval = bulk_poll_interval
        self.sleep = sleep or self.retry.sleep
        # Page size hint (200..2000); None leaves Salesforce's default of 2000.
        self._query_headers = (
            {"Sforce-Query-Options": f"batchSize={query_batch_size}"} if query_batch_size else {}
        )
        self.login_url = login_url
        self.version = version
        self._credentials = credentials
        self._catalogs = catalogs
        self._secrets = secrets_of(credentials)
        self._http = build_session(
            self.counter, self.usage, ca_bundle=ca_bundle, trust_env=trust_env, timeout=timeout,
            transport=transport,
        )
        self._sf: Salesforce | None = None
        self._session: SessionInfo | None = None

    def __repr__(self) -> str:
        return f"SalesforceClient(login_url={self.login_url!r}, version={self.version!r})"

    def __enter__(self) -> SalesforceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the HTTP connections."""
        self._http.close()

    # -- session -------------------------------------------------------------------------

    @property
    def api_usage(self) -> Usage | None:
        """The org's API usage from the latest `Sforce-Limit-Info` header (None before one)."""
        return self.usage.api_usage

    @property
    def org_id(self) -> str | None:
        """The org's 15-character Id, which starts every session Id (`00D…!…`); None before
        the first login or when the session Id does not show it."""
        prefix = self._session.session_id.partition("!")[0] if self._session else ""
        return prefix if prefix.startswith("00D") else None

    @property
    def instance_url(self) -> str | None:
        """The instance URL of the current session (None before the first login)."""
        return self._session.instance_url if self._session else None

    def connect(self) -> None:
        """Log in now instead of on the first call."""
        self._connection()

    def _connection(self) -> Salesforce:
        if self._sf is None:
            info = with_retries(self._login, self.retry, self._translate("login"))
            self._secrets = tuple(sorted({*self._secrets, info.session_id}, key=len, reverse=True))
            self._session = info
            self._sf = Salesforce(
                instance_url=info.instance_url,
                session_id=info.session_id,
                version=self.version,
                session=self._http,
                parse_float=Decimal,
                object_pairs_hook=dict,
            )
        return self._sf

    def _login(self) -> SessionInfo:
        return login(self._credentials, self._http, login_url=self.login_url, version=self.version)

    def _renew(self, error: SyncError) -> None:
        if not renewable(self._credentials):
            raise AuthenticationError(
                "the session expired and a given session id cannot be renewed",
                system=SYSTEM, operation=error.operation, code="INVALID_SESSION_ID",
            ) from None
        log.info("salesforce session expired during %s; logging in again", error.operation)
        self._sf = None
        self._connection()

    # -- one path for every call ---------------------------------------------------------

    def _translate(self, operation: str) -> Callable[[BaseException], SyncError]:
        return lambda exc: self._scrub(from_exception(exc, operation=operation))

    def _scrub(self, error: SyncError) -> SyncError:
        text = mask(error.message, self._secrets)
        error.details = tuple(mask(d, self._secrets) for d in error.details)
        if text != error.message:
            error.message = text
            error.args = (text,)
        return error

    def _call(self, operation: str, fn: Callable[[Salesforce], T]) -> T:
        """Run `fn` with the connection: budget, retries, one fresh session, typed errors.

        An expired session is replaced once; if the fresh one is refused straight away the
        SessionExpired is raised. A fresh session that got any other answer has proved
        itself, so a later expiry during this call's retries is renewed again.
        """
        unproven = False

        def attempt() -> T:
            nonlocal unproven
            try:
                result = fn(self._connection())
            except Exception as exc:
                error = self._translate(operation)(exc)
                if not isinstance(error, SessionExpired):
                    unproven = False
                    raise
                if unproven:
                    raise
                unproven = True
                self._renew(error)
                return attempt()
            unproven = False
            return result

        return with_retries(attempt, self.retry, self._translate(operation))

    # -- reads ---------------------------------------------------------------------------

    def _catalog(self) -> Catalogs:
        if self._catalogs is None:
            self._catalogs = load_catalogs()
        return self._catalogs

    def query(self, text: str, *, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        """Raw records of a SOQL query (attributes removed), page by page, lazily."""
        operation = "queryAll" if include_deleted else "query"
        page = self._call(operation, lambda sf: sf.query(
            text, include_deleted=include_deleted, headers=dict(self._query_headers)
        ))
        yield from self._pages(page, operation)

    def _pages(self, page: Any, operation: str) -> Iterator[dict[str, Any]]:
        """The raw records of a query's first `page` and of the pages after it."""
        pages_left: int | None = None
        while True:
            records, next_url = self._page(page, operation)
            if pages_left is None:
                pages_left = announced_pages(page, len(records))
            for raw in records:
                yield {k: v for k, v in raw.items() if k != "attributes"}
            if next_url is None:
                return
            pages_left -= 1
            if pages_left < 0:
                raise ProtocolError(
                    "the server sent more query pages than its totalSize announced (stopped)",
                    system=SYSTEM, operation=operation, code="BAD_PAGE",
                )
            page = self._next_page(operation, next_url)

    def _next_page(self, operation: str, url: str) -> Any:
        return self._call(operation, lambda sf: sf.query_more(
            url, identifier_is_url=True, headers=dict(self._query_headers)
        ))

    @staticmethod
    def _page(page: Any, operation: str) -> tuple[list[Mapping[str, Any]], str | None]:
        if not isinstance(page, Mapping) or not isinstance(page.get("records"), list):
            raise ProtocolError(
                f"query answer has no records list: {excerpt(page)}",
                system=SYSTEM, operation=operation, code="BAD_PAGE",
            )
        done = page.get("done", True)
        next_url = page.get("nextRecordsUrl")
        if not done and not isinstance(next_url, str):
            raise ProtocolError(
                "query page is not done but has no nextRecordsUrl",
                system=SYSTEM, operation=operation, code="BAD_PAGE",
            )
        return page["records"], None if done else next_url

    def describe_global(self) -> dict[str, Any]:
        """The org's describeGlobal answer (GET sobjects): every sObject it has."""
        answer: Any = self._call("describeGlobal", lambda sf: sf.describe())
        return dict(answer)

    def describe(self, obj: str) -> dict[str, Any]:
        """The describe answer of one sObject (GET sobjects/{obj}/describe)."""
        answer: Any = self._call("describe", lambda sf: getattr(sf, obj).describe())
        return dict(answer)

    def select(
        self,
        obj: str,
        fields: Sequence[str],
        *,
        where: soql.Clause | None = None,
        order_by: Sequence[str] = (),
        include_deleted: bool = False,
    ) -> Iterator[Record]:
        """Typed, flattened records of `SELECT fields FROM obj [WHERE ...] [ORDER BY ...]`."""
        wanted = _unique(fields)
        text = soql.select(obj, wanted, where=where, order_by=order_by)
        types = values.types_for(self._catalog(), obj, wanted)
        for raw in self.query(text, include_deleted=include_deleted):
            yield values.record_from_wire(raw, types)

    def read_changed(
        self,
        obj: str,
        fields: Sequence[str],
        since: Watermark | None,
        *,
        include_deleted: bool = False,
        where: str | soql.Clause | None = None,
    ) -> Iterator[Record]:
        """Records with SystemModstamp at or after `since`, ordered by SystemModstamp, Id.

        With `include_deleted` the query goes to queryAll and each record has `IsDeleted`.
        A `where` string is spliced as given: build it with `soql` helpers.
        """
        wanted, text = self._changed_query(obj, fields, since, include_deleted, where)
        types = values.types_for(self._catalog(), obj, wanted)
        for raw in self.query(text, include_deleted=include_deleted):
            yield values.record_from_wire(raw, types)

    def resume(
        self, obj: str, fields: Sequence[str], page: Any, *, include_deleted: bool = False
    ) -> Iterator[Record]:
        """The records `read_changed(obj, fields, ...)` yields, going on from its first
        `page` (a ReadQuestion's answer, runner/probe.py): that page's, then the next ones."""
        wanted, _ = self._changed_query(obj, fields, None, include_deleted, None)
        types = values.types_for(self._catalog(), obj, wanted)
        operation = "queryAll" if include_deleted else "query"
        for raw in self._pages(page, operation):
            yield values.record_from_wire(raw, types)

    def _changed_query(
        self,
        obj: str,
        fields: Sequence[str],
        since: Watermark | None,
        include_deleted: bool,
        where: str | soql.Clause | None,
    ) -> tuple[list[str], str]:
        """The fields and the SOQL text of `read_changed`."""
        stamp = self._modified_field(obj)
        extra = ["Id", stamp, *(["IsDeleted"] if include_deleted else [])]
        since_clause = soql.since_clause(
            stamp, since.modified if since else None, exclusive=bool(since and since.exclusive)
        )
        filter_clause = soql.Clause(where) if isinstance(where, str) else where
        wanted = _unique([*fields, *extra])
        text = soql.select(obj, wanted, where=soql.and_(since_clause, filter_clause),
                           order_by=(stamp, "Id"))
        return wanted, text

    def _read_soql(self, question: ReadQuestion) -> str:
        return self._changed_query(question.obj, question.fields, question.since,
                                   question.deleted, None)[1]

    def _modified_field(self, obj: str) -> str:
        info = self._catalog().get("salesforce", obj)
        return info.modified_field if info and info.modified_field else "SystemModstamp"

    def read_by_keys(
        self, obj: str, key_field: str, keys: Sequence[str], fields: Sequence[str]
    ) -> list[Record]:
        """Records whose `key_field` is one of `keys` (SOQL IN, values escaped, chunked)."""
        out: list[Record] = []
        for chunk in soql.in_chunks(dict.fromkeys(keys)):
            where = soql.in_(key_field, chunk)
            out.extend(self.select(obj, [*fields, "Id", key_field], where=where))
        return out

    def changed_since(self, questions: Sequence[SalesforceQuestion]) -> list[Answer]:
        """For each question, whether anything changed: /composite calls of up to 25
        getUpdated / getDeleted / query subrequests (5 queries at most), one API call each
        (composite.py). A subrequest that failed answers None: read as if it changed. A
        ReadQuestion's answer holds the first page of its read (`resume` goes on from it)."""
        subs = composite.subrequests(self.version, questions, self._modified_field,
                                     self._read_soql)
        done: list[tuple[composite.Subrequest, int, Any]] = []
        for calls in composite.packed(subs):
            answer: Any = self._call("composite", partial(
                composite.send, calls=calls, headers=self._query_headers))
            results = composite.results(answer, calls)
            done.extend((sub, status, body) for sub, (status, body) in zip(calls, results,
                                                                            strict=True))
        return composite.answers(len(questions), done)

def _unique(fields: Sequence[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in fields:
        seen.setdefault(name.lower(), name)
    return list(seen.values())


def _implements_protocol(client: SalesforceClient) -> SalesforceAPI:
    """Never called: makes mypy prove that SalesforceClient satisfies SalesforceAPI."""
    return client
