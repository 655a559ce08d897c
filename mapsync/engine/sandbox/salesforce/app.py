"""Routing, authentication, fault injection and call counting for the Salesforce sandbox.

`SalesforceApp.handle(request)` is the whole server minus the socket: it finds the route,
checks the session, draws a fault (login and `/__sandbox/` calls are never faulted), runs the
handler, turns ApiError into the real error body and adds `Sforce-Limit-Info`.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from mapsync.engine.sandbox.faults import CallStats, FaultPlan
from mapsync.engine.sandbox.gate import Gate
from mapsync.engine.sandbox.salesforce import composite
from mapsync.engine.sandbox.salesforce.auth import Authenticator, Credentials, Sessions, bearer
from mapsync.engine.sandbox.salesforce.bulk2 import Bulk2
from mapsync.engine.sandbox.salesforce.errors import ApiError, invalid_session, not_found
from mapsync.engine.sandbox.salesforce.rest import Rest
from mapsync.engine.sandbox.salesforce.soql import SoqlError
from mapsync.engine.sandbox.salesforce.store import Store
from mapsync.engine.sandbox.salesforce.wire import Request, Response, error_response, json_response

Handler = Callable[[Request, "re.Match[str]"], Response]
V = r"/services/data/v(?P<v>\d+\.\d+)"
API_LIMIT = 5_000_000
_HTML = (
    "<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1>"
    "<p>The server is temporarily unable to service your request. Please try again later."
    "</p></body></html>"
)


@dataclass(frozen=True, slots=True)
class Route:
    """A path pattern and, per HTTP method, the operation name counted and its handler."""

    pattern: re.Pattern[str]
    methods: Mapping[str, tuple[str, Handler]]
    auth: bool = True


def _route(path: str, methods: Mapping[str, tuple[str, Handler]], *, auth: bool = True,
           flags: int = 0) -> Route:
    return Route(re.compile(f"^{path}$", flags), methods, auth)


def _fault_response(kind: str) -> Response:
    if kind == "429":
        body = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
        return json_response(body, 429)
    if kind == "500":
        body = [{"message": "An unexpected error occurred. Please include this ErrorId if you "
                 "contact support: 1949183463-120838 (-1244419836)",
                 "errorCode": "UNKNOWN_EXCEPTION"}]
        return json_response(body, 500)
    if kind == "503":
        body = [{"message": "Server temporarily unavailable", "errorCode": "SERVER_UNAVAILABLE"}]
        return json_response(body, 503)
    titles = {"502": (502, "Bad Gateway"), "524": (524, "A timeout occurred"),
              "html": (200, "Maintenance")}
    status, title = titles[kind]
    return Response(status=status, body=_HTML.format(title=title).encode("utf-8"),
                    content_type="text/html; charset=UTF-8")


class SalesforceApp:
    """The sandbox org: its data, sessions, routes, faults and statistics."""

    def __init__(self, store: Store, *, credentials: Credentials | None = None,
                 faults: FaultPlan | None = None) -> None:
        self.store = store
        self.sessions = Sessions()
        self.credentials = credentials or Credentials()
        self.auth = Authenticator(self.credentials, self.sessions)
        self.faults = faults or FaultPlan()
        self.stats = CallStats()
        self.gates: dict[str, Gate] = {}  # operation -> requests held for a test (gate.py)
        self.instance_url = ""
        self._usage = 0
        self._usage_lock = threading.Lock()
        self.rest = Rest(store, self.api_usage)
        self.bulk2 = Bulk2(store)
        self.routes = self._routes()

    def api_usage(self) -> tuple[int, int]:
        """(calls made, daily limit) as `Sforce-Limit-Info` reports them."""
        with self._usage_lock:
            return self._usage, API_LIMIT

    def _use(self) -> int:
        with self._usage_lock:
            self._usage += 1
            return self._usage

    def _routes(self) -> list[Route]:
        r, b = self.rest, self.bulk2
        return [
            _route(r"/services/data/?", {"GET": ("versions", r.versions)}, auth=False),
            _route(V + r"/limits/?", {"GET": ("limits", r.limits)}),
            _route(V + r"/(?P<endpoint>query|queryAll)/?", {"GET": ("query", r.query)}),
            _route(V + r"/(?P<endpoint>query|queryAll)/(?P<locator>01g\w+)-(?P<offset>\d+)/?",
                   {"GET": ("query_more", r.query_more)}),
            _route(V + r"/sobjects/?", {"GET": ("describe_global", r.describe_global)}),
            _route(V + r"/sobjects/(?P<obj>\w+)/?",
                   {"GET": ("sobject.info", r.basic_info), "POST": ("sobject.create", r.create)}),
            _route(V + r"/sobjects/(?P<obj>\w+)/describe/?", {"GET": ("describe", r.describe)}),
            _route(V + r"/sobjects/(?P<obj>\w+)/updated/?", {"GET": ("updated", r.updated)}),
            _route(V + r"/sobjects/(?P<obj>\w+)/deleted/?", {"GET": ("deleted", r.deleted)}),
            _route(V + r"/sobjects/(?P<obj>\w+)/(?P<id>[^/]+)/?", {
                "GET": ("sobject.get", r.get), "PATCH": ("sobject.update", r.update),
                "DELETE": ("sobject.delete", r.delete)}),
            _route(V + r"/sobjects/(?P<obj>\w+)/(?P<field>\w+)/(?P<value>[^/]+)/?", {
                "GET": ("sobject.get_by_external", r.get_by_external),
                "PATCH": ("sobject.upsert", r.upsert),
                "DELETE": ("sobject.delete_by_external", r.delete_by_external)}),
            _route(V + r"/composite/?", {"POST": ("composite", self._composite)}),
            _route(V + r"/composite/sobjects/?", {
                "POST": ("collections.create", r.collection_create),
                "PATCH": ("collections.update", r.collection_update),
                "DELETE": ("collections.delete", r.collection_delete)}),
            _route(V + r"/composite/sobjects/(?P<obj>\w+)/?",
                   {"GET": ("collections.retrieve", r.collection_retrieve)}),
            _route(V + r"/composite/sobjects/(?P<obj>\w+)/(?P<field>\w+)/?",
                   {"PATCH": ("collections.upsert", r.collection_upsert)}),
            _route(V + r"/jobs/(?P<kind>ingest)/?", {
                "POST": ("bulk2.ingest.create", b.create_ingest), "GET": ("bulk2.list", b.list)}),
            _route(V + r"/jobs/(?P<kind>query)/?", {
                "POST": ("bulk2.query.create", b.create_query), "GET": ("bulk2.list", b.list)}),
            _route(V + r"/jobs/ingest/(?P<job>750\w+)/batches/?",
                   {"PUT": ("bulk2.ingest.upload", b.upload)}),
            _route(V + r"/jobs/ingest/(?P<job>750\w+)/"
                   r"(?P<kind>successfulResults|failedResults|unprocessedRecords)/?",
                   {"GET": ("bulk2.ingest.results", b.ingest_results)}, flags=re.IGNORECASE),
            _route(V + r"/jobs/query/(?P<job>750\w+)/results/?",
                   {"GET": ("bulk2.query.results", b.query_results)}),
            _route(V + r"/jobs/(?P<kind>ingest|query)/(?P<job>750\w+)/?", {
                "GET": ("bulk2.get", b.get), "PATCH": ("bulk2.state", self._job_state),
                "DELETE": ("bulk2.delete", b.delete)}),
        ]

    def _composite(self, req: Request, m: re.Match[str]) -> Response:
        return composite.answer(req, self._operation_of, self._subrequest)

    def _find(self, req: Request) -> tuple[Route, re.Match[str]] | None:
        for route in self.routes:
            match = route.pattern.match(req.path)
            if match is not None:
                return route, match
        return None

    def _operation_of(self, req: Request) -> str | None:
        found = self._find(req)
        entry = found[0].methods.get(req.method) if found else None
        return entry[0] if entry else None

    def _subrequest(self, req: Request) -> tuple[str, Response]:
        """One subrequest of a composite call: routed and run, but neither counted as a
        call nor faulted on its own (the composite call was)."""
        found = self._find(req)
        if found is None or found[0].methods.get(req.method) is None:
            return "not_found", error_response(not_found())
        route, match = found
        operation, handler = route.methods[req.method]
        if operation == "composite":  # not among the resources composite serves
            return operation, error_response(not_found())
        return operation, self._run(handler, req, match)

    def _job_state(self, req: Request, m: re.Match[str]) -> Response:
        if m["kind"] == "ingest":
            return self.bulk2.ingest_state(req, m)
        return self.bulk2.abort_query(req, m)

    # -- dispatch ---------------------------------------------------------------------------

    def handle(self, req: Request) -> Response:
        """Answer one request (never raises ApiError)."""
        if req.path.startswith("/__sandbox/"):
            return self._sandbox(req)
        login = self._login(req)
        if login is not None:
            return login
        for route in self.routes:
            match = route.pattern.match(req.path)
            if match is not None:
                return self._dispatch(route, match, req)
        self.stats.count("not_found")
        return error_response(not_found())

    def _dispatch(self, route: Route, match: re.Match[str], req: Request) -> Response:
        entry = route.methods.get(req.method)
        if entry is None:
            allowed = ",".join(route.methods)
            return error_response(ApiError(
                405, "METHOD_NOT_ALLOWED",
                f"HTTP Method '{req.method}' not allowed. Allowed are {allowed}"))
        operation, handler = entry
        token = bearer(req.header("Authorization"))
        if route.auth and not self.sessions.valid(token):
            self.stats.count(operation)
            return error_response(invalid_session())
        gate = self.gates.get(operation)
        if gate is not None and not gate.hold():
            return error_response(ApiError(503, "SERVER_UNAVAILABLE", "dropped by a test gate"))
        response = self._faulted(operation, token)
        if response is None or response.truncate:
            truncate = response is not None
            response = self._run(handler, req, match)
            response.truncate = truncate
        used = self._use()
        response.headers["Sforce-Limit-Info"] = f"api-usage={used}/{API_LIMIT}"
        self.stats.count(operation, response.records)
        return response

    def _faulted(self, operation: str, token: str | None) -> Response | None:
        kind = self.faults.draw(operation)
        if kind is None:
            return None
        self.stats.fault(kind)
        if kind == "slow":
            time.sleep(self.faults.slow_seconds)
            return None
        if kind == "truncate":
            return Response(truncate=True)
        if kind == "expire":
            if token:
                self.sessions.end(token)
            return error_response(invalid_session())
        return _fault_response(kind)

    @staticmethod
    def _run(handler: Handler, req: Request, match: re.Match[str]) -> Response:
        try:
            return handler(req, match)
        except SoqlError as err:
            return error_response(ApiError(400, err.code, err.message))
        except ApiError as err:
            return error_response(err)

    def _login(self, req: Request) -> Response | None:
        soap = re.match(r"^(?:/.*)?/services/Soap/u/(?P<v>\d+\.\d+)(?:/.*)?$", req.path)
        if soap is not None and req.method == "POST":
            self.stats.count("login.soap")
            reply = self.auth.soap_login(req.body, self.instance_url, soap["v"])
        elif re.match(r"^(?:/.*)?/services/oauth2/token/?$", req.path) and req.method == "POST":
            self.stats.count("login.oauth")
            reply = self.auth.token(req.body, req.header("Authorization"), self.instance_url)
        else:
            return None
        return Response(status=reply.status, body=reply.body, content_type=reply.content_type)

    def _sandbox(self, req: Request) -> Response:
        if req.path.rstrip("/") == "/__sandbox/stats" and req.method == "GET":
            return json_response(self.stats_snapshot())
        if req.path.rstrip("/") == "/__sandbox/reset-stats" and req.method == "POST":
            self.stats.reset()
            return json_response(self.stats_snapshot())
        return error_response(not_found())

    def stats_snapshot(self) -> dict[str, object]:
        """Calls per operation, faults per kind, records per operation, API usage."""
        snapshot: dict[str, object] = dict(self.stats.snapshot())
        used, cap = self.api_usage()
        snapshot["system"] = "salesforce"
        snapshot["api_usage"] = {"used": used, "max": cap}
        return snapshot

