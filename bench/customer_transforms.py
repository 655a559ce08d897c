"""Throughput of the compiled Customer mapping (rules/customers.map) against hand-written code.

    python bench/customer_transforms.py [--records N] [--repeat R]

The standard rules are compiled as the runner compiles them (`compile_mapping`, refs through
a cross-reference dict). Two paths are measured: the whole-record program the runner uses to
build a record it creates (`compile_fields`, the hot path of an initial sync), and the rules
run one by one and merged, as `decide()` runs them to compare each rule with its shadow
before an update.
The hand-written functions do the same thing the way a careful developer would, with the
same semantics (unmapped status fails, unlinked references fail, amounts rounded half-up to
cents, the street split on its first line break). Both flows are measured: Intacct CUSTOMER
to Salesforce Account, and Account to CUSTOMER. Outputs are compared before timing; the
timing helper is bench/transforms.py's `best_time`.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transforms import best_time  # noqa: E402  (bench/transforms.py)

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


def compiled(flow: str) -> Callable[[Mapping[str, Any]], Record]:
    """The Customer mapping as the runner runs it: one compiled rule after another, each
    returning its fields (decide() needs them rule by rule), merged into one payload."""
    from mapsync.engine.catalog import load_catalogs
    from mapsync.engine.program import compile_mapping

    rules = compile_mapping(customer_plan(), load_catalogs(), resolver).rules
    wanted = {flow, "both"}
    steps = tuple(getattr(r, flow) for r in rules if r.direction in wanted)

    def apply(record: Mapping[str, Any]) -> Record:
        out: Record = {}
        for step in steps:
            out.update(step(record))
        return out

    return apply


def program(flow: str) -> Callable[[Mapping[str, Any]], Record]:
    """The same fields as one record program (`CompiledMapping.program`)."""
    from mapsync.engine.catalog import load_catalogs
    from mapsync.engine.program import compile_mapping

    target = "salesforce" if flow == "to_salesforce" else "intacct"
    program = compile_mapping(customer_plan(), load_catalogs(), resolver).program(target)
    assert program is not None
    return program.apply


def measure(records: int, repeat: int) -> dict[str, float]:
    """records/s of compiled and hand-written code per flow, and their time ratio."""
    intacct = customers(records)
    data = {"to_salesforce": intacct, "to_intacct": accounts(intacct)}
    hand = {"to_salesforce": to_salesforce, "to_intacct": to_intacct}
    figures: dict[str, float] = {}
    for flow, rows in data.items():
        machine, whole = compiled(flow), program(flow)
        for row in rows[:2000]:
            assert machine(row) == hand[flow](row), (machine(row), hand[flow](row))
            assert whole(row) == hand[flow](row), (whole(row), hand[flow](row))
        t_hand = best_time(hand[flow], rows, repeat)
        t_compiled = best_time(machine, rows, repeat)
        t_program = best_time(whole, rows, repeat)
        figures[f"{flow}_hand"] = len(rows) / t_hand
        figures[f"{flow}_compiled"] = len(rows) / t_compiled
        figures[f"{flow}_ratio"] = t_compiled / t_hand
        figures[f"{flow}_program"] = len(rows) / t_program
        figures[f"{flow}_program_ratio"] = t_program / t_hand
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    report(measure(args.records, args.repeat))
    return 0


def report(figures: Mapping[str, float]) -> None:
    """Print the figures of `measure`, ratios to the hand-written code of the same run."""
    for flow in ("to_salesforce", "to_intacct"):
        hand = figures[flow + "_hand"]
        print(f"  {flow:<14} hand-written {hand:>9,.0f}/s; compiled mapping (creates) "
              f"{figures[flow + '_program']:>9,.0f}/s ratio "
              f"{figures[flow + '_program_ratio']:.2f} (target <= 1.5); rule by rule (updates) "
              f"{figures[flow + '_compiled']:>9,.0f}/s ratio {figures[flow + '_ratio']:.2f}")


if __name__ == "__main__":
    raise SystemExit(main())
