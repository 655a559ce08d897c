"""Safe parsing of gateway responses into control / authentication / result parts.

Parsing goes through the project's one safe parser (`mapsync.engine.safexml`): it never
resolves entities, never loads a DTD, never touches the network and refuses any DOCTYPE; the
caller bounds the body size before it gets here. Every attribute read from the response is
validated: a count that is not a number is a ProtocolError, not a builtin ValueError. A
body that is not XML, or XML that is not a `<response>`, is a ProtocolError carrying a short
excerpt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from mapsync.engine import safexml
from mapsync.engine.errors import ProtocolError

from .errors import SYSTEM, ErrorDetail, Redactor

MAX_BYTES = 64 * 1024 * 1024
_COUNT = re.compile(r"^[0-9]{1,10}$")
_RESULT_ID = re.compile(r"^[\x21-\x7e]{1,512}$")


def parse_xml(
    body: bytes, redact: Redactor, operation: str = "", max_bytes: int = MAX_BYTES
) -> etree._Element:
    """The root element of `body`; ProtocolError for non-XML bodies and any DOCTYPE."""
    try:
        return safexml.parse(body, max_bytes=max_bytes, keep_blank_text=False)
    except safexml.UnsafeXml as exc:
        raise _protocol(f"response {exc.reason}", body, redact, operation) from None


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
        """A count attribute of `<data>` (count, totalcount, numremaining, offset).

        ProtocolError unless it is a plain non-negative number of at most ten digits.
        """
        if self.data is None:
            return default
        value = (self.data.get(name) or "").strip()
        if not value:
            return default
        if not _COUNT.match(value):
            raise ProtocolError(f"<data {name}> is not a count: {value[:20]!r}",
                                system=SYSTEM, operation=self.function)
        return int(value)

    @property
    def result_id(self) -> str:
        """The readByQuery/readMore resultId ("" when all rows fit in one page).

        ProtocolError when it is not printable ASCII of reasonable length, since it is sent
        back in the next request.
        """
        value = self.data.get("resultId", "") if self.data is not None else ""
        if value and not _RESULT_ID.match(value):
            raise ProtocolError("<data resultId> is not a printable id of at most 512 chars",
                                system=SYSTEM, operation=self.function)
        return value


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
