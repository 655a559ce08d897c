"""Validation of a parsed `mapsync.yaml`: schema, secrets, credentials and time zone.

Every problem is a `Diagnostic` at the line of the key it is about. Messages say which key
is wrong and why, and never repeat the value: a password pasted into a `*_env` or `*_file`
key, or given with the wrong type, must not end up in a terminal or a CI log.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from mapsync.engine.config_yaml import Document, KeyPath
from mapsync.engine.diagnostics import Diagnostic
from mapsync.engine.resources import schema_file

# Secrets each connection may name, and the credentials each Salesforce auth method needs.
SECRETS = {
    "intacct": ("sender_password", "user_password", "session_id"),
    "salesforce": ("client_secret", "password", "security_token", "session_id"),
}
_INLINE_SECRETS = {"intacct": SECRETS["intacct"],
                   "salesforce": (*SECRETS["salesforce"], "private_key")}
_AUTH_NEEDS: dict[str, tuple[str, ...]] = {
    "client_credentials": ("client_id", "client_secret"),
    "jwt": ("client_id", "username", "private_key_file"),
    "password": ("username", "password"),
    "session": ("instance_url", "session_id"),
}
_TYPES = {"string": "text", "integer": "a whole number", "number": "a number",
          "boolean": "true or false", "object": "a mapping of keys", "array": "a list"}


def validate(document: Document) -> list[Diagnostic]:
    """Schema, inline-secret, time zone and credential checks of a parsed document."""
    data = document.data
    if not isinstance(data, Mapping):
        return [document.issue((), "expected a mapping of settings (see `mapsync init`)")]
    issues = list(_inline_secrets(document))
    reported = {i.message.split(":", 1)[0] for i in issues}
    for error in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.path))):
        issues.extend(i for i in _schema_issues(document, error)
                      if i.message.split(":", 1)[0] not in reported)
    issues.extend(_timezone_issues(document))
    if not issues:
        issues.extend(_credential_issues(document))
    return issues


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    schema = json.loads(schema_file("config.schema.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _inline_secrets(document: Document) -> Iterator[Diagnostic]:
    connections = document.data.get("connections")
    if not isinstance(connections, Mapping):
        return
    for system, names in _INLINE_SECRETS.items():
        section = connections.get(system)
        if not isinstance(section, Mapping):
            continue
        for name in names:
            if name in section:
                hint = (f"name a file with {name}_file" if name == "private_key" else
                        f"use {name}_env (an environment variable) or {name}_file (a file)")
                yield document.issue(("connections", system, name),
                                     f"secrets are never written in the configuration: {hint}",
                                     "config-inline-secret")


def _schema_issues(document: Document, error: ValidationError) -> Iterator[Diagnostic]:
    key: KeyPath = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        allowed = sorted(schema.get("properties", {}))
        for extra in sorted(str(k) for k in set(error.instance) - set(allowed)):
            close = difflib.get_close_matches(extra, allowed, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            yield document.issue((*key, extra), f"unknown key{hint}", "config-key")
        return
    if error.validator == "required" and isinstance(error.validator_value, list):
        for name in error.validator_value:
            if isinstance(error.instance, Mapping) and name not in error.instance:
                yield document.issue(key, f"missing required key {name!r}", "config-key")
        return
    yield document.issue(key, _message(error))


def _message(error: ValidationError) -> str:
    """Why a value is wrong, without repeating it (it may be a secret put in by mistake)."""
    rule, expected = error.validator, error.validator_value
    if rule == "enum" and isinstance(expected, list):
        return f"expected one of {', '.join(map(str, expected))}"
    if rule == "const":
        return f"expected {expected!r}"
    if rule == "type":
        names = expected if isinstance(expected, list) else [expected]
        return "expected " + " or ".join(_TYPES.get(str(n), str(n)) for n in names)
    if rule == "pattern" and str(expected).startswith("^[A-Za-z_]"):
        return "is not an environment variable name (letters, digits and _ only)"
    if rule == "pattern" and "https?" in str(expected):
        return "expected an http:// or https:// URL"
    if rule == "pattern" and "postgres" in str(expected):
        return "expected a postgresql:// URL"
    if rule == "pattern":
        return f"does not match the pattern {expected}"
    if rule == "not" and expected == {"required": ["path", "url"]}:
        return "give either path or url, not both"
    if rule in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        word = {"minimum": "at least", "exclusiveMinimum": "more than",
                "maximum": "at most", "exclusiveMaximum": "less than"}[str(rule)]
        return f"must be {word} {expected}"
    if rule == "minLength":
        return "must not be empty"
    if rule == "uniqueItems":
        return "lists a name twice"
    if rule == "minItems":
        return "is empty, so nothing would run; leave the key out to run every mapping"
    return f"is not valid ({rule})"


def _timezone_issues(document: Document) -> Iterator[Diagnostic]:
    connections = document.data.get("connections")
    intacct = connections.get("intacct") if isinstance(connections, Mapping) else None
    name = intacct.get("timezone") if isinstance(intacct, Mapping) else None
    if not isinstance(name, str) or not name:
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        yield document.issue(("connections", "intacct", "timezone"),
                             "not a known IANA time zone (e.g. UTC, America/New_York)")


def _credential_issues(document: Document) -> Iterator[Diagnostic]:
    connections = document.data["connections"]
    intacct, salesforce = connections["intacct"], connections["salesforce"]
    for system, section in (("intacct", intacct), ("salesforce", salesforce)):
        for name in SECRETS[system]:
            if f"{name}_env" in section and f"{name}_file" in section:
                yield document.issue(("connections", system, f"{name}_file"),
                                     f"give either {name}_env or {name}_file, not both",
                                     "config-secret")
    needs = ["sender_password"]
    if not has_secret(intacct, "session_id"):
        needs.append("user_password")
    yield from _missing(document, "intacct", intacct, needs, "")
    auth = salesforce["auth"]
    yield from _missing(document, "salesforce", salesforce, _AUTH_NEEDS[auth],
                        f" for auth {auth}")


def _missing(document: Document, system: str, section: Mapping[str, Any],
             names: Any, why: str) -> Iterator[Diagnostic]:
    for name in names:
        if name in SECRETS[system]:
            if not has_secret(section, name):
                yield document.issue(("connections", system),
                                     f"{name}_env or {name}_file is required{why}",
                                     "config-secret")
        elif name not in section:
            yield document.issue(("connections", system), f"{name} is required{why}",
                                 "config-key")


def has_secret(section: Mapping[str, Any], name: str) -> bool:
    """True when the section names the secret by variable or file."""
    return f"{name}_env" in section or f"{name}_file" in section
