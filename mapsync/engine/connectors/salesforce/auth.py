"""Logging in to Salesforce against a configurable login URL, and the credential types.

simple-salesforce hard-codes `https://{domain}.salesforce.com` for its login calls, so the
token and SOAP login requests are made here (on the same metered, CA-pinned session) and
simple-salesforce is then built in its "direct" mode from the resulting instance URL and
session id. Flows:

    ClientCredentials   OAuth 2.0 client credentials (POST /services/oauth2/token, Basic auth)
    JwtBearer           OAuth 2.0 JWT bearer (RS256 assertion signed with the app's key)
    UsernamePassword    OAuth 2.0 username-password when a consumer key/secret is given,
                        else the SOAP partner `login` call (password + security token)
    SessionToken        a given instance URL + session id (cannot be renewed)

Secrets are excluded from reprs and never placed in messages.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import jwt
import requests
from lxml import etree

from mapsync.engine import safexml
from mapsync.engine.connectors.salesforce.errors import SYSTEM, excerpt, from_exception
from mapsync.engine.errors import (
    AuthenticationError,
    ProtocolError,
    RateLimited,
    ServerFault,
    SyncError,
)

DEFAULT_LOGIN_URL = "https://login.salesforce.com"
MAX_LOGIN_BODY = 1 << 20
_SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
_PARTNER = "urn:partner.soap.sforce.com"


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """OAuth 2.0 client credentials flow of a connected app (needs a My Domain login URL)."""

    consumer_key: str
    consumer_secret: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class JwtBearer:
    """OAuth 2.0 JWT bearer flow: the app's RSA private key (PEM) signs an assertion."""

    consumer_key: str
    username: str
    private_key: str = field(repr=False)
    audience: str | None = None  # defaults to the login URL


@dataclass(frozen=True, slots=True)
class UsernamePassword:
    """Username + password (+ security token); OAuth password flow when a consumer key is set."""

    username: str
    password: str = field(repr=False)
    security_token: str = field(default="", repr=False)
    consumer_key: str | None = None
    consumer_secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class SessionToken:
    """An existing session: instance URL and session id (access token)."""

    instance_url: str
    session_id: str = field(repr=False)


Credentials = ClientCredentials | JwtBearer | UsernamePassword | SessionToken


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A live session: where the org is and the bearer token to use."""

    instance_url: str
    session_id: str = field(repr=False)


def secrets_of(creds: Credentials) -> tuple[str, ...]:
    """Every secret string in `creds` (for scrubbing messages), longest first."""
    values: tuple[str, ...]
    if isinstance(creds, ClientCredentials):
        values = (creds.consumer_secret,)
    elif isinstance(creds, JwtBearer):
        values = (creds.private_key,)
    elif isinstance(creds, UsernamePassword):
        values = (
            creds.password,
            creds.security_token,
            creds.password + creds.security_token,
            creds.consumer_secret or "",
        )
    else:
        values = (creds.session_id,)
    return tuple(sorted((v for v in values if v), key=len, reverse=True))


def renewable(creds: Credentials) -> bool:
    """False for a given session, which cannot be replaced when it expires."""
    return not isinstance(creds, SessionToken)


def login(
    creds: Credentials,
    http: requests.Session,
    *,
    login_url: str = DEFAULT_LOGIN_URL,
    version: str = "59.0",
) -> SessionInfo:
    """Obtain a session for `creds` from `login_url` (no call for a SessionToken)."""
    base = login_url.rstrip("/")
    if isinstance(creds, SessionToken):
        return SessionInfo(creds.instance_url.rstrip("/"), creds.session_id)
    if isinstance(creds, UsernamePassword) and not creds.consumer_key:
        return _soap_login(creds, http, base, version)
    return _token_login(http, base, *_token_request(creds, base))


def _token_request(creds: Credentials, base: str) -> tuple[dict[str, str], dict[str, str]]:
    if isinstance(creds, ClientCredentials):
        pair = f"{creds.consumer_key}:{creds.consumer_secret}".encode()
        header = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        return {"grant_type": "client_credentials"}, header
    if isinstance(creds, JwtBearer):
        return {
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": _assertion(creds, base),
        }, {}
    assert isinstance(creds, UsernamePassword)
    return {
        "grant_type": "password",
        "client_id": creds.consumer_key or "",
        "client_secret": creds.consumer_secret or "",
        "username": creds.username,
        "password": creds.password + creds.security_token,
    }, {}


def _assertion(creds: JwtBearer, base: str) -> str:
    claims = {
        "iss": creds.consumer_key,
        "sub": creds.username,
        "aud": creds.audience or base,
        "exp": int(time.time()) + 180,
    }
    try:
        return jwt.encode(claims, creds.private_key, algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError) as exc:
        raise AuthenticationError(
            f"cannot sign the JWT assertion ({type(exc).__name__}): check the private key",
            system=SYSTEM, operation="login", code="INVALID_KEY",
        ) from None


def _post(http: requests.Session, url: str, **kwargs: Any) -> requests.Response:
    try:
        return http.post(url, **kwargs)
    except requests.RequestException as exc:
        raise from_exception(exc, operation="login") from None


def _status_error(response: requests.Response) -> SyncError | None:
    status = response.status_code
    if status == 429:
        return RateLimited("login rate limited", system=SYSTEM, operation="login", code="HTTP_429")
    if status >= 500 and not response.content.lstrip().startswith((b"{", b"<?xml", b"<soap")):
        return ServerFault(
            f"login failed with HTTP {status}: {excerpt(response.content)}",
            system=SYSTEM, operation="login", code=f"HTTP_{status}",
        )
    return None


def _token_login(
    http: requests.Session, base: str, data: dict[str, str], headers: dict[str, str]
) -> SessionInfo:
    response = _post(http, base + "/services/oauth2/token", data=data, headers=headers)
    error = _status_error(response)
    if error is not None:
        raise error
    try:
        body = response.json()
    except ValueError:
        raise ProtocolError(
            f"login answer is not JSON (HTTP {response.status_code}): "
            f"{excerpt(response.content)}",
            system=SYSTEM, operation="login", code="NOT_JSON",
        ) from None
    if response.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
        raise _oauth_error(response.status_code, body)
    return SessionInfo(str(body["instance_url"]).rstrip("/"), str(body["access_token"]))


def _oauth_error(status: int, body: Any) -> SyncError:
    body = body if isinstance(body, dict) else {}
    code = str(body.get("error") or f"HTTP_{status}").upper()
    message = str(body.get("error_description") or "authentication failed")
    cls = ServerFault if status >= 500 else AuthenticationError
    return cls(message, system=SYSTEM, operation="login", code=code)


def _soap_envelope(creds: UsernamePassword) -> bytes:
    env = etree.Element(f"{{{_SOAP_ENV}}}Envelope", nsmap={"env": _SOAP_ENV, "urn": _PARTNER})
    body = etree.SubElement(env, f"{{{_SOAP_ENV}}}Body")
    call = etree.SubElement(body, f"{{{_PARTNER}}}login")
    etree.SubElement(call, f"{{{_PARTNER}}}username").text = creds.username
    etree.SubElement(call, f"{{{_PARTNER}}}password").text = creds.password + creds.security_token
    return bytes(etree.tostring(env, xml_declaration=True, encoding="UTF-8"))


def _soap_login(
    creds: UsernamePassword, http: requests.Session, base: str, version: str
) -> SessionInfo:
    response = _post(
        http,
        f"{base}/services/Soap/u/{version}",
        data=_soap_envelope(creds),
        headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": "login"},
    )
    error = _status_error(response)
    if error is not None:
        raise error
    root = parse_xml(response.content, operation="login")
    if response.status_code != 200:
        raise _soap_fault(root, response.status_code)
    session_id, server_url = _text(root, "sessionId"), _text(root, "serverUrl")
    if not session_id or not server_url:
        raise _soap_fault(root, response.status_code)
    parts = urlsplit(server_url)
    return SessionInfo(f"{parts.scheme}://{parts.netloc}", session_id)


def _text(root: etree._Element, local_name: str) -> str | None:
    for element in root.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname == local_name:
            return (element.text or "").strip()
    return None


def _soap_fault(root: etree._Element, status: int) -> SyncError:
    code = _text(root, "exceptionCode") or _text(root, "faultcode") or f"HTTP_{status}"
    code = code.rpartition(":")[2]
    message = _text(root, "exceptionMessage") or _text(root, "faultstring") or "login refused"
    return AuthenticationError(message, system=SYSTEM, operation="login", code=code)


def parse_xml(content: bytes, *, operation: str) -> etree._Element:
    """Parse a small XML body safely (no DTD, entities or network); ProtocolError otherwise."""
    try:
        return safexml.parse(content, max_bytes=MAX_LOGIN_BODY)
    except safexml.UnsafeXml as exc:
        if exc.kind == "too-large":
            raise ProtocolError("XML answer too large", system=SYSTEM,
                                operation=operation) from None
        if exc.kind == "doctype":
            raise ProtocolError(
                "XML answer carries a DOCTYPE or entity declaration; refused",
                system=SYSTEM, operation=operation, code="UNSAFE_XML",
            ) from None
        raise ProtocolError(
            f"answer is not XML: {excerpt(content)}", system=SYSTEM, operation=operation,
            code="NOT_XML",
        ) from None
