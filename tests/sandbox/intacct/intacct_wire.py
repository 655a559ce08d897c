"""Helpers for driving the Intacct sandbox over real HTTP with hand-written request XML."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import httpx
from lxml import etree

from mapsync.engine.sandbox.intacct import IntacctSandbox

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "intacct"

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


class Clock:
    """A settable clock so session expiry and WHENMODIFIED are tested without waiting."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 30, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def parse(body: bytes) -> etree._Element:
    """Parse a response body safely."""
    return etree.fromstring(body, _PARSER)


class Wire:
    """Builds request envelopes by hand and posts them to the sandbox."""

    def __init__(self, sandbox: IntacctSandbox, client: httpx.Client) -> None:
        self.sandbox = sandbox
        self.client = client
        self.creds = sandbox.credentials

    def login(
        self, user: str | None = None, company: str | None = None, password: str | None = None
    ) -> str:
        c = self.creds
        return (
            f"<login><userid>{user or c.user_id}</userid>"
            f"<companyid>{company or c.company_id}</companyid>"
            f"<password>{password or c.user_password}</password></login>"
        )

    @staticmethod
    def session(session_id: str) -> str:
        return f"<sessionid>{session_id}</sessionid>"

    def operation(
        self, functions: str, auth: str | None = None, transaction: str | None = None
    ) -> str:
        attr = f' transaction="{transaction}"' if transaction else ""
        return (
            f"<operation{attr}><authentication>{auth or self.login()}</authentication>"
            f"<content>{functions}</content></operation>"
        )

    def envelope(
        self,
        operations: str,
        *,
        uniqueid: str | None = "false",
        sender: str | None = None,
        sender_password: str | None = None,
        extra_control: str = "",
    ) -> bytes:
        unique = f"<uniqueid>{uniqueid}</uniqueid>" if uniqueid is not None else ""
        return (
            '<?xml version="1.0" encoding="UTF-8"?><request><control>'
            f"<senderid>{sender or self.creds.sender_id}</senderid>"
            f"<password>{sender_password or self.creds.sender_password}</password>"
            f"<controlid>req-1</controlid>{unique}<dtdversion>3.0</dtdversion>{extra_control}"
            f"</control>{operations}</request>"
        ).encode()

    def post(self, body: bytes | str) -> httpx.Response:
        return self.client.post(
            self.sandbox.url,
            content=body if isinstance(body, bytes) else body.encode(),
            headers={"Content-Type": "application/xml"},
        )

    def call(
        self,
        functions: str,
        *,
        auth: str | None = None,
        transaction: str | None = None,
        **envelope: str | None,
    ) -> etree._Element:
        body = self.envelope(self.operation(functions, auth, transaction), **envelope)
        response = self.post(body)
        assert response.status_code == 200, response.text
        return parse(response.content)

    def results(self, functions: str, **kw: str | None) -> list[etree._Element]:
        root = self.call(functions, **kw)
        assert root.findtext("control/status") == "success", etree.tostring(root)
        return root.findall("operation/result")

    def one(self, body: str, controlid: str = "f1", **kw: str | None) -> etree._Element:
        [result] = self.results(f'<function controlid="{controlid}">{body}</function>', **kw)
        return result


def fn(body: str, controlid: str = "f1") -> str:
    """One `<function>` element."""
    return f'<function controlid="{controlid}">{body}</function>'


def errornos(result: etree._Element) -> list[str]:
    """The errorno chain of a result (or any element holding an errormessage)."""
    return [e.text or "" for e in result.iter("errorno")]


def customer(cid: str, name: str, extra: str = "") -> str:
    """A CUSTOMER element for generic create."""
    return (
        f"<CUSTOMER><CUSTOMERID>{cid}</CUSTOMERID><NAME>{name}</NAME>"
        f"<DISPLAYCONTACT><PRINTAS>{name}</PRINTAS></DISPLAYCONTACT>{extra}</CUSTOMER>"
    )
