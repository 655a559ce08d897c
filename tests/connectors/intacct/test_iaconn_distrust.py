"""The Intacct client distrusts its server: bad attributes, endless paging, slow trickles,
gzip bombs and foreign session endpoints each end as a typed error, never a builtin one and
never a run that does not end."""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import httpx
import pytest
from iaconn_support import (
    ENDPOINT,
    FAST_RETRY,
    LOGIN,
    SENDER,
    gateway_response,
    scripted_client,
    session_reply,
)

from mapsync.engine.connectors.intacct import IntacctClient
from mapsync.engine.errors import ProtocolError, ServerFault

DEFAULT = "https://api.intacct.com/ia/xml/xmlgw.phtml"


def page(count: int, remaining: int | str, result_id: str = "RID", total: int = 10) -> bytes:
    rows = "".join(f"<department><RECORDNO>{i}</RECORDNO></department>" for i in range(count))
    return gateway_response(
        "<result><status>success</status><function>readByQuery</function>"
        f"<controlid>c</controlid><data listtype='department' count='{count}' "
        f"totalcount='{total}' numremaining='{remaining}' resultId='{result_id}'>{rows}</data>"
        "</result>")


def read_all(client: IntacctClient) -> list[dict[str, object]]:
    with client:
        return list(client.read_where("DEPARTMENT", ["RECORDNO"]))


@pytest.mark.parametrize("remaining", ["five", "-1", "1e3", "9" * 40])
def test_a_count_that_is_not_a_number_is_a_protocol_error(remaining: str) -> None:
    client, _ = scripted_client([session_reply(), (200, page(2, remaining))])
    with pytest.raises(ProtocolError, match="numremaining> is not a count"):
        read_all(client)


def test_a_result_id_that_cannot_be_sent_back_is_a_protocol_error() -> None:
    client, _ = scripted_client([session_reply(), (200, page(2, 3, result_id="a b"))])
    with pytest.raises(ProtocolError, match="resultId"):
        read_all(client)


def test_read_more_stops_past_the_announced_total() -> None:
    calls: list[int] = []

    def forever(_: object) -> tuple[int, bytes]:
        calls.append(1)
        if len(calls) > 500:
            raise AssertionError("the client kept calling readMore")
        return 200, page(1, 5)

    client, _ = scripted_client([session_reply(), (200, page(5, 5))] + [forever] * 501)
    with pytest.raises(ProtocolError, match="more pages than the result set announced"):
        read_all(client)
    assert client.counter.calls["readMore"] <= 5 + 3 + 1


def test_query_paging_stops_past_the_announced_total() -> None:
    calls: list[int] = []

    def forever(_: object) -> tuple[int, bytes]:
        calls.append(1)
        if len(calls) > 500:
            raise AssertionError("the client kept paging")
        return 200, page(2, 4).replace(b"readByQuery", b"query")

    client, _ = scripted_client([session_reply()] + [forever] * 501, read_function="query")
    with client, pytest.raises(ProtocolError, match="more pages"):
        list(client.read_changed("DEPARTMENT", ["RECORDNO"], None))
    assert client.counter.calls["query"] <= 1 + 2 + 3 + 1


class FakeClock:
    """Seconds that pass only when the server sends a byte."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Trickle(httpx.SyncByteStream):
    """A body sent one byte every half second, for ever (the clock is the test's)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock, self.sent = clock, 0

    def __iter__(self) -> Iterator[bytes]:
        while self.sent < 10_000:
            self.clock.now += 0.5
            self.sent += 1
            yield b" "


def test_a_trickling_server_cannot_hold_a_request_past_its_deadline() -> None:
    clock = FakeClock()
    streams: list[Trickle] = []

    def handler(_: httpx.Request) -> httpx.Response:
        streams.append(Trickle(clock))
        return httpx.Response(200, stream=streams[-1])

    client = IntacctClient(SENDER, login=LOGIN, endpoint=ENDPOINT, retry=FAST_RETRY,
                           timeout=2.0, clock=clock, transport=httpx.MockTransport(handler))
    with client, pytest.raises(ServerFault, match="deadline") as info:
        client.open_session()
    assert info.value.code == "deadline"
    assert clock.now <= FAST_RETRY.attempts * (2 * 2.0 + 0.5)
    assert all(s.sent <= 9 for s in streams)


class Bomb(httpx.SyncByteStream):
    """A gzip body that inflates to 64 MiB of spaces, sent in 8 KiB raw chunks."""

    def __init__(self) -> None:
        self.data = gzip.compress(b" " * (64 * 1024 * 1024), compresslevel=9)
        self.read = 0

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.data), 8192):
            self.read += 8192
            yield self.data[start:start + 8192]


def test_a_gzip_bomb_is_refused_while_it_inflates() -> None:
    bombs: list[Bomb] = []

    def handler(_: httpx.Request) -> httpx.Response:
        bombs.append(Bomb())
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=bombs[-1])

    client = IntacctClient(SENDER, login=LOGIN, endpoint=ENDPOINT, retry=FAST_RETRY,
                           max_response_bytes=1024 * 1024,
                           transport=httpx.MockTransport(handler))
    with client, pytest.raises(ProtocolError, match="byte limit"):
        client.open_session()
    (bomb,) = bombs
    assert bomb.read < len(bomb.data) / 4  # stopped early, not after inflating it all


def test_a_gzip_body_is_read() -> None:
    body = gzip.compress(session_reply()[1])

    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": "gzip"},
                              stream=httpx.ByteStream(body))

    client = IntacctClient(SENDER, login=LOGIN, endpoint=ENDPOINT, retry=FAST_RETRY,
                           transport=httpx.MockTransport(handler))
    with client:
        assert client.open_session() == ENDPOINT


@pytest.mark.parametrize(("configured", "named", "accepted"), [
    (DEFAULT, "https://api.intacct.com/ia/xml/xmlgw.phtml", True),
    (DEFAULT, "https://eu.intacct.com/ia/xml/xmlgw.phtml", True),
    (DEFAULT, "http://eu.intacct.com/ia/xml/xmlgw.phtml", False),
    (DEFAULT, "https://evil.example.com/ia/xml/xmlgw.phtml", False),
    (DEFAULT, "https://intacct.com.evil.example/gw", False),
    (DEFAULT, "https://eu.intacct.com:8443/gw", False),
    (DEFAULT, "https://user:pw@api.intacct.com/gw", False),
    (DEFAULT, "https://api.intacct.com/g w", False),
    (ENDPOINT, "https://gateway.test/other/path", True),
    (ENDPOINT, "https://api.intacct.com/ia/xml/xmlgw.phtml", False),
    (ENDPOINT, "http://gateway.test/ia/xml/xmlgw.phtml", False),
    ("http://127.0.0.1:8080/ia/xml/xmlgw.phtml", "http://127.0.0.1:8080/ia/xml/xmlgw.phtml", True),
    ("http://127.0.0.1:8080/ia/xml/xmlgw.phtml", "http://127.0.0.1:9090/ia/xml/xmlgw.phtml", False),
])
def test_a_session_endpoint_is_accepted_only_where_credentials_may_go(
        configured: str, named: str, accepted: bool) -> None:
    client, _ = scripted_client([session_reply(endpoint=named)], endpoint=configured)
    with client:
        if accepted:
            assert client.open_session() == named
        else:
            with pytest.raises(ProtocolError, match="neither the configured host"):
                client.open_session()
