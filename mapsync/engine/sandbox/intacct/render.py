"""Building response XML: the envelope, the authentication block and record elements.

Records print every requested field, empty ones as empty elements. Dotted catalog names
(`DISPLAYCONTACT.MAILADDRESS.CITY`) nest as elements for read/readByQuery/create results
and stay literal element names for `query`, as the real service does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from mapsync.engine.catalog import FieldInfo, ObjectInfo
from mapsync.engine.sandbox.intacct.errors import Chain, errormessage
from mapsync.engine.sandbox.intacct.sessions import Session
from mapsync.engine.sandbox.intacct.values import Stored, format_stored

PROTOCOL_FIELDS = ("RECORDNO", "WHENCREATED", "WHENMODIFIED")


@dataclass(frozen=True, slots=True)
class ControlEcho:
    """The control values echoed back in every response."""

    senderid: str = ""
    controlid: str = ""
    uniqueid: str = "false"
    dtdversion: str = "3.0"


def iso(moment: datetime) -> str:
    """ISO 8601 with offset, as in `sessiontimestamp` (the sandbox runs in UTC)."""
    return moment.replace(microsecond=0).isoformat() + "+00:00"


def text_element(parent: etree._Element, tag: str, text: str = "") -> etree._Element:
    """Append `<tag>text</tag>` to `parent`."""
    child = etree.SubElement(parent, tag)
    child.text = text
    return child


def control_element(echo: ControlEcho, status: str) -> etree._Element:
    """`<control>` with status and the echoed request values."""
    control = etree.Element("control")
    text_element(control, "status", status)
    text_element(control, "senderid", echo.senderid)
    text_element(control, "controlid", echo.controlid)
    text_element(control, "uniqueid", echo.uniqueid)
    text_element(control, "dtdversion", echo.dtdversion)
    return control


def control_failure(echo: ControlEcho, chain: Chain) -> etree._Element:
    """A whole response refused at control level (no `<operation>`)."""
    response = etree.Element("response")
    response.append(control_element(echo, "failure"))
    response.append(errormessage(chain))
    return response


def gateway_failure(chain: Chain) -> etree._Element:
    """A gateway-level refusal (GW-nnnn): control holds only the status."""
    response = etree.Element("response")
    control = etree.SubElement(response, "control")
    text_element(control, "status", "failure")
    response.append(errormessage(chain, minimal=True))
    return response


def auth_success(session: Session, now: datetime) -> etree._Element:
    """`<authentication>` for a good login or session."""
    auth = etree.Element("authentication")
    text_element(auth, "status", "success")
    text_element(auth, "userid", session.user_id)
    text_element(auth, "companyid", session.company_id)
    text_element(auth, "locationid", session.location_id)
    text_element(auth, "sessiontimestamp", iso(now))
    text_element(auth, "sessiontimeout", iso(session.expires))
    return auth


def auth_failure(user_id: str, company_id: str) -> etree._Element:
    """`<authentication>` for a refused login or session."""
    auth = etree.Element("authentication")
    text_element(auth, "status", "failure")
    text_element(auth, "userid", user_id)
    text_element(auth, "companyid", company_id)
    return auth


def result_element(status: str, function: str, controlid: str) -> etree._Element:
    """The head of a `<result>`: status, function, controlid."""
    result = etree.Element("result")
    text_element(result, "status", status)
    text_element(result, "function", function)
    text_element(result, "controlid", controlid)
    return result


def data_element(attributes: Mapping[str, str | int]) -> etree._Element:
    """`<data>` with attributes in the given order."""
    data = etree.Element("data")
    for name, value in attributes.items():
        data.set(name, str(value))
    return data


def serialize(response: etree._Element, pretty: bool) -> bytes:
    """The response document as UTF-8 bytes with the gateway's XML declaration."""
    body = etree.tostring(response, encoding="UTF-8", pretty_print=pretty)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + bytes(body)


# -- records ----------------------------------------------------------------------------

FieldLookup = Callable[[str], FieldInfo | None]


def all_fields(info: ObjectInfo) -> list[str]:
    """Every catalog field of `info` in catalog order, protocol fields included."""
    names = list(info.fields)
    names += [n for n in PROTOCOL_FIELDS if n not in info.fields]
    return names


def resolve_fields(info: ObjectInfo, requested: str | None) -> tuple[list[str], list[str]]:
    """(fields to print, unknown names) for a `fields` list; `*` or empty means all.

    Names are case-insensitive; a group name (`DISPLAYCONTACT`) selects its dotted fields.
    """
    names = [n.strip() for n in (requested or "").split(",") if n.strip()]
    if not names or names == ["*"]:
        return all_fields(info), []
    catalog = {n.upper(): n for n in all_fields(info)}
    chosen: list[str] = []
    unknown: list[str] = []
    for name in names:
        upper = name.upper()
        group = [n for n in all_fields(info) if n.upper().startswith(upper + ".")]
        found = [catalog[upper]] if upper in catalog else group
        if not found:
            unknown.append(name)
        chosen += [n for n in found if n not in chosen]
    return chosen, unknown


def record_element(
    tag: str,
    values: Mapping[str, Stored],
    fields: Sequence[str],
    lookup: FieldLookup,
    nested: bool = True,
) -> etree._Element:
    """One record: each field as an element (nested by dots unless `nested` is False)."""
    record = etree.Element(tag)
    groups: dict[str, etree._Element] = {}
    for name in fields:
        parent, leaf = _parent(record, groups, name) if nested else (record, name)
        child = etree.SubElement(parent, leaf)
        child.text = format_stored(lookup(name), values.get(name))
    return record


def _parent(
    record: etree._Element, groups: dict[str, etree._Element], name: str
) -> tuple[etree._Element, str]:
    parts = name.split(".")
    parent = record
    for depth in range(1, len(parts)):
        path = ".".join(parts[:depth])
        if path not in groups:
            groups[path] = etree.SubElement(parent, parts[depth - 1])
        parent = groups[path]
    return parent, parts[-1]


def extra_fields(values: Mapping[str, Stored], fields: Iterable[str]) -> list[str]:
    """Stored names no catalog lists (custom fields written by legacy functions)."""
    known = set(fields)
    return [n for n in values if n not in known]
