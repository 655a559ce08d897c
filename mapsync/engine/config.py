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

import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mapsync.engine.config_check import validate
from mapsync.engine.config_yaml import MAX_BYTES, ConfigError, Document, decode, dotted, problem
from mapsync.engine.diagnostics import Diagnostic
from mapsync.engine.resources import rules_dir

__all__ = ["Config", "ConfigError", "Secret", "load_config", "parse_config", "preflight",
           "validate_text"]

DEFAULT_CONFIG = "mapsync.yaml"
# C0 controls (tab aside), DEL and lone surrogates: XML 1.0 (the Intacct control block, the
# Salesforce SOAP login) cannot hold them, and HTTP headers (OAuth) refuse them.
_UNSENDABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]")
DEFAULT_STATE_PATH = ".mapsync/state.db"
INTACCT_ENDPOINT = "https://api.intacct.com/ia/xml/xmlgw.phtml"
SALESFORCE_LOGIN_URL = "https://login.salesforce.com"
MAX_FILE_BYTES = 1024 * 1024  # secrets, keys and CA bundles are far smaller

AuthMethod = Literal["client_credentials", "jwt", "password", "session"]


@dataclass(frozen=True, slots=True)
class Secret:
    """Where a secret lives (environment variable or file); it holds no secret itself."""

    key: str
    env: str | None = None
    file: Path | None = None
    where: tuple[str, int, int] = field(default=(DEFAULT_CONFIG, 0, 0), compare=False)

    def reveal(self) -> str:
        """The secret's value; ConfigError (naming the variable or file) when it is missing
        or holds a control character, which no login request can carry."""
        if self.env is not None:
            value = os.environ.get(self.env)
            if not value:
                raise ConfigError([self.problem(f"environment variable {self.env} is not set")])
            origin = f"environment variable {self.env}"
        else:
            assert self.file is not None
            value = read_small_file(self.file, self.problem).rstrip("\r\n")
            origin = f"file {self.file}"
        found = _UNSENDABLE.search(value)
        if found is not None:
            # Named by code point only: the value itself, or where in it, is the secret.
            raise ConfigError([self.problem(
                f"{origin} holds the control character U+{ord(found.group()):04X}, which an "
                "XML or HTTP login cannot carry; set it again without it")])
        return value

    def problem(self, message: str) -> Diagnostic:
        """A diagnostic about this secret at the line of mapsync.yaml that names it."""
        path, line, column = self.where
        return problem(path, line, column, "config-secret", self.key, message)


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
    daily_api_budget: int | None = None  # shared by every worker (PostgreSQL state only)


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
    # Records per Bulk 2.0 job at most; None: no cap (a job takes up to 100 MB of CSV).
    bulk_job_records: int | None = None


@dataclass(frozen=True, slots=True)
class Concurrency:
    """How much a run does at once (options.concurrency).

    `mappings`: mappings in flight (4, the default, lets independent mappings overlap their
    waits on the two services, parents always first; 1 runs them one after another).
    `intacct`, `salesforce`: requests in flight to each service. Salesforce allows 25
    concurrent long-running (over 20 s) requests per production org (5 for Developer Edition
    and trials); Intacct's standard level of service allows one API transaction job per
    company at a time, so 1 is the safe default there (higher tiers allow more: uncertain,
    check your contract).
    """

    mappings: int = 4
    intacct: int = 1
    salesforce: int = 10


@dataclass(frozen=True, slots=True)
class ConfigOptions:
    """How the standard rules behave (options)."""

    price_source: Literal["order-entry", "contract"] = "order-entry"
    create_intacct_customers_from_accounts: bool = True
    sales_document_relationship: Literal["one-to-one", "one-to-many"] = "one-to-one"
    overlap_seconds: int = 300
    batch_sizes: BatchSizes = field(default_factory=BatchSizes)
    concurrency: Concurrency = field(default_factory=Concurrency)


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
    options: ConfigOptions
    state: StateSettings
    listen: ListenSettings = field(default_factory=ListenSettings)
    positions: Mapping[str, tuple[int, int]] = field(default_factory=dict, compare=False)


def load_config(path: str | Path = DEFAULT_CONFIG) -> Config:
    """Read and validate a configuration file; raises ConfigError listing every problem."""
    path = Path(path)
    text = decode(read_small_bytes(path, lambda m: problem(str(path), 1, 1, "config-file", "",
                                                           m), MAX_BYTES), str(path))
    return parse_config(text, path)


def parse_config(text: str, path: str | Path = DEFAULT_CONFIG) -> Config:
    """Validate configuration text read from `path` (used for messages and relative paths)."""
    document = _parse(text, str(path))
    issues = validate(document)
    if issues:
        raise ConfigError(issues)
    return _build(document, Path(path))


def validate_text(text: str, path: str = DEFAULT_CONFIG) -> list[Diagnostic]:
    """Every problem of configuration text (empty when valid)."""
    try:
        return sorted(validate(_parse(text, path)), key=Diagnostic.sort_key)
    except ConfigError as exc:
        return exc.diagnostics


def preflight(config: Config) -> None:
    """Read every secret and file the configuration names; ConfigError listing all failures.

    Run before connecting, so that every missing environment variable or unreadable file is
    reported at once, each at the line of mapsync.yaml that names it.
    """
    problems: list[Diagnostic] = []
    for secret in _secrets(config):
        try:
            secret.reveal()
        except ConfigError as exc:
            problems.extend(exc.diagnostics)
    for key, file in _files(config):
        try:
            read_small_file(file, _file_problem(config, key))
        except ConfigError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise ConfigError(problems)


def _file_problem(config: Config, key: str) -> Callable[[str], Diagnostic]:
    line, column = config.positions.get(key, (0, 0))
    return lambda message: problem(str(config.file), line, column, "config-file", key, message)


def _secrets(config: Config) -> Iterator[Secret]:
    for settings in (config.intacct, config.salesforce):
        for name in ("sender_password", "user_password", "client_secret", "password",
                     "security_token", "session_id"):
            secret = getattr(settings, name, None)
            if secret is not None:
                yield secret


def _files(config: Config) -> Iterator[tuple[str, Path]]:
    for system, settings in (("intacct", config.intacct), ("salesforce", config.salesforce)):
        for name in ("ca_bundle", "private_key_file"):
            file = getattr(settings, name, None)
            if file is not None:
                yield f"connections.{system}.{name}", file


def read_small_bytes(path: Path, fail: Callable[[str], Diagnostic], limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; ConfigError otherwise.

    A device (`/dev/zero`), a FIFO or a folder is refused before it is opened for reading,
    and the read itself stops after `limit` + 1 bytes, so no file can exhaust memory.
    """
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError([fail(f"{path} is not a regular file")])
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ConfigError([fail(f"cannot read {path}: {exc.strerror or type(exc).__name__}")]) \
            from None
    except ValueError:  # a NUL byte or unencodable character in the path
        raise ConfigError([fail("the path is not a valid file name")]) from None
    if len(data) > limit:
        raise ConfigError([fail(f"{path} is larger than {limit} bytes")])
    return data


def read_small_file(path: Path, fail: Callable[[str], Diagnostic]) -> str:
    """The UTF-8 text of a small regular file (a secret, a key, a CA bundle)."""
    data = read_small_bytes(path, fail, MAX_FILE_BYTES)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError([fail(f"{path} is not UTF-8 text")]) from None


def _parse(text: str, path: str) -> Document:
    return Document.parse(text, path)


# --- building the settings -----------------------------------------------------------------


def _build(document: Document, file: Path) -> Config:
    data, base = document.data, file.parent
    connections = data["connections"]
    rules = data.get("rules")
    state = data.get("state") or {}
    mappings = data.get("mappings")
    return Config(
        file=file,
        intacct=_intacct(connections["intacct"], base, document),
        salesforce=_salesforce(connections["salesforce"], base, document),
        rules=base / rules if rules else rules_dir(),
        mappings=tuple(mappings) if mappings is not None else None,
        options=_options(data.get("options") or {}),
        state=StateSettings(path=base / state.get("path", DEFAULT_STATE_PATH),
                            url=state.get("url"), pair=state.get("pair", "default")),
        listen=_listen(data.get("listen") or {}, base, document),
        positions={dotted(k): v for k, v in document.marks.items()},
    )


def _secret(section: Mapping[str, Any], system: str, name: str, base: Path,
            document: Document) -> Secret | None:
    key = f"connections.{system}.{name}"
    for form in ("env", "file"):
        if f"{name}_{form}" in section:
            line, column = document.position(("connections", system, f"{name}_{form}"))
            where = (document.path, line, column)
            value = section[f"{name}_{form}"]
            if form == "env":
                return Secret(key, env=value, where=where)
            return Secret(key, file=base / value, where=where)
    return None


def _path(value: str | None, base: Path) -> Path | None:
    return base / value if value else None


def _intacct(section: Mapping[str, Any], base: Path, document: Document) -> IntacctSettings:
    sender_password = _secret(section, "intacct", "sender_password", base, document)
    assert sender_password is not None  # validated
    return IntacctSettings(
        sender_id=section["sender_id"],
        sender_password=sender_password,
        company_id=section["company_id"],
        user_id=section["user_id"],
        user_password=_secret(section, "intacct", "user_password", base, document),
        session_id=_secret(section, "intacct", "session_id", base, document),
        endpoint=section.get("endpoint", INTACCT_ENDPOINT),
        entity_id=section.get("entity_id"),
        timezone=section.get("timezone", "UTC"),
        ca_bundle=_path(section.get("ca_bundle"), base),
        timeout_seconds=float(section.get("timeout_seconds", 60.0)),
        daily_api_budget=section.get("daily_api_budget"),
    )


def _salesforce(section: Mapping[str, Any], base: Path,
                document: Document) -> SalesforceSettings:
    return SalesforceSettings(
        auth=section["auth"],
        login_url=section.get("login_url", SALESFORCE_LOGIN_URL),
        instance_url=section.get("instance_url"),
        api_version=section.get("api_version"),
        client_id=section.get("client_id"),
        client_secret=_secret(section, "salesforce", "client_secret", base, document),
        username=section.get("username"),
        password=_secret(section, "salesforce", "password", base, document),
        security_token=_secret(section, "salesforce", "security_token", base, document),
        private_key_file=_path(section.get("private_key_file"), base),
        session_id=_secret(section, "salesforce", "session_id", base, document),
        ca_bundle=_path(section.get("ca_bundle"), base),
        timeout_seconds=float(section.get("timeout_seconds", 60.0)),
        daily_api_budget=section.get("daily_api_budget"),
        api_reserve=int(section.get("api_reserve", 0)),
    )


def _listen(section: Mapping[str, Any], base: Path, document: Document) -> ListenSettings:
    secret = None
    for form in ("env", "file"):
        if f"shared_secret_{form}" in section and secret is None:
            line, column = document.position(("listen", f"shared_secret_{form}"))
            value = section[f"shared_secret_{form}"]
            secret = Secret("listen.shared_secret", where=(document.path, line, column),
                            **({"env": value} if form == "env" else {"file": base / value}))
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


def _options(section: Mapping[str, Any]) -> ConfigOptions:
    batches = section.get("batch_sizes") or {}
    return ConfigOptions(
        price_source=section.get("price_source", "order-entry"),
        create_intacct_customers_from_accounts=section.get(
            "create_intacct_customers_from_accounts", True),
        sales_document_relationship=section.get("sales_document_relationship", "one-to-one"),
        overlap_seconds=section.get("overlap_seconds", 300),
        batch_sizes=BatchSizes(**batches),
        concurrency=Concurrency(**(section.get("concurrency") or {})),
    )
