"""Generator of Intacct items and their price lists (order entry and contract)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from mapsync.engine.record import Record
from mapsync.engine.sandbox.demo.core import DemoCore
from mapsync.engine.sandbox.demo.model import Ref, SeedBatch
from mapsync.engine.sandbox.demo.vocabulary import (
    CONTRACT_PRICE_LISTS,
    SO_PRICE_LISTS,
    in_currency,
)


class Items:
    """Intacct items, then the order-entry and contract price lists with their entries."""

    def __init__(self, core: DemoCore) -> None:
        self.core = core

    def intacct(self) -> Iterator[SeedBatch]:
        """The items, then the price lists."""
        items = map(self.item_record, range(self.core.items))
        yield from self.core.chunked("intacct", "ITEM", items)
        yield from self._price_lists()

    def counts(self) -> dict[str, int]:
        """How many records of each object `intacct()` yields (before the catalog filter)."""
        items = self.core.items
        subs = len(self.core.items_of("SUB"))
        return {
            "ITEM": items,
            "SOPRICELIST": len(SO_PRICE_LISTS),
            "SOPRICELISTENTRY": 2 * items + (items + 1) // 2,
            "CONTRACTPRICELIST": len(CONTRACT_PRICE_LISTS),
            "CONTRACTITEMPRICELIST": len(CONTRACT_PRICE_LISTS) * subs,
            "CONTRACTITEMPRICELISTENTRY": len(CONTRACT_PRICE_LISTS) * subs,
        }

    def item_record(self, item: int) -> Record:
        """The ITEM record of item `item` (0-based)."""
        family = self.core.family(item)
        price = self.core.item_price(item)
        record: Record = {
            "ITEMID": self.core.item_id(item), "NAME": self.core.item_name(item),
            "ITEMTYPE": family.item_type, "STATUS": "inactive" if item % 37 == 36 else "active",
            "SODESCRIPTION": f"{family.label}: {self.core.item_name(item)}",
            "BASEPRICE": price, "STANDARD_COST": round(price * 0.55, 2),
            "UOMGRP": "Each", "TAXABLE": family.code in ("HW", "SW"),
        }
        if family.code == "HW":
            record.update(COST_METHOD="Average", UPC=f"0{740000000000 + item * 7919 % 10**8}")
        if family.code == "SUB":
            record.update(
                CONTRACTENABLED=True, MRR=True, HASSTARTENDDATES=True, TERMPERIOD="Months",
                TOTALPERIODS=12, RENEWALMACROID="Annual Auto-Renew",
                CNBILLINGTEMPLATENAME="Straight line monthly",
            )
        return record

    def _price_lists(self) -> Iterator[SeedBatch]:
        yield from self.core.chunked("intacct", "SOPRICELIST", (dict(r) for r in SO_PRICE_LISTS))
        yield from self.core.chunked("intacct", "SOPRICELISTENTRY", self._so_entries(), keyed=True)
        yield from self.core.chunked(
            "intacct", "CONTRACTPRICELIST", (dict(r) for r in CONTRACT_PRICE_LISTS)
        )
        yield from self.core.chunked(
            "intacct", "CONTRACTITEMPRICELIST", self._contract_item_lists(), keyed=True
        )
        yield from self.core.chunked(
            "intacct", "CONTRACTITEMPRICELISTENTRY", self._contract_entries()
        )

    def _so_entries(self) -> Iterator[Record]:
        base, partner, europe = (str(r["NAME"]) for r in SO_PRICE_LISTS)
        for item in range(self.core.items):
            yield {"_key": f"{base}/{self.core.item_id(item)}", "PRICELISTID": base,
                   "ITEMID": self.core.item_id(item), "VALUE": self.core.item_price(item),
                   "VALUETYPE": "Actual"}
        for item in range(self.core.items):
            yield {"PRICELISTID": partner, "ITEMID": self.core.item_id(item), "VALUE": 15,
                   "VALUETYPE": "Percent Discount", "QTYLIMITMIN": 1}
        for item in range(0, self.core.items, 2):
            yield {"PRICELISTID": europe, "ITEMID": self.core.item_id(item),
                   "VALUE": in_currency(self.core.item_price(item), "EUR"), "VALUETYPE": "Actual"}

    def _contract_item_lists(self) -> Iterator[Record]:
        for price_list in CONTRACT_PRICE_LISTS:
            for item in self.core.items_of("SUB"):
                yield {"_key": f"{price_list['NAME']}/{self.core.item_id(item)}",
                       "PRICELISTNAME": price_list["NAME"], "ITEMID": self.core.item_id(item),
                       "ITMPRCLSTTYP": "Range", "CURRENCY": "USD", "VARUNITDIVSR": 1,
                       "FLTAMTFREQ": "Use billing template", "ISQTYRECUR": True}

    def _contract_entries(self) -> Iterator[Record]:
        for number, price_list in enumerate(CONTRACT_PRICE_LISTS):
            for item in self.core.items_of("SUB"):
                handle = f"{price_list['NAME']}/{self.core.item_id(item)}"
                yield {"ITEMPRICELISTKEY": Ref("intacct", "CONTRACTITEMPRICELIST", handle),
                       "PRICELISTNAME": price_list["NAME"], "ITEMID": self.core.item_id(item),
                       "STARTDATE": date(2024, 1, 1),
                       "VALUE": round(self.core.item_price(item) * (1 - 0.1 * number), 2),
                       "INCLUDEDUNITS": 1000 * (number + 1), "VARUNITRATE": 0.05,
                       "MEMO": "List price" if number == 0 else "Enterprise volume price"}
