"""Deleting a record releases what points to it, as Salesforce does."""

from __future__ import annotations

from pathlib import Path

from mapsync.engine.sandbox.salesforce import Store


def test_optional_lookups_are_cleared_and_required_references_cascade(tmp_path: Path) -> None:
    store = Store(tmp_path / "org.db")
    try:
        account = store.insert("Account", {"Name": "Acme"})
        contact = store.insert("Contact", {"LastName": "Doe", "AccountId": account})
        product = store.insert("Product2", {"Name": "Widget", "ProductCode": "W"})
        book = next(b for b in store.list("Pricebook2") if b.get("IsStandard"))
        entry = store.insert(
            "PricebookEntry", {"Pricebook2Id": book["Id"], "Product2Id": product, "UnitPrice": 5}
        )
        store.delete("Account", account)
        store.delete("Product2", product)
        kept = store.get("Contact", contact)
        assert kept is not None and kept["AccountId"] is None and not kept["IsDeleted"]
        gone = store.get("PricebookEntry", entry)
        assert gone is not None and gone["IsDeleted"] is True
    finally:
        store.close()
