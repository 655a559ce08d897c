"""The client over a recorded transport: paging, typing, retries, renewal, budget, secrets."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sfconn_support import INSTANCE, LOGIN, RecordedTransport, Reply, fixture_json

from mapsync.engine.catalog import load_catalogs
from mapsync.engine.connectors.base import Watermark
from mapsync.engine.connectors.salesforce import (
    ApiBudget,
    ClientCredentials,
    RetryPolicy,
    SalesforceClient,
    SessionToken,
)
from mapsync.engine.errors import (
    AuthenticationError,
    LimitExceeded,
    ProtocolError,
    ServerFault,
    SessionExpired,
    ValidationFailed,
)

FAST = RetryPolicy(attempts=4, base_delay=0.0, sleep=lambda _s: None)
TOKEN = {"access_token": "00Dtoken!SECRET", "instance_url": INSTANCE, "token_type": "Bearer"}
LIMIT = {"Sforce-Limit-Info": "api-usage=18/5000"}


def client(transport: RecordedTransport, **kwargs: object) -> SalesforceClient:
    creds = kwargs.pop("creds", ClientCredentials("key", "consumer-SECRET"))
    return SalesforceClient(
        creds,  # type: ignore[arg-type]
        login_url=LOGIN,
        transport=transport,
        retry=kwargs.pop("retry", FAST),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


def soql_of(request: requests.PreparedRequest) -> str:
    return parse_qs(urlsplit(request.url or "").query)["q"][0]


def test_paging_follows_next_records_url_lazily(transport: RecordedTransport) -> None:
    transport.on("POST", r"/services/oauth2/token$", Reply(200, TOKEN))
    transport.on("GET", r"/query/\?q=", Reply(200, fixture_json("query-paged-first-page.json")))
    transport.on("GET", r"/services/data/v26.0/query/01gD$",
                 Reply(200, fixture_json("query-paged-last-page.json")))
    with client(transport) as sf:
        rows = sf.query("SELECT Text_Label FROM Whizbang")
        first = next(rows)
        assert first == {"Text_Label": "First Page"}
        assert sf.counter.calls == {"login.oauth": 1, "query": 1}
        assert list(rows) == [{"Text_Label": "Last Page"}]
        assert sf.counter.calls == {"login.oauth": 1, "query": 2}


def test_empty_query(transport: RecordedTransport) -> None:
    transport.on("POST", r"/oauth2/token$", Reply(200, TOKEN))
    transport.on("GET", r"/query/", Reply(200, fixture_json("query-empty.json")))
    with client(transport) as sf:
        assert list(sf.query("SELECT Id FROM Account")) == []


def test_read_changed_builds_incremental_soql_and_types_values(
    transport: RecordedTransport,
) -> None:
    page = {
        "totalSize": 1, "done": True,
        "records": [{
            "attributes": {"type": "Account", "url": "/x"},
            "Id": "001A", "Name": "Acme", "SystemModstamp": "2024-05-01T12:00:01.000+0000",
            "IsDeleted": True, "Parent": {"attributes": {}, "Name": "Holding"},
            "Unknown__c": 1.5,
        }],
    }
    transport.on("POST", r"/oauth2/token$", Reply(200, TOKEN))
    transport.on("GET", r"/queryAll/\?q=", Reply(200, page))
    since = Watermark(dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC), "001Z")
    with client(transport) as sf:
        rows = list(sf.read_changed(
            "Account", ["Name", "Parent.Name", "Unknown__c"], since, include_deleted=True,
        ))
    assert soql_of(transport.requests[-1]) == (
        "SELECT Name, Parent.Name, Unknown__c, Id, SystemModstamp, IsDeleted FROM Account "
        "WHERE SystemModstamp >= 2024-05-01T12:00:00Z ORDER BY SystemModstamp, Id"
    )
    assert rows == [{
        "Name": "Acme", "Parent.Name": "Holding", "Unknown__c": Decimal("1.5"), "Id": "001A",
        "SystemModstamp": dt.datetime(2024, 5, 1, 12, 0, 1, tzinfo=dt.UTC), "IsDeleted": True,
    }]


def test_read_by_keys_escapes_and_chunks(transport: RecordedTransport) -> None:
    transport.on("POST", r"/oauth2/token$", Reply(200, TOKEN))
    transport.on("GET", r"/query/", Reply(200, fixture_json("query-empty.json")))
    keys = [f"C-{i}" for i in range(450)] + ["O'Hara\\"]
    with client(transport) as sf:
        assert sf.read_by_keys("Account", "Intacct_ID__c", keys, ["Name"]) == []
    queries = [soql_of(r) for r in transport.requests if "/query/" in (r.url or "")]
    assert len(queries) == 3
    assert queries[0].startswith("SELECT Name, Id, Intacct_ID__c FROM Account WHERE "
                                 "Intacct_ID__c IN ('C-0', 'C-1',")
    assert queries[2].endswith(r"'O\'Hara\\')")


def test_transient_faults_are_retried(transport: RecordedTransport) -> None:
    transport.on("POST", r"/oauth2/token$", Reply(503, "<html>down</html>"), Reply(200, TOKEN))
    transport.on(
        "GET", r"/query/",
        Reply(500, [{"errorCode": "UNKNOWN_EXCEPTION", "message": "boom"}]),
        Reply(429, "slow down"),
        Reply(524, "<html>origin timeout</html>"),
        Reply(200, fixture_json("query-empty.json"), LIMIT),
    )
    with client(transport) as sf:
        assert list(sf.query("SELECT Id FROM Account")) == []
        assert sf.counter.calls == {"login.oauth": 2, "query": 4}
        assert sf.api_usage is not None and sf.api_usage.used == 18


def test_persistent_server_fault_gives_up(transport: RecordedTransport) -> None:
    transport.on("POST", r"/oauth2/token$", Reply(200, TOKEN))
    transport.on("GET", r"/query/", Reply(502, "<html>bad gateway</html>"))
    with client(transport) as sf, pytest.raises(ServerFault) as caught:
        list(sf.query("SELECT Id FROM Account"))
    assert caught.value.code == "HTTP_502" and "bad gateway" in caught.value.message
    assert sf.counter.calls["query"] == FAST.attempts


def test_html_page_with_200_is_protocol_error(transport: RecordedTransport) -> None:
    transport.on("POST", r"/oauth2/token$", Reply(200, TOKEN))
    transport.on("GET", r"/query/", Reply(200, "<html><body>Maintenance</body></html>",
                                          {"Content-Type": "text/html"}))
    with client(transport) as sf, pytest.raises(ProtocolError) as caught:
        list(sf.query("SELECT Id FROM Account"))
    assert caught.value.code == "NOT_JSON" and "Maintenance" in caught.value.message


def test_truncated_body_is_retried_then_succeeds(transport: RecordedTransport) -> None:
    transport.on("POST", r"/oauth2/token$", Reply(200, TOKEN))
    body = json.dumps(fixture_json("query-success.json"))
    transport.on("GET", r"/query/", Reply(200, body[: len(body) // 2]), Reply(200, body))
    with client(transport) as sf:
        rows = list(sf.query("SELECT Text_Label FROM Whizbang"))
    assert rows[0]["Text_Label"] == "Hi there!"
    assert rows[0]["Picklist_Multiselect_Label"] == "four;six"


def test_expired_session_logs_in_again_once(transport: RecordedTransport) -> None:
    expired = Reply(401, fixture_json("error-INVALID_SESSION_ID.json"))
    transport.on("POST", r"/oauth2/token$", Reply(200, TOKEN))
    transport.on("GET", r"/query/", expired, Reply(200, fixture_json("query-empty.json")))
    with client(transport) as sf:
        assert list(sf.query("SELECT Id FROM Account")) == []
        assert sf.counter.calls == {"login.oauth": 2, "query": 2}


def test_session_expired_twice_raises(transport: RecordedTransport) -> None:
    transport.on("POST", r"/oauth2/token$", Reply(200, TOKEN))
    transport.on("GET", r"/query/", Reply(401, fixture_json("error-INVALID_SESSION_ID.json")))
    with client(transport) as sf, pytest.raises(SessionExpired):
        list(sf.query("SELECT Id FROM Account"))
    assert sf.counter.calls == {"login.oauth": 2, "query": 2}


def test_given_session_cannot_be_renewed(transport: RecordedTransport) -> None:
    transport.on("GET", r"/query/", Reply(401, fixture_json("error-INVALID_SESSION_ID.json")))
    creds = SessionToken(INSTANCE, "00Dsession!SECRET")
    with client(transport, creds=creds) as sf, pytest.raises(AuthenticationError) as caught:
        list(sf.query("SELECT Id FROM Account"))
    assert caught.value.code == "INVALID_SESSION_ID"
    assert transport.requests[0].headers["Authorization"] == "Bearer 00Dsession!SECRET"


def test_oauth_refusal_is_authentication_error_without_secrets(
    transport: RecordedTransport,
) -> None:
    transport.on("POST", r"/oauth2/token$", Reply(400, {
        "error": "invalid_client", "error_description": "invalid client credentials"}))
    with client(transport) as sf, pytest.raises(AuthenticationError) as caught:
        sf.connect()
    assert caught.value.code == "INVALID_CLIENT"
    assert "consumer-SECRET" not in repr(sf) and "consumer-SECRET" not in str(caught.value)
    auth = transport.requests[0].headers["Authorization"]
    assert auth.startswith("Basic ")


def test_budget_stops_before_the_call(transport: RecordedTransport) -> None:
    transport.on("POST", r"/oauth2/token$", Reply(200, TOKEN))
    transport.on("GET", r"/query/", Reply(200, fixture_json("query-empty.json"),
                                          {"Sforce-Limit-Info": "api-usage=4999/5000"}))
    with client(transport, budget=ApiBudget(reserve=1)) as sf:
        assert list(sf.query("SELECT Id FROM Account")) == []
        with pytest.raises(LimitExceeded) as caught:
            list(sf.query("SELECT Id FROM Account"))
    assert caught.value.code == "ORG_LIMIT"
    assert sf.counter.calls == {"login.oauth": 1, "query": 1}


def test_daily_budget_counts_calls_before_any_header(transport: RecordedTransport) -> None:
    transport.on("POST", r"/oauth2/token$", Reply(200, TOKEN))
    transport.on("GET", r"/query/", Reply(200, fixture_json("query-empty.json")))
    with client(transport, budget=ApiBudget(daily_calls=3)) as sf:
        list(sf.query("SELECT Id FROM Account"))
        list(sf.query("SELECT Id FROM Account"))
        with pytest.raises(LimitExceeded):
            list(sf.query("SELECT Id FROM Account"))
    assert sf.counter.calls["query"] == 2


def test_upsert_maps_results_in_order(transport: RecordedTransport) -> None:
    def answer(request: requests.PreparedRequest) -> Reply:
        body = json.loads(request.body or b"")
        assert body["allOrNone"] is False
        out = []
        for rec in body["records"]:
            assert rec["attributes"] == {"type": "Account"}
            if rec.get("Name"):
                out.append({"id": "001" + rec["Intacct_ID__c"], "success": True, "errors": [],
                            "created": rec["Intacct_ID__c"] != "C-1"})
            else:
                out.append({"success": False, "errors": [{
                    "statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are "
                    "missing: [Name]", "fields": ["Name"]}]})
        return Reply(200, out)

    transport.on("POST", r"/oauth2/token$", Reply(200, TOKEN))
    transport.on("PATCH", r"/composite/sobjects/Account/Intacct_ID__c$", answer)
    records = [{"Intacct_ID__c": f"C-{i}", "Name": f"N{i}" if i % 100 else None,
                "AnnualRevenue": Decimal("1234.50"),
                "LastSeen__c": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)}
               for i in range(450)]
    records[7] = {"Name": "no key"}
    records[8] = {"Intacct_ID__c": "C-8", "When__c": dt.datetime(2024, 1, 1)}
    with client(transport) as sf:
        results = sf.upsert("Account", "Intacct_ID__c", records)
    assert sf.counter.calls == {"login.oauth": 1, "collections.upsert": 3}  # 448 → ⌈448/200⌉
    assert [r.index for r in results] == list(range(450))
    assert results[1].ok and not results[1].created and results[1].record_id == "001C-1"
    assert results[2].ok and results[2].created and results[2].key == "C-2"
    assert type(results[0].error) is ValidationFailed and results[0].error.field == "Name"
    assert results[7].error is not None and results[7].error.code == "REQUIRED_FIELD_MISSING"
    assert results[8].error is not None and results[8].error.code == "INVALID_VALUE"
    sent = json.loads(transport.requests[1].body or b"")["records"][1]
    assert sent["AnnualRevenue"] == 1234.5
    assert sent["LastSeen__c"] == "2024-01-02T03:04:05.000+0000"


def test_locked_rows_are_sent_again(transport: RecordedTransport) -> None:
    lock = {"success": False, "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW",
                                          "message": "unable to obtain exclusive access"}]}

    def first(request: requests.PreparedRequest) -> Reply:
        n = len(json.loads(request.body or b"")["records"])
        return Reply(200, [lock] + [{"id": f"001{i}", "success": True, "errors": []}
                                    for i in range(1, n)])

    def second(request: requests.PreparedRequest) -> Reply:
        recs = json.loads(request.body or b"")["records"]
        assert [r["Intacct_ID__c"] for r in recs] == ["C-0"]
        return Reply(200, [{"id": "0010", "success": True, "errors": [], "created": True}])

    transport.on("POST", r"/oauth2/token$", Reply(200, TOKEN))
    transport.on("PATCH", r"/composite/sobjects/Account/Intacct_ID__c$", first, second)
    with client(transport) as sf:
        results = sf.upsert("Account", "Intacct_ID__c",
                            [{"Intacct_ID__c": f"C-{i}", "Name": "x"} for i in range(3)])
    assert all(r.ok for r in results) and results[0].created
    assert sf.counter.calls["collections.upsert"] == 2


def test_update_and_delete_use_collections(transport: RecordedTransport) -> None:
    def deleted(request: requests.PreparedRequest) -> Reply:
        query = parse_qs(urlsplit(request.url or "").query)
        assert query["allOrNone"] == ["false"]
        ids = query["ids"][0].split(",")
        gone = {"success": False, "errors": [{"statusCode": "ENTITY_IS_DELETED",
                                              "message": "entity is deleted"}]}
        return Reply(200, [gone if i == "001B" else {"id": i, "success": True, "errors": []}
                           for i in ids])

    transport.on("POST", r"/oauth2/token$", Reply(200, TOKEN))
    transport.on("PATCH", r"/composite/sobjects$", Reply(200, [
        {"id": "001A", "success": True, "errors": []},
        {"success": False, "errors": [{"statusCode": "ENTITY_IS_DELETED", "message": "gone"}]},
    ]))
    transport.on("DELETE", r"/composite/sobjects\?", deleted)
    with client(transport) as sf:
        updated = sf.update("Account", [{"Id": "001A", "Name": "a"}, {"Id": "001B", "Name": "b"}])
        removed = sf.delete("Account", ["001A", "001B"])
    assert updated[0].ok and updated[1].error is not None and updated[1].record_id == "001B"
    assert [r.ok for r in removed] == [True, True]
    assert sf.counter.calls == {"login.oauth": 1, "collections.update": 1,
                                "collections.delete": 1}


def test_catalog_types_parse(transport: RecordedTransport) -> None:
    catalogs = load_catalogs()
    account = catalogs.get("salesforce", "Account")
    assert account is not None
    typed = {n: f.type for n, f in account.fields.items()}
    currency = next(n for n, t in typed.items() if t == "currency")
    boolean = next(n for n, t in typed.items() if t == "boolean")
    page = {"totalSize": 1, "done": True, "records": [
        {"attributes": {}, "Id": "001A", currency: 12.3, boolean: False,
         "SystemModstamp": "2024-05-01T12:00:01.000+0000"}]}
    transport.on("POST", r"/oauth2/token$", Reply(200, TOKEN))
    transport.on("GET", r"/query/", Reply(200, page))
    with client(transport, catalogs=catalogs) as sf:
        [row] = list(sf.read_changed("Account", [currency, boolean], None))
    assert row[currency] == Decimal("12.3") and row[boolean] is False
    assert "WHERE" not in soql_of(transport.requests[-1])
