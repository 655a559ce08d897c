"""Catalog coverage against public field lists no one on the project wrote (names only, under
tests/fixtures/fieldlists/ and the describe fixtures). Run with `-s` to see the table:

    python -m pytest tests/schema/test_coverage.py -s
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mapsync.engine.catalog import System, load_catalogs
from mapsync.engine.schema.coverage import coverage, read_field_list

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LISTS = FIXTURES / "fieldlists"
THRESHOLD = 0.95

# (system, object, list file) for the ten objects the issue names, plus the default field
# lists of the community SDK `sageintacctsdk`.
PUBLIC_LISTS: list[tuple[System, str, str]] = [
    ("intacct", "CUSTOMER", "intacct-CUSTOMER-hotglue.txt"),
    ("intacct", "CUSTOMER", "intacct-CUSTOMER-sageintacctsdk.txt"),
    ("intacct", "CONTACT", "intacct-CONTACT-sageintacctsdk.txt"),
    ("intacct", "ITEM", "intacct-ITEM-sageintacctsdk.txt"),
    ("intacct", "PROJECT", "intacct-PROJECT-sageintacctsdk.txt"),
    ("intacct", "TASK", "intacct-TASK-sageintacctsdk.txt"),
    ("intacct", "CONTACT", "intacct-CONTACT-developer-docs.txt"),
    ("intacct", "ITEM", "intacct-ITEM-hotglue.txt"),
    ("intacct", "PROJECT", "intacct-PROJECT-hotglue.txt"),
    ("intacct", "TASK", "intacct-TASK-hotglue-lookup.txt"),
    ("intacct", "SODOCUMENT", "intacct-SODOCUMENT-taxbridge.txt"),
    ("salesforce", "Account", "salesforce/account.describe.json"),
    ("salesforce", "Contact", "salesforce/contact.describe.json"),
    ("salesforce", "Product2", "salesforce-Product2-steampipe.txt"),
    ("salesforce", "Opportunity", "salesforce/opportunity.describe.json"),
]


def public_names(source: str) -> tuple[list[str], list[str]]:
    """Names of one public list; for a describe answer its standard fields (a `__c` name is
    the recording org's own field, set aside)."""
    if source.endswith(".describe.json"):
        fields = json.loads((FIXTURES / source).read_text("utf-8"))["fields"]
        names = [f["name"] for f in fields]
        return ([n for n in names if not n.endswith("__c")],
                [n for n in names if n.endswith("__c")])
    return read_field_list(LISTS / source)


def test_every_public_list_is_at_least_95_percent_known() -> None:
    catalogs = load_catalogs()
    rows, total_known, total = [], 0, 0
    for system, obj, source in PUBLIC_LISTS:
        names, aside = public_names(source)
        known, missing = coverage(catalogs, system, obj, names)
        total_known, total = total_known + len(known), total + len(names)
        rows.append((obj, source, len(known), len(names), missing, aside))
    print(f"\n{'object':<12} {'known':>9} {'ratio':>6}  list (set aside / missing)")
    for obj, source, known_count, count, missing, aside in rows:
        print(f"{obj:<12} {known_count:>4}/{count:<4} {known_count / count:>6.1%}  {source}"
              f"{'  aside: ' + ' '.join(aside) if aside else ''}"
              f"{'  missing: ' + ' '.join(missing) if missing else ''}")
    print(f"{'all':<12} {total_known:>4}/{total:<4} {total_known / total:>6.1%}")
    low = [(r[0], r[1], r[2] / r[3]) for r in rows if r[2] / r[3] < THRESHOLD]
    assert not low, f"below {THRESHOLD:.0%}: {low}"


def test_the_community_sdk_default_customer_fields_are_all_known() -> None:
    names, _ = read_field_list(LISTS / "intacct-CUSTOMER-sageintacctsdk.txt")
    known, missing = coverage(load_catalogs(), "intacct", "CUSTOMER", names)
    assert missing == [] and len(known) == 18


@pytest.mark.parametrize("path", ["CUSTOMER.NAME", "BILLTO.MAILADDRESS.CITY", "TERM.NAME"])
def test_relationship_paths_reach_the_related_objects_fields(path: str) -> None:
    known, _ = coverage(load_catalogs(), "intacct", "SODOCUMENT", [path])
    assert known == [path]


def test_an_unknown_name_is_reported_missing() -> None:
    assert coverage(load_catalogs(), "intacct", "CUSTOMER", ["NOSUCHFIELD"]) == (
        [], ["NOSUCHFIELD"])


def catalog_documents() -> list[dict[str, Any]]:
    folder = Path(__file__).resolve().parents[2] / "mapsync" / "schemas" / "catalog"
    return [json.loads(p.read_text("utf-8")) for p in sorted(folder.rglob("*.json"))]


def test_every_catalog_field_names_its_source() -> None:
    documents = catalog_documents()
    fields = [(d["object"], name, spec) for d in documents for name, spec in d["fields"].items()]
    assert len(fields) > 1500
    assert [(obj, name) for obj, name, spec in fields if not spec.get("source", "").strip()] == []


def test_every_uncertain_fact_names_the_source_it_was_read_from() -> None:
    documents = catalog_documents()
    marked = [(d["object"], name, spec) for d in documents
              for name, spec in d["fields"].items() if "uncertain" in spec]
    assert len(marked) > 200
    assert [(obj, name) for obj, name, spec in marked if not spec.get("source")] == []
