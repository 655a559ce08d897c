"""The one safe XML parser: Intacct responses (client) and requests (sandbox), Salesforce
SOAP login answers (client) and requests (sandbox), and outbound messages (`listen`).

Untrusted XML is parsed without DTD loading, entity expansion or network access, with
libxml2's default depth and size limits (`huge_tree=False`), and any document that carries a
DOCTYPE (the only place entities can be declared) is refused, before parsing when the
declaration is visible in the head and after parsing otherwise. Failures are `UnsafeXml`,
which carries libxml2-style messages ("Fatal Error 76: Opening and ending tag mismatch: ...
Line: 18, column: 62.") that each caller turns into its own error.
"""

from __future__ import annotations

from lxml import etree

from mapsync.engine.errors import MapsyncError

_DOCTYPE_MESSAGE = "Error 1: DOCTYPE and entity declarations are not allowed. Line: 1, column: 1."
_EMPTY_MESSAGE = "Fatal Error 4: Document is empty. Line: 1, column: 1."


class UnsafeXml(MapsyncError, ValueError):
    """The body is not acceptable XML; `reason` is short, `messages` are libxml2's own words."""

    def __init__(self, reason: str, messages: list[str], kind: str = "malformed") -> None:
        super().__init__(reason)
        self.reason = reason
        self.messages = messages
        self.kind = kind  # too-large, empty, doctype or malformed


def parser(*, keep_blank_text: bool = True) -> etree.XMLParser:
    """A parser that resolves nothing external and drops comments and processing instructions."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        remove_blank_text=not keep_blank_text,
    )


def lenient_parser() -> etree.XMLParser:
    """The same guarantees, recovering what it can of a malformed document (for echoing the
    control block of a broken request, as the real gateway does)."""
    return etree.XMLParser(recover=True, resolve_entities=False, no_network=True,
                           load_dtd=False, huge_tree=False)


def parse(body: bytes, *, max_bytes: int, keep_blank_text: bool = True) -> etree._Element:
    """The root element of `body`; UnsafeXml for oversize, empty, malformed or DOCTYPE XML."""
    if len(body) > max_bytes:
        raise UnsafeXml(f"larger than the {max_bytes} byte limit",
                        [f"Request larger than {max_bytes} bytes."], "too-large")
    if not body.strip():
        raise UnsafeXml("empty document", [_EMPTY_MESSAGE], "empty")
    if b"<!DOCTYPE" in body[:4096].upper() or b"<!ENTITY" in body.upper():
        raise UnsafeXml("declares a DOCTYPE or entities (refused)", [_DOCTYPE_MESSAGE], "doctype")
    xml_parser = parser(keep_blank_text=keep_blank_text)
    try:
        root = etree.fromstring(body, xml_parser)
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"not well-formed XML ({exc.msg})", _messages(xml_parser.error_log)) \
            from None
    if has_doctype(root) or _has_entities(root):
        raise UnsafeXml("declares a DOCTYPE or entities (refused)", [_DOCTYPE_MESSAGE], "doctype")
    return root


def _messages(log: etree._ListErrorLog) -> list[str]:
    messages = []
    for entry in log:
        message = entry.message.rstrip(".").strip()
        level = "Fatal Error" if entry.level_name == "FATAL" else "Error"
        messages.append(
            f"{level} {entry.type}: {message}. Line: {entry.line}, column: {entry.column}."
        )
    return messages or [_EMPTY_MESSAGE]


def has_doctype(root: etree._Element) -> bool:
    """True when the document declares a DOCTYPE (internal subset or external id)."""
    docinfo = root.getroottree().docinfo
    return bool(getattr(docinfo, "doctype", "")) or docinfo.internalDTD is not None


def _has_entities(root: etree._Element) -> bool:
    return any(isinstance(node, etree._Entity) for node in root.iter())
