"""Transport-level faults through httpx.MockTransport: retried and succeeded, or a typed error."""

from __future__ import annotations

import httpx
import pytest
from iaconn_support import (
    ENDPOINT,
    FAST_RETRY,
    LOGIN,
    SENDER,
    echo_results,
    fixture,
    gateway_response,
    scripted_client,
    session_reply,
)
from lxml import etree

from mapsync.engine.connectors.intacct import IntacctClient, StillProcessing
from mapsync.engine.errors import ProtocolError, RateLimited, ServerFault, ValidationFailed

HTML_500 = (
    500,
    b"<!DOCTYPE html><html><head><title>500 | api.intacct.com</title></head>"
    b"<body><div id='cf-error-details'>Internal server error</div></body></html>",
)
EMPTY = (200, fixture("readByQuery-empty.xml"))
RATE_LIMIT_BODY = (
    b"<?xml version='1.0' encoding='UTF-8'?><response><control><status>failure</status>"
    b"</control><errormessage><error><errorno>GW-0010</errorno>"
    b"<description>Rate limit exceeded</description></error></errormessage></response>"
)


def read_all(client: IntacctClient) -> list[dict[str, object]]:
    with client:
        return list(client.read_where("DEPARTMENT", ["RECORDNO"]))


@pytest.mark.parametrize(
    "fault",
    [
        (429, b"Too many requests"),
        (429, RATE_LIMIT_BODY),
        (200, RATE_LIMIT_BODY),
        HTML_500,
        (502, b"bad gateway"),
        (503, b""),
    ],
    ids=["429-text", "429-GW-0010", "200-GW-0010", "500-html", "502", "503"],
)
def test_transient_faults_are_retried_then_succeed(fault: tuple[int, bytes]) -> None:
    client, script = scripted_client([session_reply(), fault, fault, EMPTY])
    assert read_all(client) == []
    assert client.counter.calls["readByQuery"] == 3
    assert len({etree.tostring(s[1]) for s in script.sent[1:]}) == 1  # same bytes resent


def test_524_is_not_retried() -> None:
    client, _ = scripted_client([session_reply(), (524, b"<html>A timeout occurred</html>")])
    with pytest.raises(StillProcessing) as info:
        read_all(client)
    assert info.value.code == "HTTP 524" and info.value.transient
    assert client.counter.calls["readByQuery"] == 1


def test_retries_run_out_with_a_server_fault() -> None:
    client, _ = scripted_client([session_reply()] + [HTML_500] * FAST_RETRY.attempts)
    with pytest.raises(ServerFault) as info:
        read_all(client)
    assert "cf-error-details" in info.value.message or "500" in info.value.message
    assert client.counter.calls["readByQuery"] == FAST_RETRY.attempts


def test_rate_limit_runs_out_as_rate_limited() -> None:
    client, _ = scripted_client([session_reply()] + [(429, b"")] * FAST_RETRY.attempts)
    with pytest.raises(RateLimited):
        read_all(client)


def test_connection_errors_are_retried() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 2:
            raise httpx.ConnectError("connection refused", request=request)
        reply = session_reply() if len(calls) == 1 else EMPTY
        return httpx.Response(reply[0], content=reply[1])

    client = IntacctClient(
        SENDER,
        login=LOGIN,
        endpoint=ENDPOINT,
        retry=FAST_RETRY,
        transport=httpx.MockTransport(handler),
    )
    assert read_all(client) == []
    assert client.counter.calls == {"getAPISession": 1, "readByQuery": 2}


def test_html_page_with_200_is_a_protocol_error_with_an_excerpt() -> None:
    client, _ = scripted_client([session_reply(), (200, HTML_500[1])])
    with pytest.raises(ProtocolError) as info:
        read_all(client)
    assert "500 | api.intacct.com" in info.value.message
    assert len(info.value.message) < 300
    assert client.counter.calls["readByQuery"] == 1


def test_truncated_body_is_a_protocol_error() -> None:
    body = fixture("readByQuery-page1-READMOREID.xml")
    client, _ = scripted_client([session_reply(), (200, body[: len(body) // 2])])
    with pytest.raises(ProtocolError, match="not well-formed"):
        read_all(client)


def test_body_over_the_size_limit_is_refused() -> None:
    client, _ = scripted_client(
        [session_reply(), (200, fixture("execProjectSuccess.xml"))], max_response_bytes=2000
    )
    with pytest.raises(ProtocolError, match="byte limit"):
        read_all(client)


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<response><control><status>&x;</status></control></response>",
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<response><control><status>&b;</status></control></response>",
    ],
    ids=["xxe", "entity-expansion"],
)
def test_doctype_and_entities_are_refused(body: bytes) -> None:
    client, _ = scripted_client([session_reply(), (200, body)])
    with pytest.raises(ProtocolError, match="DOCTYPE") as info:
        read_all(client)
    assert "root:" not in info.value.message


def test_function_validation_error_is_not_retried() -> None:
    failure = gateway_response(
        "<result><status>failure</status><function>readByQuery</function><controlid>x"
        "</controlid><errormessage><error><errorno>DL02000001</errorno><description>Error"
        "</description><description2>There was an error processing the request."
        "</description2><correction></correction></error></errormessage></result>"
    )
    client, _ = scripted_client([session_reply(), (200, failure)])
    with pytest.raises(ValidationFailed) as info:
        read_all(client)
    assert info.value.code == "DL02000001" and info.value.operation == "readByQuery DEPARTMENT"
    assert client.counter.calls["readByQuery"] == 1


def test_a_session_endpoint_downgrade_is_refused() -> None:
    client, _ = scripted_client([session_reply(endpoint="http://elsewhere.test/gw")])
    with client, pytest.raises(ProtocolError, match="neither the configured host"):
        client.open_session()


def test_secrets_echoed_in_a_page_are_masked() -> None:
    page = b"<html>bad request for s3nder-Secret with session SESSION-1</html>"
    client, _ = scripted_client([session_reply(), (400, page)])
    with pytest.raises(ProtocolError) as info:
        read_all(client)
    assert "s3nder-Secret" not in info.value.message and "SESSION-1" not in info.value.message
    assert "***" in info.value.message


def test_write_retry_resends_the_same_function_controlids() -> None:
    ok = echo_results(
        lambda cid, _: (
            f"<result><status>success</status><function>create</function>"
            f"<controlid>{cid}</controlid><data listtype='objects' count='1'><class>"
            f"<RECORDNO>7</RECORDNO></class></data></result>"
        )
    )
    client, script = scripted_client([session_reply(), HTML_500, ok])
    with client:
        results = client.create("CLASS", [{"CLASSID": "A", "NAME": "a"}, {"CLASSID": "B"}])
    assert [r.ok for r in results] == [True, True]
    first, second = (
        [f.get("controlid") for f in s[1].iterfind("operation/content/function")]
        for s in script.sent[1:]
    )
    assert first == second and len(set(first)) == 2
    assert all(s[1].findtext("control/uniqueid") == "true" for s in script.sent[1:])


def test_a_failed_batch_fails_each_record_with_its_name() -> None:
    client, _ = scripted_client([session_reply(), (524, b"")])
    with client:
        results = client.create("CUSTOMER", [{"CUSTOMERID": "C1", "NAME": "n"}])
    (result,) = results
    assert isinstance(result.error, StillProcessing)
    assert result.error.operation == "create CUSTOMER"
    assert "CUSTOMERID=C1" in str(result.error)
