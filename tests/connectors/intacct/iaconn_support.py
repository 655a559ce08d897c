"""Shared helpers for the Intacct connector tests: fixture paths and a scripted transport.

`ScriptedTransport` is an httpx.MockTransport that answers each request from a list of
replies (status, body) and records what was sent: it replaces the network, not our code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from lxml import etree

from mapsync.engine.connectors.intacct import (
    IntacctClient,
    RetryPolicy,
    SenderCredentials,
    UserLogin,
)
from mapsync.engine.sandbox.intacct import IntacctSandbox

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "intacct"
ENDPOINT = "https://gateway.test/ia/xml/xmlgw.phtml"
SENDER = SenderCredentials("testsender", "s3nder-Secret")
LOGIN = UserLogin("fakeuser", "fakecompany", "us3r-Secret")

Reply = tuple[int, bytes] | Callable[[etree._Element], tuple[int, bytes]]


def fixture(name: str) -> bytes:
    """The bytes of one captured fixture file."""
    return (FIXTURES / name).read_bytes()


def no_sleep(_: float) -> None:
    """A sleep that does not wait (retries stay fast and deterministic)."""


FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.01, sleep=no_sleep)


def sandbox_client(sandbox: IntacctSandbox, **options: Any) -> IntacctClient:
    """The production client for `sandbox`'s sender and user, retrying without waiting."""
    creds = sandbox.credentials
    options.setdefault("retry", FAST_RETRY)
    return IntacctClient(
        SenderCredentials(creds.sender_id, creds.sender_password),
        login=UserLogin(creds.user_id, creds.company_id, creds.user_password),
        endpoint=sandbox.url,
        **options,
    )


@dataclass
class ScriptedTransport:
    """Answers requests from `replies` in order; records each request's URL and XML."""

    replies: list[Reply]
    sent: list[tuple[str, etree._Element]] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        self.sent.append((str(request.url), etree.fromstring(request.content, parser)))
        if not self.replies:
            raise AssertionError("the client sent more requests than the script expected")
        reply = self.replies.pop(0)
        status, body = reply(self.sent[-1][1]) if callable(reply) else reply
        return httpx.Response(status, content=body, headers={"Content-Type": "text/xml"})

    def functions(self, index: int = -1) -> list[etree._Element]:
        """The function elements (children of `<function>`) of one sent request."""
        return [f[0] for f in self.sent[index][1].iterfind("operation/content/function")]


def scripted_client(
    replies: list[Reply],
    *,
    login: UserLogin | None = LOGIN,
    session_id: str | None = None,
    endpoint: str = ENDPOINT,
    **options: object,
) -> tuple[IntacctClient, ScriptedTransport]:
    """A real IntacctClient whose HTTP goes to a ScriptedTransport."""
    script = ScriptedTransport(list(replies))
    client = IntacctClient(
        SENDER,
        login=login,
        session_id=session_id,
        endpoint=endpoint,
        transport=httpx.MockTransport(script.handler),
        retry=FAST_RETRY,
        **options,  # type: ignore[arg-type]
    )
    return client, script


def session_reply(endpoint: str = ENDPOINT, session_id: str = "SESSION-1") -> tuple[int, bytes]:
    """A getAPISession success naming `endpoint` (the captured fixture with values swapped)."""
    body = fixture("getAPISession-success.xml")
    body = body.replace(b"https://api.intacct.com/ia/xml/xmlgw.phtml", endpoint.encode())
    return 200, body.replace(b"fAkESesSiOnId..", session_id.encode())


def gateway_response(*results: str) -> bytes:
    """A success envelope around the given `<result>` XML snippets."""
    return (
        "<?xml version='1.0' encoding='UTF-8'?><response><control><status>success</status>"
        "<senderid>testsender</senderid><controlid>c</controlid><uniqueid>true</uniqueid>"
        "<dtdversion>3.0</dtdversion></control><operation><authentication>"
        "<status>success</status><userid>fakeuser</userid><companyid>fakecompany</companyid>"
        "</authentication>" + "".join(results) + "</operation></response>"
    ).encode()


def echo_results(
    build: Callable[[str, etree._Element], str],
) -> Callable[[etree._Element], tuple[int, bytes]]:
    """A reply that answers every function of the request with build(controlid, element)."""

    def reply(request: etree._Element) -> tuple[int, bytes]:
        results = [
            build(f.get("controlid", ""), f[0])
            for f in request.iterfind("operation/content/function")
        ]
        return 200, gateway_response(*results)

    return reply
