"""The registry of gateway functions: one handler per function element name.

Each entry knows whether it writes (so the gateway takes the write lock) and which child
elements the request schema requires (missing ones are XL03000003 control failures, as
the real gateway's schema validation reports them).
"""

from __future__ import annotations

from lxml import etree

from mapsync.engine.sandbox.intacct import legacy, meta, reads, writes
from mapsync.engine.sandbox.intacct.context import Function, Validator
from mapsync.engine.sandbox.intacct.xml import children


def _needs_objects(element: etree._Element) -> list[str]:
    if children(element):
        return []
    return [f"Element '{element.tag}': Missing child element(s). Expected is ( ##any )."]


def _one_of(*names: str) -> Validator:
    def check(element: etree._Element) -> list[str]:
        if any(element.find(n) is not None for n in names):
            return []
        expected = ", ".join(names)
        return [
            f"Element '{element.tag}': Missing child element(s). Expected is one of ( {expected} )."
        ]

    return check


def _needs_key(element: etree._Element) -> list[str]:
    if element.get("key"):
        return []
    return [f"Element '{element.tag}': The attribute 'key' is required but missing."]


def _sotransaction(element: etree._Element) -> list[str]:
    items = element.findall("sotransitems/sotransitem")
    if not items:
        return ["Element 'sotransitems': Missing child element(s). Expected is ( sotransitem )."]
    for item in items:
        for name in ("itemid", "quantity"):
            if item.find(name) is None:
                return [f"Element 'sotransitem': Missing child element(s). Expected is ( {name} )."]
    return []


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function("getAPISession", meta.get_api_session),
        Function("readByQuery", reads.read_by_query, required=("object", "query")),
        Function(
            "readMore", reads.read_more, validate=_one_of("object", "view", "reportId", "resultId")
        ),
        Function("read", reads.read, required=("object", "keys")),
        Function("readByName", reads.read_by_name, required=("object", "keys")),
        Function("query", reads.query, required=("object", "select")),
        Function("lookup", meta.lookup, required=("object",)),
        Function("inspect", meta.inspect, validate=_one_of("object", "name")),
        Function("create", writes.create, writes=True, validate=_needs_objects),
        Function("update", writes.update, writes=True, validate=_needs_objects),
        Function("delete", writes.delete, writes=True, required=("object", "keys")),
        Function(
            "create_sotransaction",
            legacy.create_sotransaction,
            writes=True,
            required=("transactiontype", "datecreated", "customerid", "sotransitems"),
            validate=_sotransaction,
        ),
        Function(
            "update_sotransaction", legacy.update_sotransaction, writes=True, validate=_needs_key
        ),
        Function(
            "delete_sotransaction", legacy.delete_sotransaction, writes=True, validate=_needs_key
        ),
    )
}
