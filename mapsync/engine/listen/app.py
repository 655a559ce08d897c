"""The listener assembled from a configuration file: what `mapsync listen` runs.

    server = open_server(Path("mapsync.yaml"), host=None, port=None)   # checks, binds
    server.start()

The run context (plan, state store, both clients) is opened on the serving thread at the
first message; each message's mappings run under the state lock (with the configured
timeout, so a long `sync` mapping makes Salesforce retry rather than time out).
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from pathlib import Path

from mapsync.engine.commands._context import ContextError, RunContext
from mapsync.engine.config import Config, ConfigError, ListenSettings, load_config
from mapsync.engine.listen.guard import Guard, check_exposure
from mapsync.engine.listen.journal import Journal
from mapsync.engine.listen.server import ListenServer
from mapsync.engine.listen.service import Listener, Retry
from mapsync.engine.runner.lock import LockBusy, StateLock
from mapsync.engine.runner.report import RunReport
from mapsync.engine.runner.run import run_plan

JOURNAL_FILE = "listen.db"


def open_server(config_path: Path, *, host: str | None, port: int | None) -> ListenServer:
    """A bound (not yet serving) listener; ContextError says what to fix."""
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise ContextError(str(exc)) from None
    settings = config.listen
    if not settings.organization_id:
        raise ContextError(
            "listen.organization_id is required: the Id that `SELECT Id FROM Organization` "
            "returns in your org (Setup > Company Information > Salesforce.com Organization ID)"
        )
    host = host or settings.host
    check_exposure(settings, host)
    RunContext.open(config_path).close()  # rule, config and secret errors show at start-up
    try:
        guard = Guard.from_settings(settings)
    except ValueError as exc:
        raise ContextError(f"listen.allowed_sources: {exc}") from None
    except ConfigError as exc:
        raise ContextError(str(exc)) from None
    holder: list[RunContext] = []

    def make() -> Listener:
        ctx = RunContext.open(config_path)
        holder.append(ctx)
        return build_listener(ctx, settings, guard)

    def close() -> None:
        for ctx in holder:
            ctx.close()

    return ListenServer(make, host, settings.port if port is None else port,
                        limit=settings.max_body_bytes, tls=_tls(config),
                        on_stop=close)


def build_listener(ctx: RunContext, settings: ListenSettings, guard: Guard) -> Listener:
    """The listener over an open run context."""
    lock = StateLock(ctx.config.state.path)
    plan = ctx.effective_plan()

    def process(names: Sequence[str]) -> RunReport:
        try:
            with lock.hold(timeout=settings.lock_timeout_seconds):
                return run_plan(plan, ctx.intacct, ctx.salesforce, ctx.state, ctx.options(),
                                only=list(names), command="listen",
                                timezone=ctx.config.intacct.timezone)
        except LockBusy as exc:
            raise Retry(str(exc)) from None

    journal = Journal(ctx.config.state.path.with_name(JOURNAL_FILE))
    assert settings.organization_id is not None
    return Listener(plan, settings.organization_id, guard, journal, process,
                    limit=settings.max_body_bytes)


def _tls(config: Config) -> ssl.SSLContext | None:
    settings = config.listen
    if not (settings.tls_cert_file and settings.tls_key_file):
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(str(settings.tls_cert_file), str(settings.tls_key_file))
    except (OSError, ssl.SSLError) as exc:
        raise ContextError(f"listen.tls_cert_file / tls_key_file: cannot load: {exc}") from None
    return context
