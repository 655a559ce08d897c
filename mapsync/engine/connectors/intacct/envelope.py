"""Request building: the `<request>` envelope, its control block and the function elements.

Everything goes through lxml, so text is XML-escaped by construction. Each function carries
its own `controlid` attribute; write requests set `<uniqueid>true</uniqueid>` so the gateway
refuses to run a function whose controlid already ran. Reads set it false (the docs advise
it, and a repeated read is harmless).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

from mapsync.engine.connectors.valuecheck import xml_problem
from mapsync.engine.errors import ValidationFailed

DTD_VERSION = "3.0"
READ_BY_QUERY_MAX_PAGE = 1000
QUERY_MAX_PAGE = 2000
# Functions in one request. Intacct documents no maximum (intacct.md 2.5: the schema allows
# any number) [uncertain]; this cap is ours, chosen as twice the write batch of 100 so a
# batch can carry a look-up or read-back function per record. The sandbox enforces it too
# (docs/quiet-runs.md).
MAX_FUNCTIONS = 200


@dataclass(frozen=True, slots=True)
class SenderCredentials:
    """The Web Services sender ID and password (control block)."""

    sender_id: str
    password: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class UserLogin:
    """A company user's login (authentication block); entity_id selects an entity session."""

    user_id: str
    company_id: str
    password: str = field(repr=False)
    entity_id: str | None = None
    client_id: str | None = None


@dataclass(frozen=True, slots=True)
class Function:
    """One `<function controlid=...>` and what it is about, for messages and result mapping."""

    controlid: str
    element: etree._Element
    name: str

    def wrapped(self) -> etree._Element:
        """A fresh `<function controlid=...>` holding a copy of the function element."""
        node = etree.Element("function", controlid=self.controlid)
        node.append(_copy(self.element))
        return node


def _copy(element: etree._Element) -> etree._Element:
    return copy.deepcopy(element)


def build_request(
    sender: SenderCredentials,
    auth: UserLogin | str,
    functions: Sequence[Function],
    *,
    controlid: str,
    uniqueid: bool,
) -> bytes:
    """The UTF-8 body of one request: control block, one operation, the functions in order.

    ValueError past MAX_FUNCTIONS: callers split their functions into requests.
    """
    if len(functions) > MAX_FUNCTIONS:
        raise ValueError(f"{len(functions)} functions in one request: at most {MAX_FUNCTIONS}")
    request = etree.Element("request")
    request.append(_control(sender, controlid, uniqueid))
    operation = etree.SubElement(request, "operation", transaction="false")
    operation.append(_authentication(auth))
    content = etree.SubElement(operation, "content")
    for function in functions:
        content.append(function.wrapped())
    return bytes(etree.tostring(request, xml_declaration=True, encoding="UTF-8"))


def _control(sender: SenderCredentials, controlid: str, uniqueid: bool) -> etree._Element:
    control = etree.Element("control")
    _sub(control, "senderid", sender.sender_id)
    _sub(control, "password", sender.password)
    _sub(control, "controlid", controlid)
    _sub(control, "uniqueid", "true" if uniqueid else "false")
    _sub(control, "dtdversion", DTD_VERSION)
    _sub(control, "includewhitespace", "false")
    return control


def _authentication(auth: UserLogin | str) -> etree._Element:
    node = etree.Element("authentication")
    if isinstance(auth, str):
        _sub(node, "sessionid", auth)
        return node
    login = etree.SubElement(node, "login")
    _sub(login, "userid", auth.user_id)
    _sub(login, "companyid", auth.company_id)
    _sub(login, "password", auth.password)
    if auth.client_id:
        _sub(login, "clientid", auth.client_id)
    if auth.entity_id:
        _sub(login, "locationid", auth.entity_id)
    return node


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    node = etree.SubElement(parent, tag)
    if text is not None:
        reason = xml_problem(text)
        if reason:
            raise ValidationFailed(f"<{tag}> {reason}", system="intacct", code="INVALID_VALUE",
                                   field=tag)
        node.text = text
    return node


# --- function elements ---------------------------------------------------------------------


def get_api_session(entity_id: str | None = None) -> etree._Element:
    """`<getAPISession/>`, or with `<locationid>` for an entity-level session."""
    node = etree.Element("getAPISession")
    if entity_id:
        _sub(node, "locationid", entity_id)
    return node


def read_by_query(
    obj: str, query: str, fields: Sequence[str], pagesize: int, docparid: str | None = None
) -> etree._Element:
    """`<readByQuery>`: object, query (may be empty), fields, pagesize, returnFormat xml."""
    node = etree.Element("readByQuery")
    _sub(node, "object", obj)
    _sub(node, "query", query)
    _sub(node, "fields", ",".join(fields) if fields else "*")
    _sub(node, "pagesize", str(_bounded(pagesize, READ_BY_QUERY_MAX_PAGE)))
    _sub(node, "returnFormat", "xml")
    if docparid:
        _sub(node, "docparid", docparid)
    return node


def read_more(result_id: str) -> etree._Element:
    """`<readMore><resultId>` for the next page of a readByQuery result set."""
    node = etree.Element("readMore")
    _sub(node, "resultId", result_id)
    return node


def query(
    obj: str,
    fields: Sequence[str],
    *,
    filter_: etree._Element | None = None,
    orderby: Sequence[tuple[str, bool]] = (),
    pagesize: int = QUERY_MAX_PAGE,
    offset: int = 0,
    docparid: str | None = None,
) -> etree._Element:
    """`<query>`: select (no `*`), object, filter, orderby, options, pagesize, offset."""
    node = etree.Element("query")
    select = _sub(node, "select")
    for name in fields:
        _sub(select, "field", name)
    _sub(node, "object", obj)
    if docparid:
        _sub(node, "docparid", docparid)
    if filter_ is not None:
        _sub(node, "filter").append(filter_)
    if orderby:
        order_by = _sub(node, "orderby")
        for name, ascending in orderby:
            order = _sub(order_by, "order")
            _sub(order, "field", name)
            _sub(order, "ascending" if ascending else "descending")
    options = _sub(node, "options")
    _sub(options, "returnformat", "xml")
    _sub(node, "pagesize", str(_bounded(pagesize, QUERY_MAX_PAGE)))
    _sub(node, "offset", str(max(0, offset)))
    return node


def read(obj: str, keys: Sequence[str], fields: Sequence[str]) -> etree._Element:
    """`<read>` by RECORDNO list."""
    node = etree.Element("read")
    _sub(node, "object", obj)
    _sub(node, "keys", ",".join(keys))
    _sub(node, "fields", ",".join(fields) if fields else "*")
    _sub(node, "returnFormat", "xml")
    return node


def create(record: etree._Element) -> etree._Element:
    """Generic `<create>` of one object element (one record per function, for its own result)."""
    node = etree.Element("create")
    node.append(record)
    return node


def update(record: etree._Element) -> etree._Element:
    """Generic `<update>` of one object element identified by RECORDNO or its key."""
    node = etree.Element("update")
    node.append(record)
    return node


def delete(obj: str, record_ids: Sequence[str]) -> etree._Element:
    """Generic `<delete>` by RECORDNO list."""
    node = etree.Element("delete")
    _sub(node, "object", obj)
    _sub(node, "keys", ",".join(record_ids))
    return node


def _bounded(pagesize: int, maximum: int) -> int:
    return max(1, min(pagesize, maximum))
