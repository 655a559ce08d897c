"""Logins: SOAP `login` (partner API) and the OAuth 2.0 token endpoint; session bookkeeping.

SOAP answers follow fixtures/salesforce/soap-login-*.xml: `sessionId` and `serverUrl` in the
default namespace (simple-salesforce looks them up by unprefixed name) and faults carrying
`sf:exceptionCode`. OAuth supports the `password` and `client_credentials` grants.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from mapsync.engine import safexml
from mapsync.engine.sandbox.salesforce.ids import ORG_ID, USER_ID

SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"
PARTNER = "urn:partner.soap.sforce.com"
FAULT_NS = "urn:fault.partner.soap.sforce.com"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
INVALID_LOGIN = "Invalid username, password, security token; or user locked out."
SESSION_SECONDS = 7200
MAX_LOGIN_BYTES = 1024 * 1024  # a SOAP login envelope is well under a kilobyte


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a client needs to log in to the sandbox (password without the security token)."""

    username: str = "integration@mapsync.sandbox"
    password: str = "sandbox-password"
    security_token: str = ""
    client_id: str = "3MVG9mapsyncSandboxConsumerKey"
    client_secret: str = "mapsync-sandbox-consumer-secret"

    def as_dict(self) -> dict[str, str]:
        """The credentials as a JSON-ready dict."""
        return {
            "username": self.username, "password": self.password,
            "security_token": self.security_token, "client_id": self.client_id,
            "client_secret": self.client_secret,
        }


class Sessions:
    """Issued session ids (access tokens); thread-safe."""

    def __init__(self) -> None:
        self._tokens: set[str] = set()
        self._lock = threading.Lock()

    def issue(self) -> str:
        """A new session id shaped like a real one (`00D…!AQ…`)."""
        token = f"{ORG_ID[:15]}!AQ{secrets.token_urlsafe(60)}"
        with self._lock:
            self._tokens.add(token)
        return token

    def valid(self, token: str | None) -> bool:
        """True when `token` was issued and has not ended."""
        with self._lock:
            return token is not None and token in self._tokens

    def end(self, token: str) -> None:
        """End one session (an `expire` fault does this)."""
        with self._lock:
            self._tokens.discard(token)


def bearer(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer|OAuth <token>` header."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() in ("bearer", "oauth") and token.strip() else None


def _login_fields(body: bytes) -> tuple[str, str] | None:
    """(username, password) from a SOAP login envelope, or None when it is not one."""
    try:
        root = safexml.parse(body, max_bytes=MAX_LOGIN_BYTES)
    except safexml.UnsafeXml:
        return None
    login = root.find(f".//{{{PARTNER}}}login")
    if login is None:
        return None
    username = login.findtext(f"{{{PARTNER}}}username")
    password = login.findtext(f"{{{PARTNER}}}password")
    if username is None or password is None:
        return None
    return username, password


def soap_fault(code: str, message: str) -> bytes:
    """A SOAP LoginFault envelope like fixtures/salesforce/soap-login-fault-INVALID_LOGIN.xml."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}" xmlns:sf="{FAULT_NS}" '
        f'xmlns:xsi="{XSI}"><soapenv:Body><soapenv:Fault><faultcode>{code}</faultcode>'
        f"<faultstring>{code}: {_xml_text(message)}</faultstring><detail>"
        '<sf:LoginFault xsi:type="sf:LoginFault">'
        f"<sf:exceptionCode>{code}</sf:exceptionCode>"
        f"<sf:exceptionMessage>{_xml_text(message)}</sf:exceptionMessage>"
        "</sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    ).encode()


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _soap_success(session_id: str, instance_url: str, version: str, username: str) -> bytes:
    org15 = ORG_ID[:15]
    user_info = "".join(
        f"<{tag}>{_xml_text(value)}</{tag}>" if value is not None else f'<{tag} xsi:nil="true"/>'
        for tag, value in (
            ("accessibilityMode", "false"), ("currencySymbol", "$"),
            ("orgAttachmentFileSizeLimit", "5242880"), ("orgDefaultCurrencyIsoCode", "USD"),
            ("orgDisallowHtmlAttachments", "false"), ("orgHasPersonAccounts", "false"),
            ("organizationId", ORG_ID), ("organizationMultiCurrency", "false"),
            ("organizationName", "mapsync sandbox"), ("profileId", "00e5g000000XXXXAAA"),
            ("roleId", None), ("sessionSecondsValid", str(SESSION_SECONDS)),
            ("userDefaultCurrencyIsoCode", None), ("userEmail", username),
            ("userFullName", "Integration User"), ("userId", USER_ID),
            ("userLanguage", "en_US"), ("userLocale", "en_US"), ("userName", username),
            ("userTimeZone", "GMT"), ("userType", "Standard"), ("userUiSkin", "Theme3"),
        )
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}" xmlns="{PARTNER}" xmlns:xsi="{XSI}">'
        "<soapenv:Body><loginResponse><result>"
        f"<metadataServerUrl>{instance_url}/services/Soap/m/{version}/{org15}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired><sandbox>true</sandbox>"
        f"<serverUrl>{instance_url}/services/Soap/u/{version}/{org15}</serverUrl>"
        f"<sessionId>{session_id}</sessionId><userId>{USER_ID}</userId>"
        f"<userInfo>{user_info}</userInfo>"
        "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
    ).encode()


@dataclass(frozen=True, slots=True)
class AuthReply:
    """An HTTP answer of a login endpoint."""

    status: int
    body: bytes
    content_type: str


class Authenticator:
    """Checks logins against one set of credentials and issues sessions."""

    def __init__(self, credentials: Credentials, sessions: Sessions) -> None:
        self.credentials = credentials
        self.sessions = sessions

    def _password_ok(self, username: str, password: str) -> bool:
        expected = self.credentials.password + self.credentials.security_token
        return hmac.compare_digest(username, self.credentials.username) and (
            hmac.compare_digest(password, expected)
        )

    def soap_login(self, body: bytes, instance_url: str, version: str) -> AuthReply:
        """POST /services/Soap/u/{version}."""
        fields = _login_fields(body)
        if fields is None:
            return AuthReply(500, soap_fault("INVALID_SOAP", "Unable to read the login request"),
                             "text/xml; charset=utf-8")
        if not self._password_ok(*fields):
            return AuthReply(500, soap_fault("INVALID_LOGIN", INVALID_LOGIN),
                             "text/xml; charset=utf-8")
        token = self.sessions.issue()
        return AuthReply(200, _soap_success(token, instance_url, version, fields[0]),
                         "text/xml; charset=utf-8")

    def token(self, body: bytes, authorization: str | None, instance_url: str) -> AuthReply:
        """POST /services/oauth2/token (password and client_credentials grants)."""
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        grant = form.get("grant_type")
        client_id, client_secret = self._client(form, authorization)
        if grant not in ("password", "client_credentials"):
            return _oauth_error("unsupported_grant_type", "grant type not supported")
        if not hmac.compare_digest(client_id, self.credentials.client_id):
            return _oauth_error("invalid_client_id", "client identifier invalid")
        if not hmac.compare_digest(client_secret, self.credentials.client_secret):
            return _oauth_error("invalid_client", "invalid client credentials")
        if grant == "password" and not self._password_ok(
            form.get("username", ""), form.get("password", "")
        ):
            return _oauth_error("invalid_grant", "authentication failure")
        return AuthReply(200, self._token_body(instance_url), "application/json;charset=UTF-8")

    @staticmethod
    def _client(form: dict[str, str], authorization: str | None) -> tuple[str, str]:
        if authorization and authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:].strip()).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                return "", ""
            key, _, secret = decoded.partition(":")
            return key, secret
        return form.get("client_id", ""), form.get("client_secret", "")

    def _token_body(self, instance_url: str) -> bytes:
        token = self.sessions.issue()
        identity = f"{instance_url}/id/{ORG_ID}/{USER_ID}"
        issued_at = str(int(time.time() * 1000))
        digest = hmac.new(
            self.credentials.client_secret.encode(), (identity + issued_at).encode(),
            hashlib.sha256,
        ).digest()
        body: dict[str, Any] = {
            "access_token": token, "instance_url": instance_url, "id": identity,
            "token_type": "Bearer", "issued_at": issued_at,
            "signature": base64.b64encode(digest).decode("ascii"),
        }
        return json.dumps(body).encode("utf-8")


def _oauth_error(error: str, description: str) -> AuthReply:
    body = json.dumps({"error": error, "error_description": description}).encode("utf-8")
    return AuthReply(400, body, "application/json;charset=UTF-8")
