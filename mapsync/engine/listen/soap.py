"""Salesforce outbound messages on the wire: the `notifications` SOAP call and its answers.

    message = parse_notifications(body, limit=1_048_576)   # raises Fault
    ack()                                                  # <Ack>true</Ack>, HTTP 200
    Fault.client("…").body()                               # a SOAP 1.1 fault

The message shape is the outbound messaging WSDL's (namespace
`http://soap.sforce.com/2005/09/outbound`): OrganizationId, ActionId, SessionId (nil unless
"Send Session ID" is ticked), EnterpriseUrl, PartnerUrl, then 1 to 100 `Notification`s, each
with its own Id (the same on every retry) and an `sObject` whose `xsi:type` names the object
and whose children (namespace `urn:sobject.enterprise.soap.sforce.com`) are the chosen fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from lxml import etree

from mapsync.engine import safexml

OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
MAX_NOTIFICATIONS = 100
_ID = re.compile(r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class Fault(Exception):
    """A notification the listener refuses; `status` is the HTTP status to answer with.

    Salesforce retries anything but an acknowledgement, so a fault on bad input shows up in
    the org's Outbound Messages queue with this text until an admin deletes the message.
    """

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    @classmethod
    def client(cls, message: str, status: int = 400) -> Fault:
        """The sender's fault: retrying the same message cannot succeed."""
        return cls("soapenv:Client", message, status)

    @classmethod
    def server(cls, message: str, status: int = 503) -> Fault:
        """The listener's fault: a retry may succeed."""
        return cls("soapenv:Server", message, status)

    def body(self) -> bytes:
        """The SOAP 1.1 fault envelope."""
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}"><soapenv:Body><soapenv:Fault>'
            f"<faultcode>{self.code}</faultcode><faultstring>{escape(self.message)}</faultstring>"
            "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
        ).encode()


@dataclass(frozen=True, slots=True)
class Notification:
    """One changed record: the notification's Id, the object, the record Id and its fields."""

    id: str
    object: str
    record_id: str
    fields: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True, slots=True)
class Message:
    """One `notifications` call."""

    organization_id: str
    action_id: str
    enterprise_url: str
    partner_url: str
    notifications: tuple[Notification, ...]
    has_session: bool = False


def ack() -> bytes:
    """The acknowledgement Salesforce waits for (HTTP 200)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}"><soapenv:Body>'
        f'<notificationsResponse xmlns="{OUTBOUND_NS}"><Ack>true</Ack></notificationsResponse>'
        "</soapenv:Body></soapenv:Envelope>"
    ).encode()


def parse_notifications(body: bytes, *, limit: int) -> Message:
    """The message in `body`; Fault (4xx) when it is too large, not XML, or not this call."""
    try:
        root = safexml.parse(body, max_bytes=limit)
    except safexml.UnsafeXml as err:
        if err.kind == "too-large":
            raise Fault.client(f"the message is larger than {limit} bytes", 413) from None
        if err.kind == "doctype":
            raise Fault.client("a DOCTYPE is not allowed in a notification") from None
        raise Fault.client(f"the body is not well-formed XML: {err.reason}") from None
    call = root.find(f"{{{SOAP_NS}}}Body/{{{OUTBOUND_NS}}}notifications")
    if etree.QName(root).text != f"{{{SOAP_NS}}}Envelope" or call is None:
        raise Fault.client("expected a SOAP envelope whose body is an outbound `notifications`")
    notes = tuple(_notification(n) for n in call.iterfind(f"{{{OUTBOUND_NS}}}Notification"))
    if not notes or len(notes) > MAX_NOTIFICATIONS:
        raise Fault.client(f"expected 1 to {MAX_NOTIFICATIONS} notifications, got {len(notes)}")
    session = call.find(f"{{{OUTBOUND_NS}}}SessionId")
    return Message(
        organization_id=_id(_text(call, "OrganizationId"), "OrganizationId"),
        action_id=_id(_text(call, "ActionId"), "ActionId"),
        enterprise_url=_text(call, "EnterpriseUrl"),
        partner_url=_text(call, "PartnerUrl"),
        notifications=notes,
        has_session=session is not None and bool((session.text or "").strip()),
    )


def _text(parent: etree._Element, name: str) -> str:
    found = parent.find(f"{{{OUTBOUND_NS}}}{name}")
    if found is None:
        raise Fault.client(f"the notifications call has no {name}")
    return (found.text or "").strip()


def _id(value: str, what: str) -> str:
    if not _ID.match(value):
        raise Fault.client(f"{what} is not a Salesforce Id: {value[:40]!r}")
    return value


def _notification(element: etree._Element) -> Notification:
    note_id = _id(_text(element, "Id"), "Notification Id")
    sobject = element.find(f"{{{OUTBOUND_NS}}}sObject")
    if sobject is None:
        raise Fault.client(f"notification {note_id} has no sObject")
    kind = (sobject.get(f"{{{XSI_NS}}}type") or "").rpartition(":")[2]
    if not _NAME.match(kind):
        raise Fault.client(f"notification {note_id}: the sObject has no xsi:type")
    fields = tuple(
        (etree.QName(child).localname, child.text)
        for child in sobject if isinstance(child.tag, str)
    )
    record_id = dict(fields).get("Id") or ""
    return Notification(note_id, kind, _id(record_id, f"{kind} Id"), fields)
