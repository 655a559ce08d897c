"""One request through the gateway: control, authentication, operations, functions.

Independent of HTTP: `Gateway.handle(body)` returns the response document. Levels as the
real service: a control failure answers alone; an authentication failure ends its
operation; otherwise each function gets one `<result>`, in request order. With
`transaction="true"` the operation is one database transaction: after a failure nothing
more runs, everything is rolled back and every result carries XL03000009. With
`uniqueid` true (the documented default), a function whose controlid already completed
is refused and not run again.
"""

from __future__ import annotations

import hmac
import logging
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from lxml import etree

from mapsync.engine import safexml
from mapsync.engine.sandbox.faults import CallStats
from mapsync.engine.sandbox.intacct import errors, render, schema
from mapsync.engine.sandbox.intacct.context import Context, Outcome
from mapsync.engine.sandbox.intacct.errors import Chain, ControlFailure, FunctionFailure
from mapsync.engine.sandbox.intacct.functions import FUNCTIONS
from mapsync.engine.sandbox.intacct.render import ControlEcho
from mapsync.engine.sandbox.intacct.sessions import ResultSets, Session, Sessions
from mapsync.engine.sandbox.intacct.store import IntacctStore
from mapsync.engine.sandbox.intacct.xml import (
    XmlRejected,
    child_text,
    children,
    has_doctype,
    parse_request,
)

log = logging.getLogger(__name__)
# Functions per request: Intacct documents no maximum [uncertain]; this is the cap the
# client keeps too (connectors/intacct/envelope.MAX_FUNCTIONS, docs/quiet-runs.md).
MAX_FUNCTIONS = 200


@dataclass(frozen=True, slots=True)
class IntacctCredentials:
    """What a client needs to sign in: Web Services sender and company user."""

    sender_id: str = "mapsync-sandbox"
    sender_password: str = "sandbox-sender-password"
    company_id: str = "mapsync-demo"
    user_id: str = "sync_user"
    user_password: str = "sandbox-user-password"

    def as_dict(self) -> dict[str, str]:
        """The credentials as a JSON-ready mapping (for `sandbox serve --json`)."""
        return {
            "sender_id": self.sender_id,
            "sender_password": self.sender_password,
            "company_id": self.company_id,
            "user_id": self.user_id,
            "user_password": self.user_password,
        }


@dataclass(slots=True)
class _Result:
    """One function's answer while its operation is still open."""

    name: str
    controlid: str
    outcome: Outcome | None = None
    chain: Chain = ()
    partial: etree._Element | None = None
    rolled_back: bool = False


@dataclass(frozen=True, slots=True)
class _Call:
    """Request-wide facts every operation needs."""

    echo: ControlEcho
    uniqueid: bool
    expire: bool
    endpoint: str = ""


def _same(given: str | None, expected: str, case: bool = True) -> bool:
    if given is None:
        return False
    if not case:
        given, expected = given.lower(), expected.lower()
    return hmac.compare_digest(given.encode(), expected.encode())


class Gateway:
    """The XML gateway of one sandbox company."""

    def __init__(
        self,
        store: IntacctStore,
        credentials: IntacctCredentials,
        sessions: Sessions,
        stats: CallStats,
        endpoint: str = "",
    ) -> None:
        self.store = store
        self.credentials = credentials
        self.sessions = sessions
        self.results = ResultSets()
        self.stats = stats
        self.endpoint = endpoint

    def function_names(self, body: bytes) -> list[str]:
        """The function names a request asks for (for fault exemptions); [] if unreadable."""
        try:
            root = parse_request(body)
        except XmlRejected:
            return []
        return [str(c.tag) for f in root.iter("function") for c in children(f)]

    def handle(self, body: bytes, *, expire: bool = False, endpoint: str | None = None) -> bytes:
        """The response document for one request body (never raises for bad input).

        `endpoint` is the gateway URL as this request reached it (the host and port the client
        used); getAPISession answers it, as the real gateway names its own host.
        """
        try:
            root = parse_request(body)
        except XmlRejected as err:
            echo = _echo_of_broken(body)
            return render.serialize(
                render.control_failure(echo, errors.xml_errors(err.messages)), True
            )
        echo = _echo(root)
        pretty = (child_text(root, "control/includewhitespace", "true") or "true") != "false"
        try:
            response = self._request(root, echo, expire, endpoint or self.endpoint)
        except ControlFailure as failure:
            response = render.control_failure(echo, failure.chain)
        return render.serialize(response, pretty)

    def _request(self, root: etree._Element, echo: ControlEcho, expire: bool,
                 endpoint: str) -> etree._Element:
        found = schema.problems(root)
        if found:
            raise ControlFailure(errors.xml_errors(found))
        functions = len(root.findall("operation/content/function"))
        if functions > MAX_FUNCTIONS:
            raise ControlFailure(errors.too_many_functions(functions, MAX_FUNCTIONS))
        control = root.find("control")
        assert control is not None
        if not (
            _same(child_text(control, "senderid"), self.credentials.sender_id)
            and _same(child_text(control, "password"), self.credentials.sender_password)
        ):
            raise ControlFailure(errors.bad_sender())
        policy = child_text(control, "policyid")
        if policy:
            raise ControlFailure(errors.bad_policy(policy))
        call = _Call(echo, echo.uniqueid == "true", expire, endpoint)
        response = etree.Element("response")
        response.append(render.control_element(echo, "success"))
        for operation in root.findall("operation"):
            response.append(self._operation(operation, call))
        return response

    # -- authentication -------------------------------------------------------------

    def _authenticate(
        self, auth: etree._Element, expire: bool
    ) -> tuple[Session | None, etree._Element, Chain]:
        login = auth.find("login")
        if login is not None:
            return self._login(login)
        session_id = child_text(auth, "sessionid", "") or ""
        if expire:
            self.sessions.end(session_id)
        session = self.sessions.touch(session_id)
        if session is None:
            return None, render.auth_failure("", ""), errors.invalid_session()
        return session, render.auth_success(session, self.sessions.clock()), ()

    def _login(self, login: etree._Element) -> tuple[Session | None, etree._Element, Chain]:
        user = child_text(login, "userid", "") or ""
        company = child_text(login, "companyid", "") or ""
        creds = self.credentials
        if not (
            _same(user, creds.user_id, case=False)
            and _same(company, creds.company_id, case=False)
            and _same(child_text(login, "password"), creds.user_password)
        ):
            return None, render.auth_failure(user, company), errors.bad_login()
        location = child_text(login, "locationid", "") or ""
        session = self.sessions.login(creds.user_id, creds.company_id, location)
        return session, render.auth_success(session, self.sessions.clock()), ()

    # -- operations -----------------------------------------------------------------

    def _operation(self, operation: etree._Element, call: _Call) -> etree._Element:
        element = etree.Element("operation")
        auth = operation.find("authentication")
        assert auth is not None
        session, auth_element, chain = self._authenticate(auth, call.expire)
        element.append(auth_element)
        if session is None:
            element.append(errors.errormessage(chain))
            return element
        calls = [
            (f.get("controlid", ""), children(f)[0])
            for content in operation.findall("content")
            for f in content.findall("function")
        ]
        transaction = operation.get("transaction", "false") == "true"
        for result in self._run(calls, session, transaction, call.uniqueid, call.endpoint):
            element.append(_result_element(result))
        return element

    def _run(
        self,
        calls: list[tuple[str, etree._Element]],
        session: Session,
        transaction: bool,
        uniqueid: bool,
        endpoint: str = "",
    ) -> list[_Result]:
        writes = transaction or uniqueid or any(FUNCTIONS[str(el.tag)].writes for _, el in calls)
        lock: AbstractContextManager[object] = self.store.write_lock if writes else nullcontext()
        with lock, self.store.connection() as conn:
            ctx = Context(self.store, conn, session, self.sessions, self.results,
                          endpoint or self.endpoint)
            if transaction:
                return self._transaction(ctx, calls, uniqueid)
            return [self._single(ctx, cid, el, writes, uniqueid) for cid, el in calls]

    def _single(
        self, ctx: Context, controlid: str, element: etree._Element, writes: bool, uniqueid: bool
    ) -> _Result:
        result = _Result(str(element.tag), controlid)
        if writes:
            ctx.conn.execute("BEGIN IMMEDIATE")
        ok = self._execute(ctx, result, element, uniqueid)
        if writes:
            # Without a transaction the objects written before a failure stay written.
            ctx.conn.execute("COMMIT" if ok or result.partial is not None else "ROLLBACK")
        return result

    def _transaction(
        self, ctx: Context, calls: list[tuple[str, etree._Element]], uniqueid: bool
    ) -> list[_Result]:
        ctx.conn.execute("BEGIN IMMEDIATE")
        results: list[_Result] = []
        failed = False
        for controlid, element in calls:
            result = _Result(str(element.tag), controlid)
            if not failed:
                failed = not self._execute(ctx, result, element, uniqueid)
            results.append(result)
        ctx.conn.execute("ROLLBACK" if failed else "COMMIT")
        for result in results if failed else ():
            result.rolled_back = True
        return results

    def _execute(
        self, ctx: Context, result: _Result, element: etree._Element, uniqueid: bool
    ) -> bool:
        creds = self.credentials
        try:
            if uniqueid and self.store.function_completed(
                ctx.conn, creds.sender_id, creds.company_id, result.controlid
            ):
                raise FunctionFailure(errors.duplicate_controlid(result.controlid))
            result.outcome = FUNCTIONS[result.name].run(ctx, element)
            if uniqueid:
                self.store.mark_completed(
                    ctx.conn, creds.sender_id, creds.company_id, result.controlid
                )
            self.stats.count(result.name, result.outcome.records)
            return True
        except FunctionFailure as failure:
            result.chain, result.partial = failure.chain, failure.data
        except Exception as err:  # a sandbox bug must still answer in protocol form
            log.exception("intacct sandbox: %s failed", result.name)
            result.chain = (errors.ErrorItem("Internal error", f"{type(err).__name__}: {err}"),)
        self.stats.count(result.name)
        return False


def _result_element(result: _Result) -> etree._Element:
    if result.rolled_back:
        status = "failure" if result.chain else "aborted"
        element = render.result_element(status, result.name, result.controlid)
        element.append(errors.errormessage((*result.chain, errors.aborted())))
        return element
    if result.chain:
        element = render.result_element("failure", result.name, result.controlid)
        if result.partial is not None:
            element.append(result.partial)
        element.append(errors.errormessage(result.chain))
        return element
    element = render.result_element("success", result.name, result.controlid)
    outcome = result.outcome
    if outcome is not None and outcome.key is not None:
        render.text_element(element, "key", outcome.key)
    elif outcome is not None and outcome.data is not None:
        element.append(outcome.data)
    return element


def _echo(root: etree._Element) -> ControlEcho:
    control = root.find("control")
    if control is None:
        return ControlEcho()
    uniqueid = (child_text(control, "uniqueid", "true") or "true").lower()
    return ControlEcho(
        senderid=child_text(control, "senderid", "") or "",
        controlid=child_text(control, "controlid", "") or "",
        uniqueid="false" if uniqueid == "false" else "true",
        dtdversion=child_text(control, "dtdversion", "3.0") or "3.0",
    )


def _echo_of_broken(body: bytes) -> ControlEcho:
    """Control values from a malformed request, read leniently (never resolving anything)."""
    try:
        root = etree.fromstring(body, safexml.lenient_parser())
    except etree.XMLSyntaxError:
        return ControlEcho()
    if root is None or root.tag != "request" or has_doctype(root):
        return ControlEcho()
    return _echo(root)
