"""A server that echoes the request back in an error cannot make a secret reach a message:
every form (plain, XML-escaped, URL-encoded, JSON-escaped) of every secret is masked."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape

import httpx
import pytest
import requests

from mapsync.engine.connectors.intacct import IntacctClient, SenderCredentials, UserLogin
from mapsync.engine.connectors.salesforce import RetryPolicy, SalesforceClient, UsernamePassword
from mapsync.engine.errors import SyncError
from mapsync.engine.redact import forms, mask

sys.path.insert(0, str(Path(__file__).parent / "salesforce"))
from sfconn_support import LOGIN, RecordedTransport, Reply  # noqa: E402

PASSWORD = "p&ss<w>rd \"q' 100%+x"
USER_PASSWORD = "us3r<&>Secret"
EVERY_FORM = [PASSWORD, escape(PASSWORD), quote(PASSWORD, safe=""), quote_plus(PASSWORD),
              json.dumps(PASSWORD)[1:-1], USER_PASSWORD, escape(USER_PASSWORD)]


def leaked(error: SyncError) -> list[str]:
    text = " ".join([str(error), error.message, *error.details, repr(error.args)])
    return [form for form in EVERY_FORM if form in text]


def test_every_form_is_masked() -> None:
    text = " | ".join(EVERY_FORM)
    assert mask(text, [PASSWORD, USER_PASSWORD]).replace("***", "").strip(" |") == ""
    assert {escape(PASSWORD), quote(PASSWORD, safe="").lower()} <= forms(PASSWORD)


@pytest.mark.parametrize("shape", ["raw", "url", "json"])
def test_intacct_request_echoed_in_an_error_page_is_masked(shape: str) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        sent = request.content.decode()
        body = {"raw": f"<html><pre>{sent}</pre></html>",
                "url": f"bad request {quote(PASSWORD, safe='')} {quote_plus(PASSWORD)}",
                "json": json.dumps({"error": "bad", "echo": PASSWORD, "request": sent})}[shape]
        return httpx.Response(400, text=body, headers={"Content-Type": "text/html"})

    client = IntacctClient(SenderCredentials("sender", PASSWORD),
                           login=UserLogin("user", "company", USER_PASSWORD),
                           endpoint="https://gateway.test/ia/xml/xmlgw.phtml",
                           transport=httpx.MockTransport(echo))
    with client, pytest.raises(SyncError) as caught:
        client.open_session()
    assert escape(PASSWORD) in echo_request_text(client)
    assert leaked(caught.value) == []


def echo_request_text(client: IntacctClient) -> str:
    """What the client sends (the echo server's input), to prove the escaped form travels."""
    from mapsync.engine.connectors.intacct import envelope

    function = envelope.Function("f", envelope.get_api_session(), "getAPISession")
    return envelope.build_request(SenderCredentials("sender", PASSWORD),
                                  UserLogin("user", "company", USER_PASSWORD), [function],
                                  controlid="c", uniqueid=False).decode()


def test_salesforce_login_echoed_in_an_error_is_masked() -> None:
    transport = RecordedTransport()

    def echo(request: requests.PreparedRequest) -> Reply:
        body = request.body if isinstance(request.body, str) else (request.body or b"").decode()
        return Reply(400, {"error": "invalid_grant",
                           "error_description": f"refused {body} for {PASSWORD}"})

    transport.on("POST", r"/oauth2/token$", echo)
    client = SalesforceClient(UsernamePassword("u@example.com", PASSWORD, "", "key", "csecret"),
                              login_url=LOGIN, transport=transport,
                              retry=RetryPolicy(attempts=1, sleep=lambda _s: None))
    with client, pytest.raises(SyncError) as caught:
        client.connect()
    body = transport.requests[0].body
    assert quote_plus(PASSWORD) in (body if isinstance(body, str) else body.decode())
    assert leaked(caught.value) == []
