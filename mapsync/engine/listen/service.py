"""What the listener does with one HTTP request: check, route, run, remember, acknowledge.

    listener = Listener(plan, org_id, guard, journal, process, limit=1_048_576)
    reply = listener.handle(Incoming("POST", "/", "token=…", "203.0.113.7", body))

For a `notifications` call from the configured org it finds the mappings that the notified
objects feed (an Opportunity feeds the Create Sales Order action and the mapping that brings
the new order back; an Account feeds the Customer mapping), runs them at once through
`process`, records the notification Ids in the journal and only then acknowledges. Anything
that went wrong before the outcome was stored gets a SOAP fault, and Salesforce retries;
notifications already in the journal are acknowledged without running anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mapsync.engine.listen.guard import Guard
from mapsync.engine.listen.journal import Journal
from mapsync.engine.listen.soap import Fault, Message, ack, parse_notifications
from mapsync.engine.plan import Plan, PlanMapping
from mapsync.engine.runner.report import RunReport

log = logging.getLogger("mapsync.listen")
XML = "text/xml; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Incoming:
    """One HTTP request as the listener needs it."""

    method: str
    path: str
    query: str
    client: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    """The HTTP answer."""

    status: int
    body: bytes
    content_type: str = XML


class Retry(Exception):
    """Processing could not finish (state lock busy, a service down): Salesforce should retry."""


Process = Callable[[Sequence[str]], RunReport]


def routes(plan: Plan) -> dict[str, list[str]]:
    """Salesforce object -> the mappings a change of it runs, in plan order."""
    mappings = list(plan.mappings)
    out: dict[str, list[str]] = {}
    for mapping in mappings:
        if mapping.kind == "managed":
            continue  # Intacct owns managed lists: a Salesforce change has nothing to send
        names = out.setdefault(mapping.salesforce.object or "", [])
        names.append(mapping.name)
        if mapping.kind == "action":
            names.extend(_readers_of(mapping, mappings))
    return {obj: list(dict.fromkeys(names)) for obj, names in out.items()}


def _readers_of(action: PlanMapping, mappings: list[PlanMapping]) -> list[str]:
    """The mappings that bring what the action creates back to Salesforce."""
    made = (action.intacct.object, action.intacct.docparid)
    return [m.name for m in mappings if m.kind != "action"
            and (m.intacct.object, m.intacct.docparid) == made]


def same_org(given: str, expected: str) -> bool:
    """Organization Ids compare on their case-sensitive 15-character form."""
    return given[:15] == expected[:15]


class Listener:
    """Turns outbound-message requests into runs of the mappings they concern."""

    def __init__(self, plan: Plan, organization_id: str, guard: Guard,
                 journal: Journal, process: Process, *, limit: int) -> None:
        self.routes = routes(plan)
        self.organization_id = organization_id
        self.guard = guard
        self.journal = journal
        self.process = process
        self.limit = limit

    def handle(self, request: Incoming) -> Reply:
        """Answer one request; never raises."""
        try:
            return self._handle(request)
        except Fault as fault:
            log.warning("refused a message from %s: %s (HTTP %d)", request.client,
                        fault.message, fault.status)
            return Reply(fault.status, fault.body())

    def _handle(self, request: Incoming) -> Reply:
        if request.method != "POST":
            raise Fault.client("outbound messages are POSTed", 405)
        refusal = self.guard.refusal(request.client, request.query)
        if refusal is not None:
            raise Fault.client(refusal[1], refusal[0])
        message = parse_notifications(request.body, limit=self.limit)
        if not same_org(message.organization_id, self.organization_id):
            raise Fault.client(
                f"notification from organization {message.organization_id}, "
                "not the configured listen.organization_id", 403)
        names = self._mappings(message)
        seen = self.journal.seen(n.id for n in message.notifications)
        fresh = [n for n in message.notifications if n.id not in seen]
        if not fresh:
            log.info("message %s: %d notification(s) already processed", message.action_id,
                     len(seen))
            return Reply(200, ack())
        wanted = {n.object for n in fresh}
        run = [name for obj in sorted(wanted) for name in names[obj]]
        self._run(list(dict.fromkeys(run)), message)
        self.journal.record((n.id, n.object, n.record_id) for n in fresh)
        log.info("message %s: processed %d notification(s) with %s", message.action_id,
                 len(fresh), ", ".join(run))
        return Reply(200, ack())

    def _mappings(self, message: Message) -> dict[str, list[str]]:
        objects = {n.object for n in message.notifications}
        unknown = sorted(o for o in objects if not self.routes.get(o))
        if unknown:
            raise Fault.client(f"no rule maps Salesforce object {', '.join(unknown)}", 422)
        return {o: self.routes[o] for o in objects}

    def _run(self, names: list[str], message: Message) -> None:
        try:
            report = self.process(names)
        except Retry as exc:
            raise Fault.server(str(exc)) from None
        stopped = [m for m in report.mappings if m.fatal]
        if report.fatal or stopped:
            reason = report.fatal or f"{stopped[0].name}: {stopped[0].fatal}"
            raise Fault.server(f"not processed, retry later: {reason}", 503)
