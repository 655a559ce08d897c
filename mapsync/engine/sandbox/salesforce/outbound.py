"""Outbound messages: the SOAP notifications a workflow rule or Flow sends when a record changes.

    outbox = sf_box.outbound_messages(clock=ManualClock())
    flagged = lambda record: record["Intacct_Create_Sales_Order__c"]
    outbox.add(OutboundRule("Create_Sales_Order", "Opportunity", url, when=flagged))

After every committed write, each rule on the object is evaluated on the record's new values.
A rule fires when a record is created matching it or is edited to *subsequently* meet it
(Salesforce's "created, and any time it's edited to subsequently meet criteria"), or on every
create and edit with `every_change=True`. A notification keeps its `04l…` Id across
retries; several pending notifications of one rule go in one message (at most 100).

Delivery is at least once: a message that is not answered with HTTP 200 and
`<Ack>true</Ack>` is retried with exponential back-off (15 s doubling, at most 2 h apart)
until 24 h after it was first queued, then dropped, as Salesforce does (reference
salesforce.md §5.1). Time comes from a clock object, so tests move it by hand instead of
sleeping: `ManualClock.advance(seconds)` wakes the dispatcher for what became due.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from xml.sax.saxutils import escape

import httpx

from mapsync.engine.sandbox.salesforce.ids import ORG_ID, make_id
from mapsync.engine.sandbox.salesforce.store import Store

log = logging.getLogger(__name__)

OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOBJECT_NS = "urn:sobject.enterprise.soap.sforce.com"
MAX_PER_MESSAGE = 100
FIRST_RETRY, MAX_RETRY_GAP, GIVE_UP_AFTER = 15.0, 7200.0, 86400.0
ATTEMPT_TIMEOUT = 60.0


class Clock(Protocol):
    """Where the dispatcher reads the time and waits for the next due delivery."""

    def now(self) -> float:
        """Seconds on this clock."""
        ...

    def wait(self, wake: threading.Event, seconds: float | None) -> None:
        """Block until `wake` is set or `seconds` of this clock's time have passed."""
        ...


class WallClock:
    """Real time (a running `mapsync sandbox serve`)."""

    def now(self) -> float:
        """Monotonic seconds."""
        return time.monotonic()

    def wait(self, wake: threading.Event, seconds: float | None) -> None:
        """Wait on the event for at most `seconds`."""
        wake.wait(seconds)


class ManualClock:
    """Time that moves only when a test calls `advance`; waiting never sleeps on the wall clock."""

    def __init__(self) -> None:
        self._now = 0.0
        self._moved = threading.Condition()

    def now(self) -> float:
        """The clock's current reading."""
        with self._moved:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward and wake whoever waits for it."""
        with self._moved:
            self._now += seconds
            self._moved.notify_all()

    def wait(self, wake: threading.Event, seconds: float | None) -> None:
        """Return once `wake` is set or the clock passed `seconds` from now."""
        with self._moved:
            deadline = None if seconds is None else self._now + seconds
            while not wake.is_set() and (deadline is None or self._now < deadline):
                # Woken by advance() or by notify() from the outbox when `wake` is set.
                self._moved.wait()

    def poke(self) -> None:
        """Wake waiters so they look at their event again."""
        with self._moved:
            self._moved.notify_all()


@dataclass(frozen=True, slots=True)
class OutboundRule:
    """An outbound message and the rule that sends it."""

    name: str
    object: str
    url: str
    fields: tuple[str, ...] = ("Id",)
    when: Callable[[Mapping[str, Any]], bool] = field(default=lambda record: True)
    every_change: bool = False
    send_session_id: bool = False


@dataclass(slots=True)
class Delivery:
    """One message on its way: its notifications, attempts and next due time."""

    rule: OutboundRule
    action_id: str
    notifications: list[tuple[str, dict[str, Any]]]
    queued: float
    due: float
    attempts: int = 0
    outcomes: list[str] = field(default_factory=list)


class Outbox:
    """Queues notifications from committed writes and delivers them from one thread."""

    def __init__(self, store: Store, instance_url: str, *, clock: Clock | None = None,
                 session_id: Callable[[], str] | None = None, verify: bool | str = True) -> None:
        self.store = store
        self.instance_url = instance_url
        self.clock: Clock = clock or WallClock()
        self.session_id = session_id
        self.verify = verify
        self.rules: list[tuple[OutboundRule, str]] = []
        self.pending: list[Delivery] = []
        self.delivered: list[Delivery] = []
        self.dropped: list[Delivery] = []
        self.sent = threading.Condition()
        self._matching: dict[str, set[str]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- rules and changes ------------------------------------------------------------------

    def add(self, rule: OutboundRule) -> str:
        """Register a rule; returns its ActionId (`04k…`)."""
        action_id = make_id("04k", len(self.rules) + 1)
        self.rules.append((rule, action_id))
        self._matching[rule.name] = set()
        return action_id

    def changed(self, records: list[tuple[str, str]]) -> None:
        """Database observer: evaluate the rules for the records a transaction wrote."""
        for rule, action_id in self.rules:
            found = [self._notification(rule, rid) for obj, rid in dict.fromkeys(records)
                     if obj == rule.object]
            fresh = [n for n in found if n is not None]
            if fresh:
                self._queue(rule, action_id, fresh)

    def _notification(self, rule: OutboundRule, record_id: str) -> dict[str, Any] | None:
        record = self.store.get(rule.object, record_id)
        if record is None:
            return None
        matches = bool(rule.when(record))
        seen = self._matching[rule.name]
        was = record_id in seen
        (seen.add if matches else seen.discard)(record_id)
        if not matches or (was and not rule.every_change):
            return None
        return {f: record.get(f) for f in rule.fields if f in record}

    def _queue(self, rule: OutboundRule, action_id: str, records: list[dict[str, Any]]) -> None:
        now = self.clock.now()
        with self._lock:
            for start in range(0, len(records), MAX_PER_MESSAGE):
                chunk = records[start:start + MAX_PER_MESSAGE]
                notes = [(make_id("04l", next(self._ids)), r) for r in chunk]
                self.pending.append(Delivery(rule, action_id, notes, now, now))
        self._kick()

    # -- delivery ---------------------------------------------------------------------------

    def start(self) -> Outbox:
        """Deliver from a background thread until `stop()`."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="sandbox-outbound",
                                            daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the dispatcher (pending messages stay queued)."""
        self._stop.set()
        self._kick()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _kick(self) -> None:
        self._wake.set()
        poke = getattr(self.clock, "poke", None)
        if poke is not None:
            poke()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            self.pump()
            self.clock.wait(self._wake, self._next_due())

    def _next_due(self) -> float | None:
        with self._lock:
            dues = [d.due for d in self.pending]
        return None if not dues else max(0.0, min(dues) - self.clock.now())

    def pump(self) -> int:
        """Send every message that is due now; returns how many were acknowledged."""
        now = self.clock.now()
        with self._lock:
            due = [d for d in self.pending if d.due <= now]
        acked = sum(self._attempt(d) for d in due)
        with self.sent:
            self.sent.notify_all()
        return acked

    def _attempt(self, delivery: Delivery) -> bool:
        delivery.attempts += 1
        outcome = self._post(delivery)
        delivery.outcomes.append(outcome)
        now = self.clock.now()
        with self._lock:
            if outcome == "ack":
                self.pending.remove(delivery)
                self.delivered.append(delivery)
                return True
            gap = min(FIRST_RETRY * 2 ** (delivery.attempts - 1), MAX_RETRY_GAP)
            if now + gap - delivery.queued > GIVE_UP_AFTER:
                self.pending.remove(delivery)
                self.dropped.append(delivery)
            else:
                delivery.due = now + gap
        log.info("outbound message %s: %s, attempt %d", delivery.rule.name, outcome,
                 delivery.attempts)
        return False

    def _post(self, delivery: Delivery) -> str:
        body = envelope(delivery, self.instance_url, self._session())
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}
        try:
            reply = httpx.post(delivery.rule.url, content=body, headers=headers,
                               timeout=ATTEMPT_TIMEOUT, verify=self.verify, trust_env=False)
        except httpx.HTTPError as err:
            return f"error: {type(err).__name__}"
        if reply.status_code == 200 and b"<Ack>true</Ack>" in reply.content.replace(b" ", b""):
            return "ack"
        return f"http {reply.status_code}"

    def _session(self) -> str | None:
        return self.session_id() if self.session_id is not None else None

    def wait_delivered(self, count: int, timeout: float) -> bool:
        """Block (wall clock, for tests' safety net) until `count` messages were acknowledged."""
        with self.sent:
            return self.sent.wait_for(lambda: len(self.delivered) >= count, timeout)

    def wait_attempts(self, count: int, timeout: float) -> bool:
        """Block until `count` delivery attempts (of any outcome) were made."""
        def made() -> int:
            with self._lock:
                every = [*self.pending, *self.delivered, *self.dropped]
            return sum(d.attempts for d in every)

        with self.sent:
            return self.sent.wait_for(lambda: made() >= count, timeout)


def envelope(delivery: Delivery, instance_url: str, session_id: str | None) -> bytes:
    """The SOAP message of one delivery, as Salesforce's outbound messaging WSDL defines it."""
    org15 = ORG_ID[:15]
    session = (f"<SessionId>{escape(session_id)}</SessionId>"
               if session_id and delivery.rule.send_session_id else '<SessionId xsi:nil="true"/>')
    notes = "".join(_notification_xml(delivery.rule.object, nid, rec)
                    for nid, rec in delivery.notifications)
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<soapenv:Body><notifications xmlns="{OUTBOUND_NS}">'
        f"<OrganizationId>{ORG_ID}</OrganizationId>"
        f"<ActionId>{delivery.action_id}</ActionId>{session}"
        f"<EnterpriseUrl>{escape(instance_url)}/services/Soap/c/59.0/{org15}</EnterpriseUrl>"
        f"<PartnerUrl>{escape(instance_url)}/services/Soap/u/59.0/{org15}</PartnerUrl>"
        f"{notes}</notifications></soapenv:Body></soapenv:Envelope>"
    )
    return text.encode("utf-8")


def _notification_xml(obj: str, notification_id: str, record: Mapping[str, Any]) -> str:
    fields = "".join(
        f"<sf:{name}>{escape(_soap_value(value))}</sf:{name}>"
        for name, value in record.items() if value is not None
    )
    return (f"<Notification><Id>{notification_id}</Id>"
            f'<sObject xsi:type="sf:{obj}" xmlns:sf="{SOBJECT_NS}">{fields}</sObject>'
            "</Notification>")


def _soap_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
