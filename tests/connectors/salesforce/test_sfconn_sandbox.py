"""SalesforceClient against the running sandbox: logins, reads, writes, bulk, faults, counts."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sfconn_support import faults_first

from mapsync.engine.connectors.base import Watermark
from mapsync.engine.connectors.salesforce import (
    ApiBudget,
    ClientCredentials,
    RetryPolicy,
    SalesforceClient,
    SessionToken,
    UsernamePassword,
    soql,
)
from mapsync.engine.errors import (
    AuthenticationError,
    LimitExceeded,
    ProtocolError,
    RateLimited,
    ServerFault,
    SessionExpired,
    TransientError,
    ValidationFailed,
)
from mapsync.engine.sandbox.faults import FaultPlan
from mapsync.engine.sandbox.salesforce import SalesforceSandbox

Make = Callable[..., SalesforceClient]
_run = itertools.count(1)


def keys(n: int) -> list[str]:
    """`n` fresh external ids (Intacct_ID__c is 20 characters at most)."""
    prefix = f"K{next(_run):04d}"
    return [f"{prefix}-{i:05d}" for i in range(n)]


def accounts(ids: list[str], **extra: Any) -> list[dict[str, Any]]:
    return [{"Intacct_ID__c": k, "Name": f"Account {k}", **extra} for k in ids]


def stored_count(box: SalesforceSandbox, ids: list[str]) -> Counter[str]:
    """How many live Account rows carry each external id (from the store, not the client)."""
    wanted = set(ids)
    return Counter(r["Intacct_ID__c"] for r in box.store.list("Account")
                   if r["Intacct_ID__c"] in wanted)


# -- logins -------------------------------------------------------------------------------


def test_client_credentials_login(box: SalesforceSandbox, make_client: Make) -> None:
    client = make_client()
    client.connect()
    assert client.instance_url == box.instance_url
    assert list(client.query("SELECT Id FROM Account LIMIT 1")) is not None
    assert box.stats.calls["login.oauth"] == 1
    assert client.counter.calls["login.oauth"] == 1


def test_oauth_username_password_login(box: SalesforceSandbox, make_client: Make) -> None:
    c = box.credentials
    creds = UsernamePassword(c.username, c.password, c.security_token,
                             consumer_key=c.client_id, consumer_secret=c.client_secret)
    client = make_client(creds=creds)
    client.connect()
    assert box.stats.calls["login.oauth"] == 1


def test_soap_login(box: SalesforceSandbox, make_client: Make) -> None:
    c = box.credentials
    client = make_client(creds=UsernamePassword(c.username, c.password, c.security_token))
    client.connect()
    assert client.instance_url == box.instance_url
    assert box.stats.calls["login.soap"] == 1


def test_bad_soap_password(box: SalesforceSandbox, make_client: Make) -> None:
    client = make_client(creds=UsernamePassword(box.credentials.username, "wrong-Pa55"))
    with pytest.raises(AuthenticationError) as caught:
        client.connect()
    assert caught.value.code == "INVALID_LOGIN"
    assert "wrong-Pa55" not in str(caught.value)


def test_bad_client_secret(box: SalesforceSandbox, make_client: Make) -> None:
    client = make_client(creds=ClientCredentials(box.credentials.client_id, "nope-SECRET"))
    with pytest.raises(AuthenticationError) as caught:
        client.connect()
    assert caught.value.code == "INVALID_CLIENT" and "nope-SECRET" not in str(caught.value)


def test_given_session(box: SalesforceSandbox, make_client: Make) -> None:
    client = make_client(creds=SessionToken(box.instance_url, box.session_id))
    assert list(client.query("SELECT Id FROM Account LIMIT 1")) is not None
    assert "login.oauth" not in box.stats.calls and "login.soap" not in box.stats.calls


def test_wrong_ca_bundle_is_a_tls_protocol_error(
    box: SalesforceSandbox, tmp_path: Any
) -> None:
    import trustme

    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    creds = ClientCredentials(box.credentials.client_id, box.credentials.client_secret)
    with SalesforceClient(creds, login_url=box.login_url, ca_bundle=str(other),
                          retry=RetryPolicy(attempts=1)) as client:
        with pytest.raises(ProtocolError) as caught:
            client.connect()
    assert caught.value.code == "TLS"


# -- reads --------------------------------------------------------------------------------


def test_incremental_reads_page_and_see_deletes(box: SalesforceSandbox, make_client: Make) -> None:
    ids = keys(450)
    client = make_client(query_batch_size=200)
    assert all(r.ok for r in client.upsert("Account", "Intacct_ID__c", accounts(ids)))
    where = soql.starts_with("Intacct_ID__c", ids[0][:6])
    box.stats.reset()
    rows = client.read_changed("Account", ["Name", "Intacct_ID__c"], None, where=where)
    first = next(rows)
    assert box.stats.calls["query"] == 1 and box.stats.calls["query_more"] == 0  # lazy
    seen = [first, *rows]
    assert sorted(r["Intacct_ID__c"] for r in seen) == ids
    assert box.stats.calls["query_more"] == 2  # 450 rows in pages of 200
    order = [(r["SystemModstamp"], r["Id"]) for r in seen]
    assert order == sorted(order)
    assert all(r["SystemModstamp"].tzinfo is not None for r in seen)

    last = seen[-1]
    mark = Watermark(last["SystemModstamp"], last["Id"])
    changed = client.upsert("Account", "Intacct_ID__c", accounts(ids[:3], Phone="555"))
    removed = client.delete("Account", [seen[5]["Id"], seen[6]["Id"]])
    assert all(r.ok for r in changed + removed)
    later = list(client.read_changed("Account", ["Intacct_ID__c", "Phone"], mark, where=where,
                                     include_deleted=True))
    by_key = {r["Intacct_ID__c"]: r for r in later}
    assert {k: by_key[k]["Phone"] for k in ids[:3]} == dict.fromkeys(ids[:3], "555")
    assert by_key[seen[5]["Intacct_ID__c"]]["IsDeleted"] is True
    assert all(r["SystemModstamp"] >= mark.modified for r in later)
    assert client.counter.calls["queryAll"] >= 1  # deletes are asked of queryAll
    live = list(client.read_changed("Account", ["Intacct_ID__c"], mark, where=where))
    assert seen[5]["Intacct_ID__c"] not in {r["Intacct_ID__c"] for r in live}


def test_read_by_keys_with_hostile_values(box: SalesforceSandbox, make_client: Make) -> None:
    ids = keys(2)
    hostile = ["x' OR Name != '", "O'Br\\ien\n"]
    records = accounts(ids)
    records[0]["Name"], records[1]["Name"] = hostile
    client = make_client()
    assert all(r.ok for r in client.upsert("Account", "Intacct_ID__c", records))
    found = client.read_by_keys("Account", "Name", [*hostile, "nobody"], ["Intacct_ID__c"])
    assert sorted(r["Intacct_ID__c"] for r in found) == ids
    assert client.read_by_keys("Account", "Name", ["x' OR Name != '"], ["Name"])[0]["Name"] == (
        hostile[0]
    )


# -- writes -------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 200, 201, 450])
def test_upsert_costs_ceil_n_over_200_calls(
    box: SalesforceSandbox, make_client: Make, n: int
) -> None:
    ids = keys(n)
    client = make_client()
    client.connect()
    box.stats.reset()
    results = client.upsert("Account", "Intacct_ID__c", accounts(ids))
    assert box.stats.calls["collections.upsert"] == math.ceil(n / 200)
    assert sum(box.stats.calls.values()) == math.ceil(n / 200)
    assert [r.index for r in results] == list(range(n))
    assert all(r.ok and r.created and r.record_id for r in results)
    again = client.upsert("Account", "Intacct_ID__c", accounts(ids, Phone="1"))
    assert all(r.ok and not r.created for r in again)
    assert [r.record_id for r in again] == [r.record_id for r in results]
    assert set(stored_count(box, ids).values()) == {1}


def test_per_record_errors_are_typed(box: SalesforceSandbox, make_client: Make) -> None:
    ids = keys(4)
    records = accounts(ids)
    records[1]["Name"] = None
    records[2]["Type"] = "Not A Picklist Value"
    records[3]["AccountNumber"] = "9" * 41
    client = make_client()
    results = client.upsert("Account", "Intacct_ID__c", records)
    assert results[0].ok
    codes = [r.error.code if r.error else None for r in results]
    assert codes[1:] == ["REQUIRED_FIELD_MISSING", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                         "STRING_TOO_LONG"]
    assert all(type(r.error) is ValidationFailed for r in results[1:])
    assert results[1].error is not None and results[1].error.field == "Name"


def test_update_and_delete_by_id(box: SalesforceSandbox, make_client: Make) -> None:
    ids = keys(3)
    client = make_client()
    created = client.upsert("Account", "Intacct_ID__c", accounts(ids))
    record_ids = [str(r.record_id) for r in created]
    box.stats.reset()
    updated = client.update("Account", [{"Id": i, "Phone": "42"} for i in record_ids])
    assert all(r.ok for r in updated) and box.stats.calls["collections.update"] == 1
    deleted = client.delete("Account", record_ids)
    again = client.delete("Account", record_ids)
    assert all(r.ok for r in deleted + again)
    assert box.stats.calls["collections.delete"] == 2
    assert stored_count(box, ids) == Counter()


def test_bulk_above_threshold_maps_every_row(box: SalesforceSandbox, make_client: Make) -> None:
    ids = keys(60)
    records = accounts(ids)
    records[10]["Name"] = None
    records[20]["Type"] = "Bogus"
    records[30]["Description"] = 'multi\nline, "quoted"'
    client = make_client(bulk_threshold=50)
    client.connect()
    box.stats.reset()
    results = client.upsert("Account", "Intacct_ID__c", records)
    assert box.stats.calls["bulk2.ingest.create"] == 1
    assert box.stats.calls["collections.upsert"] == 0
    assert [r.index for r in results] == list(range(60))
    bad = {i: r.error.code for i, r in enumerate(results) if r.error}
    assert bad == {10: "REQUIRED_FIELD_MISSING", 20: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"}
    assert all(r.created and r.record_id for i, r in enumerate(results) if i not in bad)
    [row] = client.read_by_keys("Account", "Intacct_ID__c", [ids[30]], ["Description"])
    assert row["Description"] == 'multi\nline, "quoted"'
    again = client.upsert("Account", "Intacct_ID__c", [r for r in records if r["Name"]])
    assert all(r.ok and not r.created for r in again[:9])
    assert set(stored_count(box, ids).values()) == {1}


def test_bulk_update_and_delete(box: SalesforceSandbox, make_client: Make) -> None:
    ids = keys(30)
    client = make_client(bulk_threshold=20)
    created = client.upsert("Account", "Intacct_ID__c", accounts(ids))
    record_ids = [str(r.record_id) for r in created]
    updated = client.update("Account", [{"Id": i, "Phone": None} for i in record_ids])
    deleted = client.delete("Account", record_ids)
    assert all(r.ok for r in created + updated + deleted)
    assert box.stats.calls["bulk2.ingest.create"] == 3
    assert stored_count(box, ids) == Counter()


# -- faults -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["429", "500", "502", "503", "524", "html", "truncate"])
def test_fault_once_then_success_without_duplicates(
    box: SalesforceSandbox, make_client: Make, kind: str
) -> None:
    ids = keys(5)
    client = make_client()
    client.connect()
    box.app.faults = faults_first(kind)
    results = client.upsert("Account", "Intacct_ID__c", accounts(ids))
    assert all(r.ok for r in results)
    assert box.stats.faults[kind] == 1
    assert box.stats.calls["collections.upsert"] == 2
    assert stored_count(box, ids) == Counter(dict.fromkeys(ids, 1))


def test_session_expiry_gets_one_fresh_session(box: SalesforceSandbox, make_client: Make) -> None:
    ids = keys(5)
    client = make_client()
    client.connect()
    box.app.faults = faults_first("expire")
    assert all(r.ok for r in client.upsert("Account", "Intacct_ID__c", accounts(ids)))
    assert box.stats.calls["login.oauth"] == 2
    assert stored_count(box, ids) == Counter(dict.fromkeys(ids, 1))


@pytest.mark.parametrize(
    ("kind", "error"),
    [("429", RateLimited), ("500", ServerFault), ("524", TransientError),
     ("html", ProtocolError)],
)
def test_persistent_fault_fails_the_records_with_a_typed_error(
    box: SalesforceSandbox, make_client: Make, kind: str, error: type[Exception]
) -> None:
    client = make_client(retry=RetryPolicy(attempts=3, base_delay=0.0))
    client.connect()
    box.app.faults = FaultPlan(rates=((kind, 1.0),))
    results = client.upsert("Account", "Intacct_ID__c", accounts(keys(450)))
    assert [type(r.error) for r in results] == [error] * 450
    assert not any(r.ok for r in results)
    # Three attempts at the first call; a transient outage spares the other two chunks.
    expected = 3 if error is not ProtocolError else 9
    assert box.stats.calls["collections.upsert"] == expected


def test_expiry_after_a_fresh_session_stops_the_run(
    box: SalesforceSandbox, make_client: Make
) -> None:
    client = make_client()
    client.connect()
    box.app.faults = FaultPlan(rates=(("expire", 1.0),))
    with pytest.raises(SessionExpired):
        client.upsert("Account", "Intacct_ID__c", accounts(keys(2)))
    assert box.stats.calls["collections.upsert"] == 2
    assert box.stats.calls["login.oauth"] == 2


def test_reads_survive_random_faults(box: SalesforceSandbox, make_client: Make) -> None:
    ids = keys(600)
    client = make_client(query_batch_size=200, retry=RetryPolicy(attempts=8, base_delay=0.0))
    assert all(r.ok for r in client.upsert("Account", "Intacct_ID__c", accounts(ids)))
    box.app.faults = FaultPlan.parse("500:0.15,truncate:0.15,html:0.1,expire:0.1", seed=7)
    where = soql.starts_with("Intacct_ID__c", ids[0][:6])
    rows = list(client.read_changed("Account", ["Intacct_ID__c"], None, where=where))
    assert sorted(r["Intacct_ID__c"] for r in rows) == ids
    assert sum(box.stats.faults.values()) > 0


def test_writes_survive_random_faults(box: SalesforceSandbox, make_client: Make) -> None:
    ids = keys(1000)
    client = make_client(retry=RetryPolicy(attempts=8, base_delay=0.0))
    client.connect()
    box.app.faults = FaultPlan.parse("429:0.1,500:0.1,524:0.1,truncate:0.1,expire:0.05", seed=3)
    results = client.upsert("Account", "Intacct_ID__c", accounts(ids))
    assert all(r.ok for r in results)
    assert sum(box.stats.faults.values()) > 0
    assert stored_count(box, ids) == Counter(dict.fromkeys(ids, 1))


# -- usage and budget ---------------------------------------------------------------------


def test_api_usage_is_tracked_and_budget_stops_cleanly(
    box: SalesforceSandbox, make_client: Make
) -> None:
    client = make_client()
    list(client.query("SELECT Id FROM Account LIMIT 1"))
    usage = client.api_usage
    assert usage is not None and usage.total == box.stats_snapshot()["api_usage"]["max"]  # type: ignore[index]
    ids = keys(450)
    capped = make_client(budget=ApiBudget(daily_calls=usage.used + 3))
    list(capped.query("SELECT Id FROM Account LIMIT 1"))
    box.stats.reset()
    with pytest.raises(LimitExceeded):
        capped.upsert("Account", "Intacct_ID__c", accounts(ids))
    # Three calls fit the budget (one read, then one upsert page); the next was never sent.
    assert box.stats.calls["collections.upsert"] <= 2


def test_a_read_goes_on_from_the_first_page_a_composite_call_read(
    box: SalesforceSandbox, make_client: Make
) -> None:
    from mapsync.engine.connectors.probes import ReadQuestion

    ids = keys(450)
    client = make_client(query_batch_size=200)
    assert all(r.ok for r in client.upsert("Account", "Intacct_ID__c", accounts(ids)))
    where = soql.starts_with("Intacct_ID__c", ids[0][:6])
    ours = list(client.read_changed("Account", ["Intacct_ID__c"], None, where=where))
    since = Watermark(min(r["SystemModstamp"] for r in ours), None)
    fields = ("Name", "Intacct_ID__c")
    box.stats.reset()
    (answer,) = client.changed_since([ReadQuestion("Account", fields, since)])
    assert answer.changed is True and box.stats.total() == 1  # one composite call
    resumed = list(client.resume("Account", fields, answer.page))
    # pages of 200, the plain read's size (records of earlier tests may share the second)
    assert box.stats.calls["query_more"] == math.ceil(len(resumed) / 200) - 1 >= 2
    assert resumed == list(client.read_changed("Account", fields, since))
    assert {r["Intacct_ID__c"] for r in ours} <= {r["Intacct_ID__c"] for r in resumed}
