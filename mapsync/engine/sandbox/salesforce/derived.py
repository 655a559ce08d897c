"""Values the platform computes itself, and the price-book rules it enforces.

- Contact-like objects: `Name` (read-only) is FirstName + LastName.
- PricebookEntry: Name and ProductCode come from the product; a product needs an entry in the
  standard price book before any other (STANDARD_PRICE_NOT_DEFINED); one entry per product
  and price book (DUPLICATE_VALUE).
- OpportunityLineItem: Product2Id, ProductCode, Name, ListPrice come from the price-book
  entry; give UnitPrice or TotalPrice, not both; the other one is computed from Quantity.
- Every org has one standard price book (`ensure_standard_pricebook`).
Each rule applies only when the catalogs define the objects and fields it touches.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mapsync.engine.sandbox.salesforce.db import Database, quote
from mapsync.engine.sandbox.salesforce.errors import ApiError
from mapsync.engine.sandbox.salesforce.schema import SObject
from mapsync.engine.sandbox.salesforce.values import now_text


def ensure_standard_pricebook(db: Database) -> None:
    """Create the org's standard price book if Pricebook2 is served and has none yet."""
    book = db.schema.get("Pricebook2")
    if book is None or book.field("IsStandard") is None:
        return
    with db.transaction():
        found = db.select(f"SELECT COUNT(*) FROM {quote(book.name)} WHERE IsStandard = 1")
        if found[0][0]:
            return
        row: dict[str, Any] = {"Name": "Standard Price Book", "IsStandard": 1}
        if book.field("IsActive") is not None:
            row["IsActive"] = 1
        db.insert(book, row, now_text())


def apply(db: Database, obj: SObject, row: dict[str, Any], stored: Mapping[str, Any] | None
          ) -> None:
    """Fill computed fields of `row` (a create when `stored` is None) and check the rules."""
    merged = {**(stored or {}), **row}
    if obj.field("FirstName") and obj.field("LastName") and _readonly(obj, "Name"):
        parts = [merged.get("FirstName"), merged.get("LastName")]
        row["Name"] = " ".join(p for p in parts if p) or None
    if obj.name == "PricebookEntry":
        _pricebook_entry(db, obj, row, merged, creating=stored is None)
    elif obj.name == "OpportunityLineItem":
        _line_item(db, obj, row, merged, stored)


def _readonly(obj: SObject, name: str) -> bool:
    info = obj.field(name)
    return info is not None and info.readonly


def _parent(db: Database, name: str, record_id: Any) -> dict[str, Any] | None:
    parent = db.schema.get(name)
    return db.fetch(parent, str(record_id)) if parent is not None and record_id else None


def _copy(obj: SObject, row: dict[str, Any], source: Mapping[str, Any] | None,
          pairs: tuple[tuple[str, str], ...]) -> None:
    for target, origin in pairs:
        if source is not None and _readonly(obj, target) and origin in source:
            row[target] = source[origin]


def _pricebook_entry(db: Database, obj: SObject, row: dict[str, Any],
                     merged: Mapping[str, Any], *, creating: bool) -> None:
    product = _parent(db, "Product2", merged.get("Product2Id"))
    _copy(obj, row, product, (("Name", "Name"), ("ProductCode", "ProductCode")))
    book = _parent(db, "Pricebook2", merged.get("Pricebook2Id"))
    if not creating or book is None or product is None:
        return
    table = quote(obj.name)
    same = db.select(
        f"SELECT Id FROM {table} WHERE Product2Id = ? AND Pricebook2Id = ? AND IsDeleted = 0",
        (product["Id"], book["Id"]),
    )
    if same:
        raise ApiError(400, "DUPLICATE_VALUE", "This price definition already exists in this "
                       f"price book: duplicates value on record with id: {same[0][0]}", ())
    if book.get("IsStandard"):
        return
    standard = db.select(
        f"SELECT e.Id FROM {table} e JOIN {quote('Pricebook2')} b ON b.Id = e.Pricebook2Id "
        "WHERE e.Product2Id = ? AND b.IsStandard = 1 AND e.IsDeleted = 0",
        (product["Id"],),
    )
    if not standard:
        raise ApiError(400, "STANDARD_PRICE_NOT_DEFINED", "No standard price defined for this "
                       "product", ())


def _line_item(db: Database, obj: SObject, row: dict[str, Any], merged: Mapping[str, Any],
               stored: Mapping[str, Any] | None) -> None:
    entry = _parent(db, "PricebookEntry", merged.get("PricebookEntryId"))
    _copy(obj, row, entry, (("Product2Id", "Product2Id"), ("ProductCode", "ProductCode"),
                            ("Name", "Name"), ("ListPrice", "UnitPrice")))
    if "UnitPrice" in row and "TotalPrice" in row and row["UnitPrice"] is not None and row[
        "TotalPrice"
    ] is not None:
        raise ApiError(400, "FIELD_INTEGRITY_EXCEPTION", "field integrity exception: TotalPrice "
                       "(you may not specify both unit price and total price)", ("TotalPrice",))
    quantity = merged.get("Quantity")
    if not quantity or obj.field("TotalPrice") is None or obj.field("UnitPrice") is None:
        return
    if row.get("TotalPrice") is not None:
        row["UnitPrice"] = round(float(row["TotalPrice"]) / float(quantity), 2)
    elif merged.get("UnitPrice") is not None:
        row["TotalPrice"] = round(float(merged["UnitPrice"]) * float(quantity), 2)
    if stored is None and entry is not None:
        _claim_pricebook(db, merged.get("OpportunityId"), entry)


def _claim_pricebook(db: Database, opportunity_id: Any, entry: Mapping[str, Any]) -> None:
    """The first line sets the opportunity's price book; later lines must use the same one."""
    opportunity = _parent(db, "Opportunity", opportunity_id)
    opp = db.schema.get("Opportunity")
    if opportunity is None or opp is None or opp.field("Pricebook2Id") is None:
        return
    current = opportunity.get("Pricebook2Id")
    if current is None:
        db.update(opp, opportunity["Id"], {"Pricebook2Id": entry["Pricebook2Id"]}, now_text())
    elif current != entry["Pricebook2Id"]:
        raise ApiError(400, "FIELD_INTEGRITY_EXCEPTION", "field integrity exception: "
                       "PricebookEntryId (pricebook entry is in a different pricebook than the "
                       "one assigned to the opportunity)", ("PricebookEntryId",))
