"""Values, limits, auth flows and request classification: small pure pieces."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sfconn_support import LOGIN, RecordedTransport, Reply, fixture_bytes

from mapsync.engine.connectors.salesforce import JwtBearer, UsernamePassword, values
from mapsync.engine.connectors.salesforce.auth import login, parse_xml
from mapsync.engine.connectors.salesforce.limits import ApiBudget, UsageTracker, parse_limit_info
from mapsync.engine.connectors.salesforce.transport import operation_of
from mapsync.engine.errors import AuthenticationError, LimitExceeded, ProtocolError

UTC = dt.UTC


def test_from_wire_by_catalog_type() -> None:
    assert values.from_wire("datetime", "2011-07-07T00:37:00.000+0000") == dt.datetime(
        2011, 7, 7, 0, 37, tzinfo=UTC
    )
    assert values.from_wire("datetime", "2011-07-07T02:37:00.000+0200") == dt.datetime(
        2011, 7, 7, 0, 37, tzinfo=UTC
    )
    assert values.from_wire("date", "2010-01-01") == dt.date(2010, 1, 1)
    assert values.from_wire("currency", Decimal("10.10")) == Decimal("10.10")
    assert values.from_wire("percent", 5) == Decimal(5)
    assert values.from_wire("integer", Decimal("3.0")) == 3
    assert values.from_wire("boolean", "true") is True
    assert values.from_wire("boolean", False) is False
    assert values.from_wire("string", "") == ""
    assert values.from_wire("date", "") is None
    assert values.from_wire(None, [1]) == [1]
    assert values.from_wire("currency", None) is None


def test_to_json_and_csv() -> None:
    when = dt.datetime(2024, 1, 2, 4, 4, 5, 120000, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert values.to_json(when) == "2024-01-02T03:04:05.120+0000"
    assert values.to_json(dt.date(2024, 1, 2)) == "2024-01-02"
    assert values.to_json(Decimal("0.1")) == 0.1
    assert values.to_json(Decimal("12345678901234567.89")) == "12345678901234567.89"
    assert values.to_csv(None) == "#N/A"
    assert values.to_csv(True) == "true"
    assert values.to_csv(Decimal("1E+2")) == "100"
    with pytest.raises(values.ValueConversionError):
        values.to_json(dt.datetime(2024, 1, 2))


def test_limit_info_parsing_and_budget() -> None:
    info = parse_limit_info("api-usage=18/5000; per-app-api-usage=17/250(appName=sample)")
    assert info.api is not None and (info.api.used, info.api.total) == (18, 5000)
    assert info.per_app["sample"].remaining == 233
    tracker = UsageTracker(ApiBudget(daily_calls=20, reserve=10))
    tracker.observe("api-usage=18/5000")
    tracker.check(2)
    with pytest.raises(LimitExceeded) as caught:
        tracker.check(3)
    assert caught.value.code == "BUDGET"
    tracker.count_call()
    tracker.count_call()
    with pytest.raises(LimitExceeded):
        tracker.check(1)  # 18 from the header + 2 sent since
    near = UsageTracker(ApiBudget(reserve=10))
    near.observe("api-usage=4989/5000")
    near.check(1)
    with pytest.raises(LimitExceeded) as org:
        near.check(2)
    assert org.value.code == "ORG_LIMIT"


@pytest.mark.parametrize(
    ("method", "url", "op"),
    [
        ("POST", "https://h/services/oauth2/token", "login.oauth"),
        ("POST", "https://h/services/Soap/u/59.0", "login.soap"),
        ("GET", "https://h/services/data/v59.0/query/?q=x", "query"),
        ("GET", "https://h/services/data/v59.0/query/01gD-2000", "query"),
        ("GET", "https://h/services/data/v59.0/queryAll/?q=x", "queryAll"),
        ("PATCH", "https://h/services/data/v59.0/composite/sobjects/Account/Ext__c",
         "collections.upsert"),
        ("PATCH", "https://h/services/data/v59.0/composite/sobjects", "collections.update"),
        ("DELETE", "https://h/services/data/v59.0/composite/sobjects?ids=a", "collections.delete"),
        ("PUT", "https://h/services/data/v59.0/jobs/ingest/750x/batches", "bulk2.ingest"),
        ("GET", "https://h/services/data/v59.0/limits/", "rest.get"),
    ],
)
def test_operation_names(method: str, url: str, op: str) -> None:
    assert operation_of(method, url) == op


def _session(transport: RecordedTransport) -> requests.Session:
    http = requests.Session()
    http.mount("https://", transport)
    return http


def test_soap_login_success_fixture(transport: RecordedTransport) -> None:
    transport.on("POST", r"/services/Soap/u/59\.0$", Reply(200, fixture_bytes(
        "soap-login-success.xml"), {"Content-Type": "text/xml"}))
    info = login(UsernamePassword("u@example.com", "p<&>w"), _session(transport),
                 login_url=LOGIN + "/")
    assert (info.instance_url, info.session_id) == ("https://na15.salesforce.com", "12345")
    sent = transport.requests[0]
    assert sent.headers["SOAPAction"] == "login"
    assert b"<urn:password>p&lt;&amp;&gt;w</urn:password>" in (sent.body or b"")


def test_soap_refuses_doctype() -> None:
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    with pytest.raises(ProtocolError) as caught:
        parse_xml(evil, operation="login")
    assert caught.value.code == "UNSAFE_XML"


def test_oauth_password_flow(transport: RecordedTransport) -> None:
    transport.on("POST", r"/services/oauth2/token$", Reply(200, {
        "access_token": "tok", "instance_url": "https://acme.my.salesforce.com/"}))
    creds = UsernamePassword("u@example.com", "pw", "TOK", consumer_key="ck", consumer_secret="cs")
    info = login(creds, _session(transport), login_url=LOGIN)
    assert info.instance_url == "https://acme.my.salesforce.com"
    form = parse_qs(transport.requests[0].body)  # type: ignore[type-var]
    assert form == {"grant_type": ["password"], "client_id": ["ck"], "client_secret": ["cs"],
                    "username": ["u@example.com"], "password": ["pwTOK"]}
    assert "pw" not in repr(creds) and "cs" not in repr(creds)


def test_jwt_bearer_flow(transport: RecordedTransport) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    transport.on("POST", r"/services/oauth2/token$", Reply(200, {
        "access_token": "tok", "instance_url": "https://acme.my.salesforce.com"}))
    login(JwtBearer("ck", "u@example.com", pem), _session(transport), login_url=LOGIN)
    form = parse_qs(transport.requests[0].body)  # type: ignore[type-var]
    assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    claims = jwt.decode(form["assertion"][0], key.public_key(), algorithms=["RS256"],
                        audience=LOGIN)
    assert claims["iss"] == "ck" and claims["sub"] == "u@example.com"


def test_jwt_with_a_bad_key_is_authentication_error(transport: RecordedTransport) -> None:
    with pytest.raises(AuthenticationError) as caught:
        login(JwtBearer("ck", "u", "not a key"), _session(transport), login_url=LOGIN)
    assert "not a key" not in str(caught.value)
    assert transport.requests == []


def test_bulk_rows_map_back_to_inputs_in_order() -> None:
    from mapsync.engine.connectors.salesforce import bulk
    from mapsync.engine.connectors.salesforce.staging import Staging
    from mapsync.engine.errors import TransientError, ValidationFailed

    records = [{"Ext__c": "A"}, {"Ext__c": "B"}, {"Ext__c": "A"}, {"Ext__c": "C"},
               {"Ext__c": "D"}, {"Ext__c": "E"}]
    files = {
        "successfulResults": 'sf__Id,sf__Created,Ext__c\n001A1,true,A\n001A2,false,A\n'
                             '001X,true,E\n',
        "failedResults": 'sf__Id,sf__Error,Ext__c\n,STRING_TOO_LONG:too long:Ext__c --,B\n',
        "unprocessedRecords": 'Ext__c\nC\n',
    }
    with Staging() as staging:
        for kind, text in files.items():
            path = staging.path(f"{kind}.csv")
            Path(path).write_text(text, "utf-8")
            staging.load_results(0, kind, path, "Ext__c")
        outs = [bulk.outcome(*staging.take(0, r["Ext__c"]), record=r, operation="bulk upsert")
                for r in records]
    assert [(o.ok, o.record_id, o.created) for o in outs[:3:2]] == [
        (True, "001A1", True), (True, "001A2", False)]
    assert type(outs[1].error) is ValidationFailed and outs[1].error.field == "Ext__c"
    assert type(outs[3].error) is TransientError and outs[3].error.code == "UNPROCESSED"
    assert type(outs[4].error) is ProtocolError and outs[4].error.code == "MISSING_RESULT"
    assert outs[5].ok and outs[5].record_id == "001X"


def test_bulk_upload_parts_split_at_the_byte_cap_and_keep_quoted_cells() -> None:
    import csv

    from mapsync.engine.connectors.salesforce.staging import Staging

    rows = [{"Ext__c": f"K{i}", "Description": "two\nlines, quoted"} for i in range(10)]
    with Staging() as staging:
        parts = staging.write_parts(rows, ["Ext__c", "Description", "Phone"], 100, None)
        read = [list(csv.DictReader(Path(p.path).read_text("utf-8").splitlines(True)))
                for p in parts]
    assert len(parts) > 1 and all(len(r) == p.rows for r, p in zip(read, parts, strict=True))
    assert [p.first for p in parts] == [sum(q.rows for q in parts[:n]) for n in range(len(parts))]
    flat = [row for part in read for row in part]
    assert [r["Ext__c"] for r in flat] == [f"K{i}" for i in range(10)]
    assert flat[3]["Description"] == "two\nlines, quoted" and flat[3]["Phone"] == ""
