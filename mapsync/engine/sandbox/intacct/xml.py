"""Safe XML parsing for gateway requests, and small element helpers.

Requests are parsed by the project's one safe parser (`mapsync.engine.safexml`, shared with
the Intacct client): no DTD loading, entity expansion or network access, and any document
that carries a DOCTYPE is refused. Parse failures are reported the way libxml2 words them
inside the real gateway's XL03000003 errors:
"Fatal Error 76: Opening and ending tag mismatch: ... Line: 18, column: 62."
"""

from __future__ import annotations

from lxml import etree

from mapsync.engine import safexml

MAX_BODY_BYTES = 32 * 1024 * 1024


class XmlRejected(ValueError):
    """The request body is not acceptable XML; `messages` are libxml2-style descriptions."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def parse_request(body: bytes) -> etree._Element:
    """Parse a request body; raise XmlRejected for malformed, oversized or DOCTYPE-bearing XML."""
    try:
        return safexml.parse(body, max_bytes=MAX_BODY_BYTES)
    except safexml.UnsafeXml as exc:
        raise XmlRejected(exc.messages) from None


has_doctype = safexml.has_doctype


def child_text(parent: etree._Element, name: str, default: str | None = None) -> str | None:
    """The text of the first child called `name` ("" for an empty element), else `default`."""
    child = parent.find(name)
    if child is None:
        return default
    return (child.text or "").strip()


def children(parent: etree._Element) -> list[etree._Element]:
    """Element children only (comments and processing instructions are dropped at parse)."""
    return [c for c in parent if isinstance(c.tag, str)]
