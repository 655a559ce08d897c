"""`mapsync.yaml`: loading, validating (with the key and line of each problem) and defaults.

    config = load_config("mapsync.yaml")           # raises ConfigError listing every problem
    password = config.intacct.user_password.reveal()

The file is checked against `schemas/config.schema.json` and then for secrets: a secret is
never written inline (`user_password: hunter2` is an error that names the key); it is named
by an environment variable (`user_password_env`) or a file (`user_password_file`), and only
read by `Secret.reveal()` when a connection is made. Relative paths are relative to the
folder of the configuration file.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from mapsync.engine.resources import rules_dir, schema_file

DEFAULT_CONFIG = "mapsync.yaml"
DEFAULT_STATE_PATH = ".mapsync/state.db"
INTACCT_ENDPOINT = "https://api.intacct.com/ia/xml/xmlgw.phtml"
SALESFORCE_LOGIN_URL = "https://login.salesforce.com"

AuthMethod = Literal["client_credentials", "jwt", "password", "session"]
KeyPath = tuple[str | int, ...]

# Secrets each connection may name, and the credentials each Salesforce auth method needs.
_SECRETS = {
    "intacct": ("sender_password", "user_password", "session_id"),
    "salesforce": ("client_secret", "password", "security_token", "session_id"),
}
_INLINE_SECRETS = {"intacct": _SECRETS["intacct"],
                   "salesforce": (*_SECRETS["salesforce"], "private_key")}
_AUTH_NEEDS: dict[str, tuple[str, ...]] = {
    "client_credentials": ("client_id", "client_secret"),
    "jwt": ("client_id", "username", "private_key_file"),
    "password": ("username", "password"),
    "session": ("instance_url", "session_id"),
}


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem: where (file, line, column, dotted key) and what."""

    path: str
    line: int
    column: int
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.key}: " if self.key else ""
        return f"{self.path}:{self.line}:{self.column}: {where}{self.message}"


class ConfigError(Exception):
    """The configuration is invalid or a secret cannot be read; every problem is listed.

    Fix the keys named (the line numbers point into the file), then run again.
    """

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = sorted(issues, key=lambda i: (i.path, i.line, i.column, i.key))
        super().__init__("\n".join(str(i) for i in self.issues))


@dataclass(frozen=True, slots=True)
class Secret:
    """Where a secret lives (environment variable or file); it holds no secret itself."""

    key: str
    env: str | None = None
    file: Path | None = None

    def reveal(self) -> str:
        """The secret's value; ConfigError (naming the variable or file) when it is missing."""
        if self.env is not None:
            value = os.environ.get(self.env)
            if not value:
                raise _fatal(self.key, f"environment variable {self.env} is not set")
            return value
        assert self.file is not None
        try:
            return self.file.read_text("utf-8").rstrip("\r\n")
        except OSError as exc:
            raise _fatal(self.key, f"cannot read {self.file}: {exc.strerror}") from None


@dataclass(frozen=True, slots=True)
class IntacctSettings:
    """How to reach the Intacct company (connections.intacct)."""

    sender_id: str
    sender_password: Secret
    company_id: str
    user_id: str
    user_password: Secret | None
    session_id: Secret | None = None
    endpoint: str = INTACCT_ENDPOINT
    entity_id: str | None = None
    timezone: str = "UTC"
    ca_bundle: Path | None = None
    timeout_seconds: float = 60.0


@dataclass(frozen=True, slots=True)
class SalesforceSettings:
    """How to reach the Salesforce org (connections.salesforce)."""

    auth: AuthMethod
    login_url: str = SALESFORCE_LOGIN_URL
    instance_url: str | None = None
    api_version: str | None = None
    client_id: str | None = None
    client_secret: Secret | None = None
    username: str | None = None
    password: Secret | None = None
    security_token: Secret | None = None
    private_key_file: Path | None = None
    session_id: Secret | None = None
    ca_bundle: Path | None = None
    timeout_seconds: float = 60.0
    daily_api_budget: int | None = None
    api_reserve: int = 0


@dataclass(frozen=True, slots=True)
class BatchSizes:
    """Records per API call (options.batch_sizes)."""

    intacct_read: int = 1000
    intacct_write: int = 100
    salesforce_read: int = 2000
    salesforce_write: int = 200
    bulk_threshold: int = 3600  # the measured Collections vs Bulk 2.0 crossover


@dataclass(frozen=True, slots=True)
class Options:
    """How the standard rules behave (options)."""

    price_source: Literal["order-entry", "contract"] = "order-entry"
    create_intacct_customers_from_accounts: bool = True
    sales_document_relationship: Literal["one-to-one", "one-to-many"] = "one-to-one"
    overlap_seconds: int = 300
    batch_sizes: BatchSizes = field(default_factory=BatchSizes)


@dataclass(frozen=True, slots=True)
class StateSettings:
    """Where state is kept: a SQLite file, or a PostgreSQL URL when `url` is set."""

    path: Path
    url: str | None = None
    pair: str = "default"


@dataclass(frozen=True, slots=True)
class ListenSettings:
    """Where `mapsync listen` serves and whom it accepts (listen)."""

    organization_id: str | None = None
    host: str = "127.0.0.1"
    port: int = 8642
    shared_secret: Secret | None = None
    allowed_sources: tuple[str, ...] = ()
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    behind_tls_proxy: bool = False
    max_body_bytes: int = 1_048_576
    lock_timeout_seconds: float = 30.0


@dataclass(frozen=True, slots=True)
class Config:
    """A validated mapsync.yaml. `rules` is the rules folder or file to compile."""

    file: Path
    intacct: IntacctSettings
    salesforce: SalesforceSettings
    rules: Path
    mappings: tuple[str, ...] | None
    options: Options
    state: StateSettings
    listen: ListenSettings = field(default_factory=ListenSettings)


def load_config(path: str | Path = DEFAULT_CONFIG) -> Config:
    """Read and validate a configuration file; raises ConfigError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError([ConfigIssue(str(path), 1, 1, "", f"cannot read: {exc.strerror}")]) \
            from None
    return parse_config(text, path)


def parse_config(text: str, path: str | Path = DEFAULT_CONFIG) -> Config:
    """Validate configuration text read from `path` (used for messages and relative paths)."""
    document = _Document.parse(text, str(path))
    issues = _validate(document)
    if issues:
        raise ConfigError(issues)
    return _build(document.data, Path(path))


def validate_text(text: str, path: str = DEFAULT_CONFIG) -> list[ConfigIssue]:
    """Every problem of configuration text (empty when valid)."""
    try:
        return _validate(_Document.parse(text, path))
    except ConfigError as exc:
        return exc.issues


# --- the YAML document with positions -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Document:
    """The parsed YAML and the line/column of every key path in it."""

    path: str
    data: Any
    marks: Mapping[KeyPath, tuple[int, int]]

    @classmethod
    def parse(cls, text: str, path: str) -> _Document:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            raise ConfigError([ConfigIssue(path, line, column, "", f"not valid YAML: "
                                           f"{exc.problem or exc}")]) from None
        finally:
            loader.dispose()
        marks: dict[KeyPath, tuple[int, int]] = {(): (1, 1)}
        if node is not None:
            _collect_marks(node, (), marks)
        return cls(path, data, marks)

    def issue(self, key: KeyPath, message: str) -> ConfigIssue:
        """An issue at `key`, or at its nearest enclosing key that exists in the file."""
        probe = key
        while probe not in self.marks:
            probe = probe[:-1]
        line, column = self.marks[probe]
        return ConfigIssue(self.path, line, column, _dotted(key), message)


def _collect_marks(node: yaml.Node, key: KeyPath, marks: dict[KeyPath, tuple[int, int]]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*key, str(key_node.value))
            marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _collect_marks(value_node, child, marks)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*key, index)
            marks[child] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _collect_marks(item, child, marks)


def _dotted(key: KeyPath) -> str:
    text = ""
    for part in key:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


# --- validation ---------------------------------------------------------------------------


def _validate(document: _Document) -> list[ConfigIssue]:
    """Schema, inline-secret and credential checks of a parsed document."""
    data = document.data
    if not isinstance(data, Mapping):
        return [document.issue((), "expected a mapping of settings (see `mapsync init`)")]
    issues = list(_inline_secrets(document))
    reported = {i.key for i in issues}
    for error in _validator().iter_errors(data):
        issues.extend(i for i in _schema_issues(document, error) if i.key not in reported)
    if not issues:
        issues.extend(_credential_issues(document))
    return issues


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    schema = json.loads(schema_file("config.schema.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _inline_secrets(document: _Document) -> Iterator[ConfigIssue]:
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
                                     f"secrets are never written in the configuration: {hint}")


def _schema_issues(document: _Document, error: ValidationError) -> Iterator[ConfigIssue]:
    key: KeyPath = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        allowed = sorted(schema.get("properties", {}))
        for extra in sorted(set(error.instance) - set(allowed)):
            close = difflib.get_close_matches(str(extra), allowed, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            yield document.issue((*key, str(extra)), f"unknown key{hint}")
        return
    if error.validator == "required" and isinstance(error.validator_value, list):
        for name in error.validator_value:
            if isinstance(error.instance, Mapping) and name not in error.instance:
                yield document.issue(key, f"missing required key {name!r}")
        return
    yield document.issue(key, _message(error))


def _message(error: ValidationError) -> str:
    if error.validator == "enum":
        choices = error.validator_value if isinstance(error.validator_value, list) else []
        return f"{error.instance!r} is not one of {', '.join(map(str, choices))}"
    if error.validator == "pattern" and str(error.validator_value).startswith("^[A-Za-z_]"):
        return f"{error.instance!r} is not an environment variable name"
    if error.validator == "not" and error.validator_value == {"required": ["path", "url"]}:
        return "give either path or url, not both"
    return error.message


def _credential_issues(document: _Document) -> Iterator[ConfigIssue]:
    connections = document.data["connections"]
    intacct, salesforce = connections["intacct"], connections["salesforce"]
    for system, section in (("intacct", intacct), ("salesforce", salesforce)):
        for name in _SECRETS[system]:
            if f"{name}_env" in section and f"{name}_file" in section:
                yield document.issue(("connections", system, f"{name}_file"),
                                     f"give either {name}_env or {name}_file, not both")
    needs = ["sender_password"]
    if not _has_secret(intacct, "session_id"):
        needs.append("user_password")
    yield from _missing(document, "intacct", intacct, needs, "")
    auth = salesforce["auth"]
    yield from _missing(document, "salesforce", salesforce, _AUTH_NEEDS[auth],
                        f" for auth {auth}")


def _missing(document: _Document, system: str, section: Mapping[str, Any],
             names: Any, why: str) -> Iterator[ConfigIssue]:
    for name in names:
        if name in _SECRETS[system]:
            if not _has_secret(section, name):
                yield document.issue(("connections", system),
                                     f"{name}_env or {name}_file is required{why}")
        elif name not in section:
            yield document.issue(("connections", system), f"{name} is required{why}")


def _has_secret(section: Mapping[str, Any], name: str) -> bool:
    return f"{name}_env" in section or f"{name}_file" in section


def _fatal(key: str, message: str) -> ConfigError:
    return ConfigError([ConfigIssue("", 0, 0, key, message)])


# --- building the settings -----------------------------------------------------------------


def _build(data: Mapping[str, Any], file: Path) -> Config:
    base = file.parent
    connections = data["connections"]
    rules = data.get("rules")
    state = data.get("state") or {}
    mappings = data.get("mappings")
    return Config(
        file=file,
        intacct=_intacct(connections["intacct"], base),
        salesforce=_salesforce(connections["salesforce"], base),
        rules=base / rules if rules else rules_dir(),
        mappings=tuple(mappings) if mappings is not None else None,
        options=_options(data.get("options") or {}),
        state=StateSettings(path=base / state.get("path", DEFAULT_STATE_PATH),
                            url=state.get("url"), pair=state.get("pair", "default")),
        listen=_listen(data.get("listen") or {}, base),
    )


def _secret(section: Mapping[str, Any], system: str, name: str, base: Path) -> Secret | None:
    key = f"connections.{system}.{name}"
    if f"{name}_env" in section:
        return Secret(key, env=section[f"{name}_env"])
    if f"{name}_file" in section:
        return Secret(key, file=base / section[f"{name}_file"])
    return None


def _path(value: str | None, base: Path) -> Path | None:
    return base / value if value else None


def _intacct(section: Mapping[str, Any], base: Path) -> IntacctSettings:
    sender_password = _secret(section, "intacct", "sender_password", base)
    assert sender_password is not None  # validated
    return IntacctSettings(
        sender_id=section["sender_id"],
        sender_password=sender_password,
        company_id=section["company_id"],
        user_id=section["user_id"],
        user_password=_secret(section, "intacct", "user_password", base),
        session_id=_secret(section, "intacct", "session_id", base),
        endpoint=section.get("endpoint", INTACCT_ENDPOINT),
        entity_id=section.get("entity_id"),
        timezone=section.get("timezone", "UTC"),
        ca_bundle=_path(section.get("ca_bundle"), base),
        timeout_seconds=float(section.get("timeout_seconds", 60.0)),
    )


def _salesforce(section: Mapping[str, Any], base: Path) -> SalesforceSettings:
    return SalesforceSettings(
        auth=section["auth"],
        login_url=section.get("login_url", SALESFORCE_LOGIN_URL),
        instance_url=section.get("instance_url"),
        api_version=section.get("api_version"),
        client_id=section.get("client_id"),
        client_secret=_secret(section, "salesforce", "client_secret", base),
        username=section.get("username"),
        password=_secret(section, "salesforce", "password", base),
        security_token=_secret(section, "salesforce", "security_token", base),
        private_key_file=_path(section.get("private_key_file"), base),
        session_id=_secret(section, "salesforce", "session_id", base),
        ca_bundle=_path(section.get("ca_bundle"), base),
        timeout_seconds=float(section.get("timeout_seconds", 60.0)),
        daily_api_budget=section.get("daily_api_budget"),
        api_reserve=int(section.get("api_reserve", 0)),
    )


def _listen(section: Mapping[str, Any], base: Path) -> ListenSettings:
    secret = None
    if "shared_secret_env" in section:
        secret = Secret("listen.shared_secret", env=section["shared_secret_env"])
    elif "shared_secret_file" in section:
        secret = Secret("listen.shared_secret", file=base / section["shared_secret_file"])
    return ListenSettings(
        organization_id=section.get("organization_id"),
        host=section.get("host", "127.0.0.1"),
        port=int(section.get("port", 8642)),
        shared_secret=secret,
        allowed_sources=tuple(section.get("allowed_sources", ())),
        tls_cert_file=_path(section.get("tls_cert_file"), base),
        tls_key_file=_path(section.get("tls_key_file"), base),
        behind_tls_proxy=bool(section.get("behind_tls_proxy", False)),
        max_body_bytes=int(section.get("max_body_bytes", 1_048_576)),
        lock_timeout_seconds=float(section.get("lock_timeout_seconds", 30.0)),
    )


def _options(section: Mapping[str, Any]) -> Options:
    batches = section.get("batch_sizes") or {}
    return Options(
        price_source=section.get("price_source", "order-entry"),
        create_intacct_customers_from_accounts=section.get(
            "create_intacct_customers_from_accounts", True),
        sales_document_relationship=section.get("sales_document_relationship", "one-to-one"),
        overlap_seconds=section.get("overlap_seconds", 300),
        batch_sizes=BatchSizes(**batches),
    )
