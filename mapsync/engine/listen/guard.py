"""Who may reach the listener: loopback only, unless TLS and a sender check are configured.

Salesforce sends outbound messages from the public internet and cannot sign them, so an
exposed listener needs TLS (its own certificate, or a reverse proxy that terminates it) and
a way to tell Salesforce from anyone else: a shared secret in the registered endpoint URL
(`?token=…`), or the source ranges Salesforce publishes, or both.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass
from urllib.parse import parse_qs

from mapsync.engine.config import ListenSettings
from mapsync.engine.errors import MapsyncError


class ExposureError(MapsyncError):
    """The listener would accept messages from beyond this machine without protection;
    the message names what to configure."""


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(settings: ListenSettings, host: str) -> None:
    """Refuse to bind `host` beyond the loopback without TLS and a sender check."""
    if is_loopback(host):
        return
    tls = bool(settings.tls_cert_file and settings.tls_key_file) or settings.behind_tls_proxy
    sender = settings.shared_secret is not None or bool(settings.allowed_sources)
    missing = [
        *([] if tls else ["TLS (listen.tls_cert_file and tls_key_file, or behind_tls_proxy)"]),
        *([] if sender else ["a sender check (listen.shared_secret_env/_file or "
                             "allowed_sources)"]),
    ]
    if missing:
        raise ExposureError(
            f"refusing to listen on {host} beyond the loopback without " + " and ".join(missing)
        )


@dataclass(frozen=True, slots=True)
class Guard:
    """The per-request checks: source address and shared secret."""

    secret: str | None
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

    @classmethod
    def from_settings(cls, settings: ListenSettings) -> Guard:
        """Read the secret (at start-up, never logged) and parse the source ranges."""
        secret = settings.shared_secret.reveal() if settings.shared_secret else None
        nets = tuple(ipaddress.ip_network(s, strict=False) for s in settings.allowed_sources)
        return cls(secret, nets)

    def refusal(self, client: str, query: str) -> tuple[int, str] | None:
        """(HTTP status, reason) when this request may not be processed, else None."""
        if self.networks and not self._allowed(client):
            return 403, f"source {client} is not in listen.allowed_sources"
        if self.secret is not None:
            given = (parse_qs(query).get("token") or [""])[0]
            if not hmac.compare_digest(given.encode(), self.secret.encode()):
                return 401, "missing or wrong token in the endpoint URL"
        return None

    def _allowed(self, client: str) -> bool:
        try:
            address = ipaddress.ip_address(client)
        except ValueError:
            return False
        return any(address in net for net in self.networks)
