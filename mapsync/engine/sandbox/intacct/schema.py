"""Request-schema checks the real gateway makes before running anything (XL03000003).

A subset of `api.v3.0.xsd`: the request/control/operation/authentication/content/function
skeleton, the function element names the sandbox serves, and each function's required
children. Messages follow libxml2's schema-validation wording.
"""

from __future__ import annotations

from lxml import etree

from mapsync.engine.sandbox.intacct.functions import FUNCTIONS
from mapsync.engine.sandbox.intacct.xml import children

_MISSING = "Element '{0}': Missing child element(s). Expected is ( {1} )."


def problems(root: etree._Element) -> list[str]:
    """Every schema problem of a parsed request ([] when it may run)."""
    if root.tag != "request":
        return [
            f"Element '{root.tag}': No matching global declaration available "
            "for the validation root."
        ]
    found = _control(root)
    operations = root.findall("operation")
    if not operations:
        found.append(_MISSING.format("request", "operation"))
    for operation in operations:
        found += _operation(operation)
    return found


def _control(root: etree._Element) -> list[str]:
    control = root.find("control")
    if control is None:
        return [_MISSING.format("request", "control")]
    found = [
        _MISSING.format("control", n) for n in ("senderid", "controlid") if control.find(n) is None
    ]
    version = (control.findtext("dtdversion") or "3.0").strip()
    if version not in ("3.0", "2.1"):
        found.append(
            f"Element 'dtdversion': [facet 'enumeration'] The value '{version}' is not an element "
            "of the set {'2.1', '3.0'}."
        )
    return found


def _operation(operation: etree._Element) -> list[str]:
    found = _authentication(operation.find("authentication"))
    if operation.get("transaction", "false") not in ("true", "false"):
        found.append(
            "Element 'operation', attribute 'transaction': [facet 'enumeration'] The value "
            f"'{operation.get('transaction')}' is not an element of the set {{'true', 'false'}}."
        )
    contents = operation.findall("content")
    for content in contents:
        functions = content.findall("function")
        if not functions:
            found.append(_MISSING.format("content", "function"))
        for function in functions:
            found += _function(function)
    return found


def _authentication(auth: etree._Element | None) -> list[str]:
    if auth is None:
        return [_MISSING.format("operation", "authentication")]
    login = auth.find("login")
    if login is None and auth.find("sessionid") is None:
        return [
            "Element 'authentication': Missing child element(s). "
            "Expected is one of ( login, sessionid, oauth )."
        ]
    if login is None:
        return []
    return [
        _MISSING.format("login", n)
        for n in ("userid", "companyid", "password")
        if login.find(n) is None
    ]


def _function(function: etree._Element) -> list[str]:
    if function.get("controlid") is None:
        return ["Element 'function': The attribute 'controlid' is required but missing."]
    body = children(function)
    if len(body) != 1:
        return [_MISSING.format("function", "one function element")]
    spec = FUNCTIONS.get(str(body[0].tag))
    if spec is None:
        return [f"Element '{body[0].tag}': This element is not expected."]
    return spec.schema_problems(body[0])
