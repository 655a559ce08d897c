"""Reach both services before a command reads or writes anything.

An unreachable host or a refused login is not a failed record: `plan`, `sync`, `reconcile`
and `replay` call `reach` first, so an outage stops them within seconds with exit 1 and a
message naming the service and its host, instead of retrying every mapping with backoff.
"""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit

from mapsync.engine.commands._context import ContextError

CONNECT_SECONDS = 5.0


class ServiceUnreachable(ContextError):
    """A service cannot be reached or refused the login: check the network, the endpoint and
    the credentials in mapsync.yaml, then run the command again."""


def host_of(url: str) -> tuple[str, int]:
    """The host and port a URL connects to."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.hostname or "", port


def probe(service: str, url: str, timeout: float = CONNECT_SECONDS) -> None:
    """Open (and close) one TCP connection to the URL's host; ServiceUnreachable if refused."""
    host, port = host_of(url)
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ServiceUnreachable(
            f"cannot reach {service} at {host}:{port} ({reason}); check the endpoint in "
            "mapsync.yaml and the network"
        ) from None


def log_in(service: str, url: str, connect: Any) -> None:
    """Call `connect()` (the client's login); any SyncError becomes ServiceUnreachable."""
    from mapsync.engine.errors import SyncError

    host, port = host_of(url)
    try:
        connect()
    except SyncError as exc:
        raise ServiceUnreachable(
            f"{service} at {host}:{port} refused the login or failed: {exc}"
        ) from None


def reach(intacct: Any, salesforce: Any) -> None:
    """Connect to and log in to both services; ServiceUnreachable names the first that fails."""
    probe("Intacct", intacct.endpoint)
    probe("Salesforce", salesforce.login_url)
    log_in("Intacct", intacct.endpoint, intacct.open_session)
    log_in("Salesforce", salesforce.login_url, salesforce.connect)
