"""Throughput of the compiled Customer mapping (rules/customers.map) against hand-written code.

    python bench/customer_transforms.py [--records N] [--repeat R]

The standard rules are compiled as the runner compiles them (`compile_mapping`, refs through
a cross-reference dict). Measured for both flows (Intacct CUSTOMER to Salesforce Account, and
Account to CUSTOMER), each against hand-written code doing the same:

- creates: the mapping's generated function builds the whole record (`program.apply`), the
  hot path of an initial sync;
- updates: a record edited on one side (two fields) after a sync that linked the pair,
  decided as the runner decides it (its `Decider.pair`, given the pair the pairer builds:
  the mapping's update function for that side, only the changed fields come back, with
  the shadow to store). The hand-written update builds the new payload and drops the
  values the last sync wrote;
- the values of every rule through the function, without any decision (what the earlier
  rule-by-rule figure timed).

The hand-written functions keep the same semantics (unmapped status fails, unlinked
references fail, amounts rounded half-up to cents, the street split on its first line
break). Outputs are compared before timing; the passes alternate (bench/transforms.py's
`race`) so that machine load hits both alike.

The hand-written update is the cheaper one by construction: it compares raw values with
the last payload written and keeps nothing of the source side, while `decide` also keeps
the source side's canonical values (what tells an edit on both sides from an echo on the
next run) and returns both sides' new shadows, a copy of each, with the change list.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transforms import race  # noqa: E402  (bench/transforms.py)

Record = dict[str, Any]
CENT = Decimal("0.01")
STATUS = {"active": "Active", "inactive": "Inactive"}
STATUS_BACK = {v: k for k, v in STATUS.items()}
LINKS = {
    "CustomerType": {name: f"a0C{n:015d}" for n, name in enumerate(
        ("Enterprise", "Mid-Market", "Small Business", "Partner"))},
    "Territory": {t: f"a0T{n:015d}" for n, t in enumerate(("NA", "NA-W", "EMEA", "APAC"))},
    "ARTerm": {t: f"a0A{n:015d}" for n, t in enumerate(("Net 15", "Net 30", "Net 60"))},
    "Customer": {f"C-{n:05d}": f"001{n:015d}" for n in range(50)},
}
BACK = {name: {sf: key for key, sf in links.items()} for name, links in LINKS.items()}


def resolver(mapping: str, side: str) -> Mapping[str, str]:
    """The cross-reference the compiled refs read: Intacct key -> Id, or Id -> key."""
    return LINKS[mapping] if side == "salesforce" else BACK[mapping]


def _cents(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


def _link(table: Mapping[str, str], value: Any) -> str | None:
    if value is None:
        return None
    return table[value]  # KeyError: not linked yet, as the compiled ref's Pending


def to_salesforce(rec: Mapping[str, Any]) -> Record:
    """CUSTOMER -> Account by hand."""
    status = rec.get("STATUS")
    street = [p for p in (rec.get("DISPLAYCONTACT.MAILADDRESS.ADDRESS1"),
                          rec.get("DISPLAYCONTACT.MAILADDRESS.ADDRESS2")) if p]
    return {
        "Name": rec.get("NAME"),
        "AccountNumber": rec.get("CUSTOMERID"),
        "Intacct_Record_No__c": rec.get("RECORDNO"),
        "Intacct_Status__c": None if status is None else STATUS[status],
        "Intacct_Customer_Type__c": _link(LINKS["CustomerType"], rec.get("CUSTTYPE")),
        "ParentId": _link(LINKS["Customer"], rec.get("PARENTID")),
        "Intacct_Territory__c": _link(LINKS["Territory"], rec.get("TERRITORYID")),
        "Intacct_Payment_Term__c": _link(LINKS["ARTerm"], rec.get("TERMNAME")),
        "Intacct_Credit_Limit__c": _cents(rec.get("CREDITLIMIT")),
        "Intacct_On_Hold__c": rec.get("ONHOLD"),
        "Intacct_Tax_ID__c": rec.get("TAXID"),
        "Intacct_Currency__c": rec.get("CURRENCY"),
        "Intacct_Total_Due__c": _cents(rec.get("TOTALDUE")),
        "Phone": rec.get("DISPLAYCONTACT.PHONE1"),
        "Fax": rec.get("DISPLAYCONTACT.FAX"),
        "Website": rec.get("DISPLAYCONTACT.URL1"),
        "BillingStreet": "\n".join(street) if street else None,
        "BillingCity": rec.get("DISPLAYCONTACT.MAILADDRESS.CITY"),
        "BillingState": rec.get("DISPLAYCONTACT.MAILADDRESS.STATE"),
        "BillingPostalCode": rec.get("DISPLAYCONTACT.MAILADDRESS.ZIP"),
        "BillingCountry": rec.get("DISPLAYCONTACT.MAILADDRESS.COUNTRY"),
    }


def to_intacct(rec: Mapping[str, Any]) -> Record:
    """Account -> CUSTOMER by hand."""
    status = rec.get("Intacct_Status__c")
    street = rec.get("BillingStreet")
    first, second = None, None
    if street:
        first, _, rest = street.partition("\n")
        second = rest if "\n" in street else None
    comments = rec.get("Description")
    return {
        "NAME": rec.get("Name"),
        "DISPLAYCONTACT.PRINTAS": rec.get("Name"),
        "CUSTOMERID": rec.get("AccountNumber"),
        "STATUS": None if status is None else STATUS_BACK[status],
        "CUSTTYPE": _link(BACK["CustomerType"], rec.get("Intacct_Customer_Type__c")),
        "PARENTID": _link(BACK["Customer"], rec.get("ParentId")),
        "TERRITORYID": _link(BACK["Territory"], rec.get("Intacct_Territory__c")),
        "TERMNAME": _link(BACK["ARTerm"], rec.get("Intacct_Payment_Term__c")),
        "CREDITLIMIT": _cents(rec.get("Intacct_Credit_Limit__c")),
        "ONHOLD": rec.get("Intacct_On_Hold__c"),
        "TAXID": rec.get("Intacct_Tax_ID__c"),
        "CURRENCY": rec.get("Intacct_Currency__c"),
        "COMMENTS": None if comments is None else comments[:1000],
        "DISPLAYCONTACT.PHONE1": rec.get("Phone"),
        "DISPLAYCONTACT.FAX": rec.get("Fax"),
        "DISPLAYCONTACT.URL1": rec.get("Website"),
        "DISPLAYCONTACT.MAILADDRESS.ADDRESS1": first,
        "DISPLAYCONTACT.MAILADDRESS.ADDRESS2": second,
        "DISPLAYCONTACT.MAILADDRESS.CITY": rec.get("BillingCity"),
        "DISPLAYCONTACT.MAILADDRESS.STATE": rec.get("BillingState"),
        "DISPLAYCONTACT.MAILADDRESS.ZIP": rec.get("BillingPostalCode"),
        "DISPLAYCONTACT.MAILADDRESS.COUNTRY": rec.get("BillingCountry"),
    }


def customers(n: int, seed: int = 11) -> list[Record]:
    """CUSTOMER records as the Intacct connector yields them."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        out.append({
            "CUSTOMERID": f"C-{i:05d}", "RECORDNO": 1000 + i, "NAME": f"Customer {i} Ltd",
            "STATUS": rng.choice(tuple(STATUS)), "CUSTTYPE": rng.choice([*LINKS["CustomerType"]]),
            "PARENTID": rng.choice([None, None, "C-00001"]),
            "TERRITORYID": rng.choice([*LINKS["Territory"]]),
            "TERMNAME": rng.choice([*LINKS["ARTerm"], None]),
            "CREDITLIMIT": Decimal(rng.randint(0, 10**7)) / 100, "ONHOLD": rng.random() < 0.1,
            "TAXID": rng.choice([None, f"FR{rng.randint(10**8, 10**9)}"]), "CURRENCY": "USD",
            "TOTALDUE": Decimal(rng.randint(0, 10**6)) / 1000,
            "DISPLAYCONTACT.PHONE1": "+1 555 0100", "DISPLAYCONTACT.FAX": None,
            "DISPLAYCONTACT.URL1": f"https://c{i}.example.com",
            "DISPLAYCONTACT.MAILADDRESS.ADDRESS1": f"{i} Main Street",
            "DISPLAYCONTACT.MAILADDRESS.ADDRESS2": rng.choice([None, "Suite 4"]),
            "DISPLAYCONTACT.MAILADDRESS.CITY": "Austin", "DISPLAYCONTACT.MAILADDRESS.STATE": "TX",
            "DISPLAYCONTACT.MAILADDRESS.ZIP": "73301",
            "DISPLAYCONTACT.MAILADDRESS.COUNTRY": "United States",
        })
    return out


def accounts(records: list[Record]) -> list[Record]:
    """The same customers as Salesforce Accounts (Description added, some long)."""
    return [{**to_salesforce(r), "Description": "note " * (r["RECORDNO"] % 300)} for r in records]


def customer_plan() -> Any:
    """The Customer mapping of the compiled standard rules (a `PlanMapping`)."""
    from mapsync.engine.commands._context import load_plan
    from mapsync.engine.resources import rules_dir

    return load_plan(rules_dir()).mapping("Customer")


def mapping() -> Any:
    """The Customer mapping compiled as the runner compiles it (a `CompiledMapping`)."""
    from mapsync.engine.catalog import load_catalogs
    from mapsync.engine.program import compile_mapping

    return compile_mapping(customer_plan(), load_catalogs(), resolver)


def changed(record: Record, flow: str) -> Record:
    """The record after a user edited two of its fields (name and city)."""
    if flow == "to_salesforce":
        return {**record, "NAME": record["NAME"] + " (new)",
                "DISPLAYCONTACT.MAILADDRESS.CITY": "Dallas"}
    return {**record, "Name": record["Name"] + " (new)", "BillingCity": "Dallas"}


def pairs(records: list[Record], shadows: list[Any], flow: str) -> list[Any]:
    """The linked pairs the runner's pairer hands the Decider after reading `records` on
    the flow's source side (the other side unchanged), each with its stored shadow."""
    from mapsync.engine.runner.pairing import Pair

    out = []
    for record, shadow in zip(records, shadows, strict=True):
        if flow == "to_salesforce":
            key = record["CUSTOMERID"]
            out.append(Pair(key, record, None, LINKS["Customer"].get(key), None, shadow))
        else:
            out.append(Pair(record["AccountNumber"], None, record, None, None, shadow))
    return out


def updater(compiled: Any, flow: str) -> Callable[[Any], Record]:
    """An update as the runner decides it: a linked pair read on one side goes through the
    same entry point (`Decider.pair`, which takes the mapping's update function for that
    side); the patch holds only the changed fields."""
    from mapsync.engine.runner.decider import Decider

    decide = Decider(compiled, dt.UTC).pair
    if flow == "to_salesforce":
        return lambda pair: decide(pair).salesforce_patch  # type: ignore[no-any-return]
    return lambda pair: decide(pair).intacct_patch  # type: ignore[no-any-return]


def by_hand_update(hand: Callable[[Mapping[str, Any]], Record]) -> Callable[[Any], Record]:
    """An update by hand: the new payload, less the values the last sync wrote."""

    def update(case: tuple[Record, Record]) -> Record:
        record, last = case
        return {k: v for k, v in hand(record).items() if v != last.get(k)}

    return update


def measure(records: int, repeat: int) -> dict[str, float]:
    """records/s of the compiled mapping and of hand-written code per flow and use (creates,
    updates), and their time ratios; timings alternate so that load hits both alike."""
    from mapsync.engine.runner.decide import Shadow, decide

    compiled = mapping()
    intacct = customers(records)
    salesforce = accounts(intacct)
    data = {"to_salesforce": intacct, "to_intacct": salesforce}
    hand = {"to_salesforce": to_salesforce, "to_intacct": to_intacct}
    # The last sync linked each pair and wrote what it decided: records and shadows as after.
    shadows = []
    for n, (i, s) in enumerate(zip(intacct, salesforce, strict=True)):
        first = decide(compiled.rules, i, s, Shadow(), programs=compiled.programs)
        intacct[n], salesforce[n] = {**i, **first.intacct_patch}, {**s, **first.salesforce_patch}
        shadows.append(first.shadow)
    figures: dict[str, float] = {}
    for flow, rows in data.items():
        program = compiled.program("salesforce" if flow == "to_salesforce" else "intacct")
        edits = [changed(row, flow) for row in rows]
        cases = pairs(edits, shadows, flow)
        hand_cases = [(e, hand[flow](r)) for e, r in zip(edits, rows, strict=True)]
        update, update_by_hand = updater(compiled, flow), by_hand_update(hand[flow])
        for row, case, hand_case in list(zip(rows, cases, hand_cases, strict=True))[:2000]:
            assert program.apply(row) == hand[flow](row), (program.apply(row), hand[flow](row))
            assert update(case) == update_by_hand(hand_case), (update(case), hand_case)
        every_rule = partial(program.evaluate, errors={})
        times = race({
            "hand": (hand[flow], rows), "create": (program.apply, rows),
            "values": (every_rule, edits),
            "hand_update": (update_by_hand, hand_cases), "update": (update, cases),
        }, repeat)
        for name, seconds in times.items():
            figures[f"{flow}_{name}"] = len(rows) / seconds
        figures[f"{flow}_create_ratio"] = times["create"] / times["hand"]
        figures[f"{flow}_update_ratio"] = times["update"] / times["hand_update"]
        figures[f"{flow}_values_ratio"] = times["values"] / times["hand"]
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    report(measure(args.records, args.repeat))
    return 0


def report(figures: Mapping[str, float]) -> None:
    """Print the figures of `measure`, ratios to the hand-written code of the same run."""
    for flow in ("to_salesforce", "to_intacct"):
        print(f"  {flow:<14} creates: hand-written {figures[flow + '_hand']:>9,.0f}/s, "
              f"compiled {figures[flow + '_create']:>9,.0f}/s, ratio "
              f"{figures[flow + '_create_ratio']:.2f} (target <= 1.2)")
        print(f"  {'':<14} updates: hand-written {figures[flow + '_hand_update']:>9,.0f}/s, "
              f"compiled {figures[flow + '_update']:>9,.0f}/s, ratio "
              f"{figures[flow + '_update_ratio']:.2f} (target <= 1.5; the whole decision "
              f"against the shadow)")
        print(f"  {'':<14} updates, values of every rule through the function (what the old "
              f"rule-by-rule figure timed): ratio {figures[flow + '_values_ratio']:.2f}")


if __name__ == "__main__":
    raise SystemExit(main())
