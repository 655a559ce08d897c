"""Throughput of a compiled Customer-like mapping against a hand-written Python function.

    python bench/transforms.py [--records N] [--repeat R]

Both sides turn the same Intacct CUSTOMER records (connector types: str, Decimal,
datetime.date, naive datetime, bool) into Salesforce Account payloads with the same
semantics (null passes, unmapped status fails, refs through the same cross-reference
dict). Prints records/s of each and the ratio compiled / hand-written (target <= 1.2), the
passes of the two taken in turn.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mapsync.engine.plan import PlanField  # noqa: E402
from mapsync.engine.program import RefPending, compile_fields  # noqa: E402

STATUS = {"active": "Active", "inactive": "Inactive"}
COUNTRY = {"United States": "US", "France": "FR", "Germany": "DE"}
TERMS = {f"Net {d}": f"a0B{d:012d}" for d in (10, 15, 30, 45, 60, 90)}


def _field(intacct: Any, salesforce: str, steps: list[dict[str, Any]], line: int,
           constant: Any = None) -> PlanField:
    return PlanField.from_dict({
        "intacct": intacct, "salesforce": salesforce, "constant": constant,
        "direction": "to_salesforce", "locked": False, "required": False,
        "transforms": steps, "when": None, "labels": {},
        "source": {"path": "bench/customer.map", "line": line, "column": 5}})


def _op(op: str, **args: Any) -> dict[str, Any]:
    return {"op": op, "args": args}


FIELDS = [
    _field("CUSTOMERID", "Intacct_ID__c", [], 1),
    _field("NAME", "Name", [_op("trim")], 2),
    _field("STATUS", "Intacct_Status__c",
           [_op("map", table=STATUS, **{"else": {"mode": "fail"}})], 3),
    _field("CREDITLIMIT", "Intacct_Credit_Limit__c", [_op("decimal", places=2)], 4),
    _field("TOTALDUE", "Intacct_Total_Due__c", [_op("currency")], 5),
    _field("TERMNAME", "Intacct_Payment_Term__c", [_op("ref", mapping="ARTerm")], 6),
    _field("WHENCREATED", "Intacct_Created__c", [_op("datetime", tz="America/New_York")], 7),
    _field("LAST_INVOICEDATE", "Last_Invoice_Date__c", [_op("date")], 8),
    _field("DISPLAYCONTACT.PHONE1", "Phone", [_op("trim")], 9),
    _field("DISPLAYCONTACT.EMAIL1", "Email__c", [_op("trim"), _op("lower")], 10),
    _field("DISPLAYCONTACT.MAILADDRESS.CITY", "BillingCity", [_op("trim")], 11),
    _field("DISPLAYCONTACT.MAILADDRESS.STATE", "BillingState", [_op("upper")], 12),
    _field("DISPLAYCONTACT.MAILADDRESS.ZIP", "BillingPostalCode", [], 13),
    _field("DISPLAYCONTACT.MAILADDRESS.COUNTRY", "BillingCountry",
           [_op("map", table=COUNTRY, **{"else": {"mode": "keep"}})], 14),
    _field("ONHOLD", "On_Hold__c", [_op("bool")], 15),
    _field(None, "CurrencyIsoCode", [], 16, constant="USD"),
    _field("COMMENTS", "Description", [_op("truncate", length=255)], 17),
]

NEW_YORK = __import__("zoneinfo").ZoneInfo("America/New_York")
CENT = Decimal("0.01")


def hand_written(rec: dict[str, Any]) -> dict[str, Any]:
    """The same mapping written by hand, as a careful developer would."""
    name = rec.get("NAME")
    status = rec.get("STATUS")
    if status is not None:
        if status not in STATUS:
            raise ValueError(f"STATUS {status!r} is not in the map")
        status = STATUS[status]
    limit = rec.get("CREDITLIMIT")
    due = rec.get("TOTALDUE")
    term = rec.get("TERMNAME")
    term_id = None
    if term:
        term_id = TERMS.get(term)
        if term_id is None:
            raise LookupError(term)
    created = rec.get("WHENCREATED")
    email = rec.get("DISPLAYCONTACT.EMAIL1")
    city = rec.get("DISPLAYCONTACT.MAILADDRESS.CITY")
    state = rec.get("DISPLAYCONTACT.MAILADDRESS.STATE")
    country = rec.get("DISPLAYCONTACT.MAILADDRESS.COUNTRY")
    phone = rec.get("DISPLAYCONTACT.PHONE1")
    comments = rec.get("COMMENTS")
    return {
        "Intacct_ID__c": rec.get("CUSTOMERID"),
        "Name": name.strip() if name is not None else None,
        "Intacct_Status__c": status,
        "Intacct_Credit_Limit__c": (
            limit.quantize(CENT, ROUND_HALF_UP) if limit is not None else None),
        "Intacct_Total_Due__c": due.quantize(CENT, ROUND_HALF_UP) if due is not None else None,
        "Intacct_Payment_Term__c": term_id,
        "Intacct_Created__c": (
            created.replace(tzinfo=NEW_YORK).astimezone(dt.UTC) if created is not None else None),
        "Last_Invoice_Date__c": rec.get("LAST_INVOICEDATE"),
        "Phone": phone.strip() if phone is not None else None,
        "Email__c": email.strip().lower() if email is not None else None,
        "BillingCity": city.strip() if city is not None else None,
        "BillingState": state.upper() if state is not None else None,
        "BillingPostalCode": rec.get("DISPLAYCONTACT.MAILADDRESS.ZIP"),
        "BillingCountry": COUNTRY.get(country, country),
        "On_Hold__c": rec.get("ONHOLD"),
        "CurrencyIsoCode": "USD",
        "Description": comments[:255] if comments is not None else None,
    }


def records(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """n CUSTOMER records as the Intacct connector yields them."""
    rng = random.Random(seed)
    cities = [" Springfield", "Paris ", "Berlin", "Austin", None]
    out = []
    for i in range(n):
        out.append({
            "CUSTOMERID": f"C{i:06d}",
            "NAME": f"  Customer {i} Inc. ",
            "STATUS": rng.choice(("active", "inactive")),
            "CREDITLIMIT": Decimal(rng.randint(0, 10**7)) / 1000,
            "TOTALDUE": Decimal(rng.randint(0, 10**6)) / 100,
            "TERMNAME": rng.choice([*TERMS, None]),
            "WHENCREATED": dt.datetime(2024, 1, 1) + dt.timedelta(minutes=rng.randint(0, 10**6)),
            "LAST_INVOICEDATE": dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 700)),
            "DISPLAYCONTACT.PHONE1": " +1 555 0100 ",
            "DISPLAYCONTACT.EMAIL1": f" Billing{i}@Example.com",
            "DISPLAYCONTACT.MAILADDRESS.CITY": rng.choice(cities),
            "DISPLAYCONTACT.MAILADDRESS.STATE": rng.choice(("tx", "ca", None)),
            "DISPLAYCONTACT.MAILADDRESS.ZIP": f"{rng.randint(10000, 99999)}",
            "DISPLAYCONTACT.MAILADDRESS.COUNTRY": rng.choice([*COUNTRY, "Spain"]),
            "ONHOLD": rng.random() < 0.1,
            "COMMENTS": "note " * rng.randint(0, 80),
        })
    return out


def _resolver(mapping: str, side: str) -> dict[str, str]:
    return TERMS


def best_time(fn: Callable[[dict[str, Any]], Any], data: list[dict[str, Any]],
              repeat: int) -> float:
    """Best wall time of `repeat` passes of fn over data (seconds)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for rec in data:
            fn(rec)
        best = min(best, time.perf_counter() - start)
    return best


def race(runs: dict[str, tuple[Callable[[Any], Any], list[Any]]], repeat: int) -> dict[str, float]:
    """Best wall time (seconds) of each `name: (fn, data)`, the passes taken in turn so that
    a machine busy for a while slows every contestant alike."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, (fn, data) in runs.items():
            best[name] = min(best[name], best_time(fn, data, 1))
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    data = records(args.records)
    compiled = compile_fields(FIELDS, "to_salesforce", _resolver)
    for rec in data[:2000]:  # same results before timing anything
        try:
            got = compiled.apply(rec)
        except RefPending as exc:
            raise SystemExit(f"unexpected pending {exc.pending}") from exc
        assert got == hand_written(rec), (got, hand_written(rec))
        assert not any(isinstance(v, RefPending) for v in got.values())
    times = race({"compiled": (compiled.apply, data), "hand": (hand_written, data)}, args.repeat)
    t_compiled, t_hand = times["compiled"], times["hand"]
    n = len(data)
    print(f"fields per record:      {len(FIELDS)}")
    print(f"compiled mapping:       {n / t_compiled:12,.0f} records/s")
    print(f"hand-written function:  {n / t_hand:12,.0f} records/s")
    print(f"ratio compiled/hand:    {t_compiled / t_hand:12.2f}  (target <= 1.2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
