"""Values the platform computes and the price-book rules, on the shipped catalogs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mapsync.engine.catalog import load_catalogs
from mapsync.engine.sandbox.salesforce import ApiError, Store

NEEDED = ("Contact", "Product2", "Pricebook2", "PricebookEntry", "Opportunity",
          "OpportunityLineItem")
pytestmark = pytest.mark.skipif(
    not all(n in load_catalogs().salesforce for n in NEEDED), reason="catalogs not complete"
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "sf.sqlite")
    yield opened
    opened.close()


def standard_book(store: Store) -> str:
    rows = store.query("SELECT Id, Name FROM Pricebook2 WHERE IsStandard = true").records
    assert [r["Name"] for r in rows] == ["Standard Price Book"]
    return str(rows[0]["Id"])


def test_one_standard_pricebook_survives_reopening(tmp_path: Path) -> None:
    for _ in range(2):
        opened = Store(tmp_path / "again.sqlite")
        try:
            standard_book(opened)
        finally:
            opened.close()


def test_contact_name_is_computed(store: Store) -> None:
    contact = store.insert("Contact", {"FirstName": "Ada", "LastName": "Lovelace"})
    record = store.get("Contact", contact)
    assert record is not None and record["Name"] == "Ada Lovelace"
    store.update("Contact", contact, {"FirstName": None})
    record = store.get("Contact", contact)
    assert record is not None and record["Name"] == "Lovelace"


def test_pricebook_rules_and_line_items(store: Store) -> None:
    standard = standard_book(store)
    product = store.insert("Product2", {"Name": "Widget", "ProductCode": "W-1"})
    custom = store.insert("Pricebook2", {"Name": "Partners", "IsActive": True})
    with pytest.raises(ApiError) as caught:
        store.insert("PricebookEntry", {"Pricebook2Id": custom, "Product2Id": product,
                                        "UnitPrice": 9})
    assert caught.value.code == "STANDARD_PRICE_NOT_DEFINED"
    entry = store.insert("PricebookEntry", {"Pricebook2Id": standard, "Product2Id": product,
                                            "UnitPrice": 10, "IsActive": True})
    saved = store.get("PricebookEntry", entry)
    assert saved is not None and (saved["Name"], saved["ProductCode"]) == ("Widget", "W-1")
    with pytest.raises(ApiError) as again:
        store.insert("PricebookEntry", {"Pricebook2Id": standard, "Product2Id": product,
                                        "UnitPrice": 11})
    assert again.value.code == "DUPLICATE_VALUE"
    partner_entry = store.insert("PricebookEntry", {"Pricebook2Id": custom,
                                                    "Product2Id": product, "UnitPrice": 9})

    opportunity = store.insert("Opportunity", {"Name": "Deal", "StageName": "Prospecting",
                                               "CloseDate": "2030-01-01"})
    line = store.insert("OpportunityLineItem", {"OpportunityId": opportunity,
                                                "PricebookEntryId": entry, "Quantity": 3,
                                                "UnitPrice": 12.5})
    item = store.get("OpportunityLineItem", line)
    assert item is not None
    assert (item["Product2Id"], item["ListPrice"], item["TotalPrice"]) == (product, 10.0, 37.5)
    opp = store.get("Opportunity", opportunity)
    assert opp is not None and opp["Pricebook2Id"] == standard
    with pytest.raises(ApiError) as other_book:
        store.insert("OpportunityLineItem", {"OpportunityId": opportunity,
                                             "PricebookEntryId": partner_entry, "Quantity": 1,
                                             "UnitPrice": 9})
    assert other_book.value.code == "FIELD_INTEGRITY_EXCEPTION"
    with pytest.raises(ApiError) as both:
        store.insert("OpportunityLineItem", {"OpportunityId": opportunity,
                                             "PricebookEntryId": entry, "Quantity": 1,
                                             "UnitPrice": 9, "TotalPrice": 9})
    assert both.value.code == "FIELD_INTEGRITY_EXCEPTION"
