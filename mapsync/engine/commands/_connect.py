"""Build the two production clients from a validated configuration.

Secrets are read here, at connection time, from the environment or files the config
names; they are handed to the clients and never logged.
"""

from __future__ import annotations

from mapsync.engine.catalog import Catalogs
from mapsync.engine.config import (
    BatchSizes,
    Config,
    ConfigError,
    IntacctSettings,
    SalesforceSettings,
    read_small_file,
)
from mapsync.engine.config_yaml import problem
from mapsync.engine.connectors.intacct.client import IntacctClient
from mapsync.engine.connectors.intacct.envelope import SenderCredentials, UserLogin
from mapsync.engine.connectors.salesforce.auth import (
    ClientCredentials,
    Credentials,
    JwtBearer,
    SessionToken,
    UsernamePassword,
)
from mapsync.engine.connectors.salesforce.client import DEFAULT_VERSION, SalesforceClient
from mapsync.engine.connectors.salesforce.limits import ApiBudget


def _missing(key: str, message: str) -> ConfigError:
    return ConfigError([problem("mapsync.yaml", 0, 0, "config-key", key, message)])


def intacct_client(settings: IntacctSettings, config: Config | None = None,
                   catalogs: Catalogs | None = None) -> IntacctClient:
    """The Intacct connector for these settings (user login or a session id)."""
    sender = SenderCredentials(settings.sender_id, settings.sender_password.reveal())
    sizes = config.options.batch_sizes if config else BatchSizes()
    verify: bool | str = str(settings.ca_bundle) if settings.ca_bundle else True
    if settings.session_id is not None:
        return IntacctClient(
            sender,
            session_id=settings.session_id.reveal(),
            endpoint=settings.endpoint,
            catalogs=catalogs,
            timeout=settings.timeout_seconds,
            verify=verify,
            batch_size=sizes.intacct_write,
            page_size=sizes.intacct_read,
        )
    if settings.user_password is None:
        raise _missing(
            "connections.intacct.user_password", "a user password or a session id is required"
        )
    login = UserLogin(
        settings.user_id,
        settings.company_id,
        settings.user_password.reveal(),
        entity_id=settings.entity_id,
    )
    return IntacctClient(
        sender,
        login=login,
        endpoint=settings.endpoint,
        catalogs=catalogs,
        timeout=settings.timeout_seconds,
        verify=verify,
        batch_size=sizes.intacct_write,
        page_size=sizes.intacct_read,
    )


def _salesforce_credentials(settings: SalesforceSettings) -> Credentials:
    def need(value: object, key: str) -> str:
        if value is None:
            raise _missing(f"connections.salesforce.{key}", "is required")
        return value.reveal() if hasattr(value, "reveal") else str(value)

    if settings.auth == "client_credentials":
        return ClientCredentials(
            need(settings.client_id, "client_id"), need(settings.client_secret, "client_secret")
        )
    if settings.auth == "jwt":
        key_file = settings.private_key_file
        if key_file is None:
            raise _missing("connections.salesforce.private_key_file", "is required")
        private_key = read_small_file(key_file, lambda m: problem(
            "mapsync.yaml", 0, 0, "config-file", "connections.salesforce.private_key_file", m))
        return JwtBearer(
            need(settings.client_id, "client_id"), need(settings.username, "username"), private_key
        )
    if settings.auth == "password":
        token = settings.security_token.reveal() if settings.security_token else ""
        secret = settings.client_secret.reveal() if settings.client_secret else None
        return UsernamePassword(
            need(settings.username, "username"),
            need(settings.password, "password"),
            token,
            settings.client_id,
            secret,
        )
    return SessionToken(
        need(settings.instance_url, "instance_url"), need(settings.session_id, "session_id")
    )


def salesforce_client(
    settings: SalesforceSettings, config: Config | None = None,
    catalogs: Catalogs | None = None,
) -> SalesforceClient:
    """The Salesforce connector for these settings."""
    sizes = config.options.batch_sizes if config else BatchSizes()
    return SalesforceClient(
        _salesforce_credentials(settings),
        catalogs=catalogs,
        login_url=settings.login_url,
        version=settings.api_version or DEFAULT_VERSION,
        ca_bundle=str(settings.ca_bundle) if settings.ca_bundle else None,
        timeout=(10.0, settings.timeout_seconds),
        budget=ApiBudget(daily_calls=settings.daily_api_budget, reserve=settings.api_reserve),
        batch_size=sizes.salesforce_write,
        bulk_threshold=sizes.bulk_threshold,
        bulk_job_records=sizes.bulk_job_records,
    )
