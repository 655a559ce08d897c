"""The Starlette application behind `mapsync ui`: one route per page and form.

    app = create_app(Settings(config=Path("mapsync.yaml")), access=Access())

Pages are rendered on the server (Jinja2); forms are plain HTML posts with a CSRF token,
and a small script shipped in `static/` polls the progress of a run. Every page reads
the files again, so what it shows is what is on disk.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from mapsync.engine.errors import MapsyncError
from mapsync.engine.ui import i18n
from mapsync.engine.ui.edits import Change, EditRefused, prepare, write
from mapsync.engine.ui.jobs import KINDS, JobBusy, Jobs
from mapsync.engine.ui.security import COOKIE, Access, RequireSession
from mapsync.engine.ui.workspace import ARROWS, Workspace

HERE = Path(__file__).resolve().parent
LANG_COOKIE = "mapsync_lang"
# English wording of the values the page shows; i18n translates the wording.
WORDS = {
    "->": "to Salesforce", "<-": "to Intacct", "<->": "both ways", "off": "off",
    "price_source": "Price source",
    "create_intacct_customers_from_accounts": "Accounts create customers",
    "sales_document_relationship": "Sales documents per opportunity",
    "overlap_seconds": "Read overlap (seconds)",
    "order-entry": "Order entry price lists", "contract": "Contract price lists",
    "true": "Yes", "false": "No", "one-to-one": "One to one", "one-to-many": "One to many",
    "intacct": "Intacct", "salesforce": "Salesforce",
}
CONFLICTS = {"newest": "Newest change wins", "intacct": "Intacct wins",
             "salesforce": "Salesforce wins"}
PAGES = (("connections", "Connections"), ("mappings", "Mappings"), ("run", "Plan and run"),
         ("errors", "Errors"), ("reconcile", "Reconcile"))


@dataclass
class Settings:
    """What `mapsync ui` was started with."""

    config: Path
    rules: Path | None = None
    allowed_hosts: list[str] = field(default_factory=lambda: ["127.0.0.1", "localhost"])
    clock: Callable[[], float] = time.monotonic


class BadForm(MapsyncError, ValueError):
    """A form names something that does not exist: 400 with this message."""


class UI:
    """The routes, sharing the settings, the access control, the runs and the templates."""

    def __init__(self, settings: Settings, access: Access) -> None:
        self.settings = settings
        self.access = access
        self.jobs = Jobs(settings.config, settings.rules, settings.clock)
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"),
                               autoescape=select_autoescape(["html"]))
        self.env.filters["duration"] = run_duration

    # --- helpers ------------------------------------------------------------------------

    def workspace(self) -> Workspace:
        """The files as they are on disk now."""
        return Workspace.load(self.settings.config, self.settings.rules)

    def language(self, request: Request) -> str:
        """The page language: the selector's cookie, else Accept-Language."""
        chosen = request.cookies.get(LANG_COOKIE)
        if chosen in i18n.LANGUAGES:
            return chosen
        return i18n.negotiate(request.headers.get("accept-language"))

    def render(self, request: Request, template: str, status: int = 200,
               **context: Any) -> HTMLResponse:
        """A template rendered in the request's language, with the session's CSRF token."""
        language = self.language(request)
        session = request.cookies.get(COOKIE, "")
        html = self.env.get_template(template).render(
            request=request, _=i18n.translator(language), lang=language,
            rule_lang=i18n.RULE_CODES[language], languages=i18n.NAMES, pages=PAGES,
            csrf=self.access.csrf(session) if session else "", arrows=ARROWS, words=WORDS,
            conflicts=CONFLICTS,
            now=self.settings.clock(), **context)
        return HTMLResponse(html, status_code=status)

    async def form(self, request: Request) -> dict[str, list[str]]:
        """The posted form; 403 (raised as PermissionError) without the session's CSRF token."""
        data = await request.form()
        values: dict[str, list[str]] = {}
        for key, value in data.multi_items():
            values.setdefault(key, []).append(str(value))
        if not self.access.csrf_ok(request.cookies.get(COOKIE), (values.get("csrf") or [""])[0]):
            raise PermissionError("missing or wrong CSRF token")
        return values

    # --- pages --------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        """`/`: the mappings page."""
        return RedirectResponse("/mappings", status_code=303)

    async def connections(self, request: Request, results: dict[str, Any] | None = None,
                          status: int = 200) -> Response:
        """`/connections`: both services, and the result of a test when there is one."""
        from mapsync.engine.ui.connections import SYSTEMS, settings_rows

        ws = self.workspace()
        rows = {s: settings_rows(ws.config, s) for s in SYSTEMS} if ws.config else {}
        return self.render(request, "connections.html", status, ws=ws, page="connections",
                           rows=rows, results=results or {})

    async def test_connection(self, request: Request) -> Response:
        """`POST /connections/test`: log in to one service and read one record."""
        from mapsync.engine.ui.connections import SYSTEMS, check_connection

        values = await self.form(request)
        system = (values.get("system") or [""])[0]
        if system not in SYSTEMS:
            raise BadForm(f"unknown service `{system}` (intacct or salesforce)")
        ws = self.workspace()
        if ws.config is None:
            raise BadForm("there is no valid configuration to test")
        result = check_connection(ws.config, system)
        return await self.connections(request, {system: result})

    async def mappings(self, request: Request) -> Response:
        """`/mappings`: every mapping, its fields and the options, as one form."""
        ws = self.workspace()
        return self.render(request, "mappings.html", ws=ws, page="mappings",
                           option_choices=_option_choices())

    async def save(self, request: Request) -> Response:
        """`POST /mappings/save`: check the edit, show its diff, write it when valid."""
        values = await self.form(request)
        ws = self.workspace()
        if (values.get("version") or [""])[0] != ws.version:
            return self.render(request, "saved.html", 409, ws=ws, page="mappings",
                               refused="a file changed on disk since the page loaded it; "
                                       "reload the page and make the change again",
                               prepared=None, written=[])
        change = parse_change(values)
        try:
            prepared = prepare(ws, change)
            preview = (values.get("action") or ["save"])[0] == "preview"
            written = [] if preview or not prepared.ok or not prepared.changed \
                else write(prepared)
        except EditRefused as exc:
            return self.render(request, "saved.html", exc.status, ws=ws, page="mappings",
                               refused=str(exc), prepared=None, written=[])
        status = 200 if prepared.ok else 422
        return self.render(request, "saved.html", status, ws=ws, page="mappings",
                           refused=None, prepared=prepared, written=written,
                           preview=preview)

    async def run(self, request: Request) -> Response:
        """`/run`: plan and sync buttons, the latest run and the run history."""
        return self.render(request, "run.html", ws=self.workspace(), page="run",
                           job=self.jobs.current, runs=_stored_runs(self.workspace()))

    async def start(self, request: Request) -> Response:
        """`POST /run/start`: start a plan, sync, replay or reconcile in the worker."""
        values = await self.form(request)
        kind = (values.get("kind") or [""])[0]
        if kind not in KINDS:
            raise BadForm(f"unknown run `{kind}` (one of {', '.join(KINDS)})")
        ids = None
        if kind == "replay" and "all" not in values:
            try:
                ids = sorted({int(i) for i in values.get("id", [])})
            except ValueError:
                raise BadForm("error ids are numbers") from None
            if not ids:
                raise BadForm("choose the errors to replay, or replay all")
        try:
            job = self.jobs.start(kind, ids)
        except JobBusy as exc:
            return PlainTextResponse(f"409 Conflict: {exc}\n", status_code=409)
        back = {"replay": "/errors", "reconcile": "/reconcile"}.get(kind, "/run")
        return RedirectResponse(f"{back}?job={job.id}", status_code=303)

    async def progress(self, request: Request) -> Response:
        """`/run/progress`: the progress of a run, as a fragment the page polls."""
        job = self.jobs.get(_int(request.query_params.get("job"))) or self.jobs.current
        return self.render(request, "_progress.html", job=job)

    async def errors(self, request: Request) -> Response:
        """`/errors`: the open errors, to replay one, a selection or all."""
        from mapsync.engine.commands.errors import read_errors
        from mapsync.engine.state import StateError

        ws = self.workspace()
        found: list[dict[str, Any]] = []
        problem = None
        if ws.config is not None:
            state = ws.config.state
            try:
                found = read_errors(state.url or state.path, pair=state.pair)
            except StateError as exc:
                problem = str(exc)
        job = self.jobs.get(_int(request.query_params.get("job")))
        return self.render(request, "errors.html", ws=ws, page="errors", errors=found, job=job,
                           problem=problem)

    async def reconcile(self, request: Request) -> Response:
        """`/reconcile`: the latest reconcile report."""
        job = self.jobs.get(_int(request.query_params.get("job")))
        latest = next((j for j in self.jobs.history if j.kind == "reconcile"), None)
        return self.render(request, "reconcile.html", ws=self.workspace(), page="reconcile",
                           job=job or latest)

    async def set_language(self, request: Request) -> Response:
        """`POST /language`: remember the chosen language in a cookie."""
        values = await self.form(request)
        lang = (values.get("lang") or [""])[0]
        if lang not in i18n.LANGUAGES:
            raise BadForm(f"unknown language `{lang}` (one of {', '.join(i18n.LANGUAGES)})")
        back = (values.get("back") or ["/"])[0]
        response = RedirectResponse(back if back.startswith("/") and not back.startswith("//")
                                    else "/", status_code=303)
        response.set_cookie(LANG_COOKIE, lang, samesite="strict", path="/")
        return response


def run_duration(run: Any) -> str:
    """How long a stored run took, from its ISO start and end times."""
    import datetime as dt

    if not run.ended_at:
        return "-"
    seconds = (dt.datetime.fromisoformat(run.ended_at)
               - dt.datetime.fromisoformat(run.started_at)).total_seconds()
    return f"{seconds:.1f} s"


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else -1


def _stored_runs(ws: Workspace) -> list[Any]:
    """The latest runs from the state store (none before the first run)."""
    from mapsync.engine.commands._context import ContextError, open_config_store

    if ws.config is None or (not ws.config.state.url and not ws.config.state.path.exists()):
        return []
    try:
        with open_config_store(ws.config) as state:
            return list(state.runs(limit=20))
    except ContextError:
        return []


def _option_choices() -> dict[str, list[Any]]:
    import json

    from mapsync.engine.resources import schema_file

    schema = json.loads(schema_file("config.schema.json").read_text("utf-8"))
    props = schema["$defs"]["options"]["properties"]
    out: dict[str, list[Any]] = {}
    for key in ("price_source", "create_intacct_customers_from_accounts",
                "sales_document_relationship", "overlap_seconds"):
        spec = props[key]
        out[key] = spec.get("enum") or ([True, False] if spec.get("type") == "boolean" else [])
    return out


def parse_change(values: dict[str, list[str]]) -> Change:
    """The change a mappings form asks for; BadForm for keys the form never has."""
    arrows: dict[tuple[str, int], str] = {}
    conflicts: dict[str, str] = {}
    enabled: set[str] = set()
    options: dict[str, Any] = {}
    for key, items in values.items():
        value = items[-1]
        kind, _, rest = key.partition(":")
        if kind == "dir":
            name, _, index = rest.rpartition(":")
            if not name or not index.isdigit():
                raise BadForm(f"`{key}` does not name a field (dir:MAPPING:N)")
            arrows[(name, int(index))] = value
        elif kind == "conflict":
            conflicts[rest] = value
        elif kind == "on":
            enabled.add(rest)
        elif kind == "opt":
            options[rest] = _option_value(rest, value)
        elif key not in ("csrf", "version", "action", "listed"):
            raise BadForm(f"unknown form field `{key}`")
    return Change(arrows, conflicts, frozenset(enabled) if "listed" in values else None,
                  options)


def _option_value(key: str, value: str) -> Any:
    if key == "create_intacct_customers_from_accounts":
        if value not in ("true", "false"):
            raise BadForm(f"`{key}` is true or false")
        return value == "true"
    if key == "overlap_seconds":
        if not value.isdigit():
            raise BadForm(f"`{key}` is a number of seconds")
        return int(value)
    return value


def _errors(ui: UI) -> dict[Any, Callable[..., Any]]:
    async def bad_form(request: Request, exc: Exception) -> Response:
        return ui.render(request, "message.html", 400, page="", ws=None,
                         title="400", message=str(exc))

    async def forbidden(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"403 Forbidden: {exc}\n", status_code=403)

    return {BadForm: bad_form, PermissionError: forbidden}


def create_app(settings: Settings, access: Access) -> Starlette:
    """The configuration page as an ASGI application."""
    ui = UI(settings, access)
    routes = [
        Route("/", ui.home),
        Route("/connections", ui.connections),
        Route("/connections/test", ui.test_connection, methods=["POST"]),
        Route("/mappings", ui.mappings),
        Route("/mappings/save", ui.save, methods=["POST"]),
        Route("/run", ui.run),
        Route("/run/start", ui.start, methods=["POST"]),
        Route("/run/progress", ui.progress),
        Route("/errors", ui.errors),
        Route("/reconcile", ui.reconcile),
        Route("/language", ui.set_language, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts),
                  Middleware(RequireSession, access=access)]
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=_errors(ui))
    app.state.ui = ui
    return app
