"""Safe XML parsing for gateway requests, and small element helpers.

Requests are parsed without DTD loading, entity expansion or network access, and any
document that carries a DOCTYPE (the only place entities can be declared) is refused.
Parse failures are reported the way libxml2 words them inside the real gateway's
XL03000003 errors: "Fatal Error 76: Opening and ending tag mismatch: ... Line: 18, column: 62."
"""

from __future__ import annotations

from lxml import etree

MAX_BODY_BYTES = 32 * 1024 * 1024


class XmlRejected(ValueError):
    """The request body is not acceptable XML; `messages` are libxml2-style descriptions."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def _messages(log: etree._ListErrorLog) -> list[str]:
    messages = []
    for entry in log:
        message = entry.message.rstrip(".").strip()
        level = "Fatal Error" if entry.level_name == "FATAL" else "Error"
        messages.append(
            f"{level} {entry.type}: {message}. Line: {entry.line}, column: {entry.column}."
        )
    return messages or ["Fatal Error 4: Document is empty. Line: 1, column: 1."]


def parse_request(body: bytes) -> etree._Element:
    """Parse a request body; raise XmlRejected for malformed, oversized or DOCTYPE-bearing XML."""
    if len(body) > MAX_BODY_BYTES:
        raise XmlRejected([f"Request larger than {MAX_BODY_BYTES} bytes."])
    if not body.strip():
        raise XmlRejected(["Fatal Error 4: Document is empty. Line: 1, column: 1."])
    parser = _parser()
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        raise XmlRejected(_messages(parser.error_log)) from None
    if has_doctype(root) or _has_entities(root):
        raise XmlRejected(
            ["Error 1: DOCTYPE and entity declarations are not allowed. Line: 1, column: 1."]
        )
    return root


def _docinfo(root: etree._Element) -> etree.DocInfo:
    return root.getroottree().docinfo


def has_doctype(root: etree._Element) -> bool:
    """True when the document declares a DOCTYPE (internal subset or external id)."""
    docinfo = _docinfo(root)
    return bool(getattr(docinfo, "doctype", "")) or docinfo.internalDTD is not None


def _has_entities(root: etree._Element) -> bool:
    return any(isinstance(node, etree._Entity) for node in root.iter())


def child_text(parent: etree._Element, name: str, default: str | None = None) -> str | None:
    """The text of the first child called `name` ("" for an empty element), else `default`."""
    child = parent.find(name)
    if child is None:
        return default
    return (child.text or "").strip()


def children(parent: etree._Element) -> list[etree._Element]:
    """Element children only (comments and processing instructions are dropped at parse)."""
    return [c for c in parent if isinstance(c.tag, str)]
