"""POST composite: subrequests through the org's routes, one call, and the documented caps
(25 subrequests, 5 of them queries); getUpdated at whole minutes on the org's clock."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from simple_salesforce import Salesforce

from mapsync.engine.sandbox.salesforce import SalesforceSandbox

BASE = "/services/data/v59.0"


def composite(sf: Salesforce, urls: list[str]) -> Any:
    body = {"allOrNone": False, "compositeRequest": [
        {"method": "GET", "url": url, "referenceId": f"r{n}"} for n, url in enumerate(urls)
    ]}
    return sf.restful("composite", method="POST", data=json.dumps(body))


def query(soql: str) -> str:
    return f"{BASE}/query/?{urlencode({'q': soql})}"


def minute(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:00Z")


def test_subrequests_answer_in_order_and_count_as_one_call(
    box: SalesforceSandbox, sf: Salesforce, unique: str
) -> None:
    account = sf.Account.create({"Name": unique})["id"]
    before = box.stats_snapshot()["calls"]
    answer = composite(sf, [
        query(f"SELECT Id FROM Account WHERE Name = '{unique}'"),
        f"{BASE}/sobjects/Account/{account}",
        f"{BASE}/sobjects/Account/001000000000000AAA",
    ])
    after = box.stats_snapshot()["calls"]
    results = answer["compositeResponse"]
    assert [r["referenceId"] for r in results] == ["r0", "r1", "r2"]
    assert [r["httpStatusCode"] for r in results] == [200, 200, 404]
    assert results[0]["body"]["records"][0]["Id"] == account
    assert results[1]["body"]["Name"] == unique
    assert results[2]["body"][0]["errorCode"] == "NOT_FOUND"
    assert after["composite"] - before.get("composite", 0) == 1
    assert after.get("query", 0) == before.get("query", 0)  # the subrequest is not a call


@pytest.mark.parametrize(("urls", "cap"), [
    ([f"{BASE}/sobjects/Account/describe"] * 26, "25 operations"),
    ([query("SELECT Id FROM Account LIMIT 1")] * 6, "5 query"),
])
def test_past_a_cap_the_call_is_refused_whole(sf: Salesforce, urls: list[str], cap: str) -> None:
    (only,) = composite(sf, urls)["compositeResponse"]
    assert only["httpStatusCode"] == 400 and only["referenceId"] is None
    assert only["body"][0]["errorCode"] == "LIMIT_EXCEEDED"
    assert cap in only["body"][0]["message"]


def test_get_updated_ignores_seconds_and_needs_a_whole_minute(
    box: SalesforceSandbox, sf: Salesforce, unique: str
) -> None:
    clock = box.store.time
    clock.advance(120 - clock.now().second)  # to the first second of a later minute
    start = clock.now() - dt.timedelta(seconds=1)
    changed = sf.Account.create({"Name": unique})["id"]
    url = f"{BASE}/sobjects/Account/updated/?"
    same_minute = {"start": minute(start), "end": start.strftime("%Y-%m-%dT%H:%M:59Z")}
    clock.advance(61)
    later = {"start": minute(start), "end": minute(clock.now())}
    refused, answered = composite(sf, [url + urlencode(same_minute), url + urlencode(later)])[
        "compositeResponse"]
    assert refused["body"][0]["errorCode"] == "INVALID_REPLICATION_DATE"
    assert changed in answered["body"]["ids"]
    assert answered["body"]["latestDateCovered"] == clock.now().strftime(
        "%Y-%m-%dT%H:%M:00.000+0000")
