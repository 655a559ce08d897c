"""Safe parsing of gateway responses into control / authentication / result parts.

The parser never resolves entities, never loads a DTD, never touches the network and refuses
any DOCTYPE; the caller bounds the body size before it gets here. A body that is not XML, or
XML that is not a `<response>`, is a ProtocolError carrying a short excerpt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from mapsync.engine.errors import ProtocolError

from .errors import SYSTEM, ErrorDetail, Redactor


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_blank_text=True,
    )


def parse_xml(body: bytes, redact: Redactor, operation: str = "") -> etree._Element:
    """The root element of `body`; ProtocolError for non-XML bodies and any DOCTYPE."""
    if b"<!DOCTYPE" in body[:4096].upper():
        raise _protocol(
            "response declares a DOCTYPE or entities (refused)", body, redact, operation
        )
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        reason = f"response is not well-formed XML ({exc.msg})"
        raise _protocol(reason, body, redact, operation) from None
    if _doctype(root):
        raise _protocol("response declares a DOCTYPE (refused)", body, redact, operation)
    return root


def _doctype(root: etree._Element) -> str:
    docinfo: Any = root.getroottree().docinfo
    return str(docinfo.doctype or "")


def _protocol(reason: str, body: bytes, redact: Redactor, operation: str) -> ProtocolError:
    return ProtocolError(f"{reason}: {redact.excerpt(body)!r}", system=SYSTEM, operation=operation)


@dataclass(frozen=True, slots=True)
class Result:
    """One `<result>`: a function's status, echo of its controlid, data/key and error chain."""

    status: str
    function: str
    controlid: str
    errors: tuple[ErrorDetail, ...] = ()
    data: etree._Element | None = None
    key: str | None = None

    @property
    def ok(self) -> bool:
        """True when the function succeeded."""
        return self.status == "success"

    def records(self) -> list[etree._Element]:
        """The record elements inside `<data>` (empty when there is none)."""
        if self.data is None:
            return []
        return list(self.data.iterchildren(tag=etree.Element))

    def attr_int(self, name: str, default: int = 0) -> int:
        """An integer attribute of `<data>` (count, totalcount, numremaining, offset)."""
        if self.data is None:
            return default
        value = self.data.get(name)
        return int(value) if value not in (None, "") else default

    @property
    def result_id(self) -> str:
        """The readByQuery/readMore resultId ("" when all rows fit in one page)."""
        return self.data.get("resultId", "") if self.data is not None else ""


@dataclass(frozen=True, slots=True)
class Response:
    """A parsed gateway response; levels below a failed level are absent."""

    control_status: str
    control_errors: tuple[ErrorDetail, ...] = ()
    auth_status: str | None = None
    auth_errors: tuple[ErrorDetail, ...] = ()
    results: tuple[Result, ...] = ()
    acknowledged: bool = False

    @property
    def control_ok(self) -> bool:
        """True when the control level (sender, schema, rate) succeeded."""
        return self.control_status == "success"

    @property
    def auth_ok(self) -> bool:
        """True when the authentication level succeeded."""
        return self.auth_status == "success"


def parse_response(body: bytes, redact: Redactor, operation: str = "") -> Response:
    """Parse a gateway body into a Response; ProtocolError when it is not one."""
    root = parse_xml(body, redact, operation)
    if root.tag != "response":
        raise _protocol(f"expected <response>, got <{root.tag}>", body, redact, operation)
    control = root.find("control")
    if control is None:
        raise _protocol("response has no <control>", body, redact, operation)
    operation_el = root.find("operation")
    auth = operation_el.find("authentication") if operation_el is not None else None
    return Response(
        control_status=_text(control, "status"),
        control_errors=errors_of(root),
        auth_status=_text(auth, "status") if auth is not None else None,
        auth_errors=errors_of(operation_el) if operation_el is not None else (),
        results=tuple(
            _result(r)
            for r in (operation_el.iterfind("result") if operation_el is not None else ())
        ),
        acknowledged=root.find("acknowledgement") is not None,
    )


def _result(element: etree._Element) -> Result:
    key = element.find("key")
    return Result(
        status=_text(element, "status"),
        function=_text(element, "function"),
        controlid=_text(element, "controlid"),
        errors=errors_of(element),
        data=element.find("data"),
        key=(key.text or "").strip() if key is not None else None,
    )


def errors_of(parent: etree._Element) -> tuple[ErrorDetail, ...]:
    """The `<errormessage><error>` chain directly under `parent`."""
    message = parent.find("errormessage")
    if message is None:
        return ()
    return tuple(
        ErrorDetail(
            errorno=_text(e, "errorno"),
            description=_text(e, "description"),
            description2=_text(e, "description2"),
            correction=_text(e, "correction"),
        )
        for e in message.iterfind("error")
    )


def _text(parent: etree._Element | None, tag: str) -> str:
    if parent is None:
        return ""
    child = parent.find(tag)
    return (child.text or "").strip() if child is not None else ""
