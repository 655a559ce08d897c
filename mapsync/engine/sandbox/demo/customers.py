"""Intacct customers with their contacts, items and price lists."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from mapsync.engine.record import Record
from mapsync.engine.sandbox.demo.lists import Lists
from mapsync.engine.sandbox.demo.model import (
    Company,
    Ref,
    SeedBatch,
)
from mapsync.engine.sandbox.demo.vocabulary import (
    CONTRACT_PRICE_LISTS,
    SO_PRICE_LISTS,
    in_currency,
)


class Customers(Lists):
    """Intacct customers with their contacts, items and price lists."""

    def customer_record(self, company: Company) -> Record:
        """The CUSTOMER record of a company."""
        rng = self.rng("customer", company.index)
        record: Record = {
            "_key": company.customer_id,
            "CUSTOMERID": company.customer_id, "NAME": company.name,
            "STATUS": "inactive" if company.index % 25 == 0 else "active",
            "CUSTTYPE": company.customer_type, "TERRITORYID": self.territory(company),
            "TERMNAME": company.term, "CREDITLIMIT": company.credit_limit,
            "ONHOLD": company.index % 40 == 0, "CURRENCY": company.currency,
            "DISPLAYCONTACT.PRINTAS": company.name,
            "DISPLAYCONTACT.CONTACTNAME": company.display_contact,
            "DISPLAYCONTACT.COMPANYNAME": company.name,
            "DISPLAYCONTACT.PHONE1": company.phone,
            "DISPLAYCONTACT.EMAIL1": f"accounts@{company.domain}",
            "DISPLAYCONTACT.URL1": f"https://www.{company.domain}",
            "DISPLAYCONTACT.MAILADDRESS.ADDRESS1": company.street,
            "DISPLAYCONTACT.MAILADDRESS.CITY": company.city,
            "DISPLAYCONTACT.MAILADDRESS.STATE": company.state,
            "DISPLAYCONTACT.MAILADDRESS.ZIP": company.zip,
            "DISPLAYCONTACT.MAILADDRESS.COUNTRY": company.locale.country,
            "WHENCREATED": company.created,
        }
        if company.index % 15 == 0:
            record["PARENTID"] = f"C-{company.index - 14:05d}"
        if rng.random() < 0.3:
            record["TAXID"] = f"{company.locale.country_code}{rng.randint(10**8, 10**9 - 1)}"
        if rng.random() < 0.1:
            record["COMMENTS"] = "Prefers invoices by e-mail; PO number required."
        return record

    @staticmethod
    def territory(company: Company) -> str:
        """The sales territory of a company (US west-coast cities go to NA-W)."""
        if company.locale.code == "en_US" and company.city in ("Seattle", "Denver", "Austin"):
            return "NA-W"
        return company.locale.territory

    def customer_contacts(self, company: Company) -> list[Record]:
        """The CONTACTs of a customer: its display contact, then its people."""
        contacts = [self._address(company, {
            "CONTACTNAME": company.display_contact, "PRINTAS": company.name,
            "COMPANYNAME": company.name, "PHONE1": company.phone,
            "EMAIL1": f"accounts@{company.domain}", "URL1": f"https://www.{company.domain}",
        })]
        for person in company.people:
            contacts.append(self._address(company, {
                "CONTACTNAME": company.contact_name(person), "PRINTAS": person.full_name,
                "COMPANYNAME": company.name, "FIRSTNAME": person.first,
                "LASTNAME": person.last, "PHONE1": person.phone, "EMAIL1": person.email,
            }))
        return contacts

    @staticmethod
    def _address(company: Company, record: Record) -> Record:
        record.update({
            "MAILADDRESS.ADDRESS1": company.street, "MAILADDRESS.CITY": company.city,
            "MAILADDRESS.STATE": company.state, "MAILADDRESS.ZIP": company.zip,
            "MAILADDRESS.COUNTRY": company.locale.country,
            "MAILADDRESS.COUNTRYCODE": company.locale.country_code,
        })
        return record

    # items and price lists ---------------------------------------------------------------

    def item_record(self, item: int) -> Record:
        """The ITEM record of item `item` (0-based)."""
        family = self.family(item)
        price = self.item_price(item)
        record: Record = {
            "ITEMID": self.item_id(item), "NAME": self.item_name(item),
            "ITEMTYPE": family.item_type, "STATUS": "inactive" if item % 37 == 36 else "active",
            "SODESCRIPTION": f"{family.label}: {self.item_name(item)}",
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
        yield from self._chunked("intacct", "SOPRICELIST", (dict(r) for r in SO_PRICE_LISTS))
        yield from self._chunked("intacct", "SOPRICELISTENTRY", self._so_entries(), keyed=True)
        yield from self._chunked(
            "intacct", "CONTRACTPRICELIST", (dict(r) for r in CONTRACT_PRICE_LISTS)
        )
        yield from self._chunked(
            "intacct", "CONTRACTITEMPRICELIST", self._contract_item_lists(), keyed=True
        )
        yield from self._chunked("intacct", "CONTRACTITEMPRICELISTENTRY", self._contract_entries())

    def _so_entries(self) -> Iterator[Record]:
        base, partner, europe = (str(r["NAME"]) for r in SO_PRICE_LISTS)
        for item in range(self.items):
            yield {"_key": f"{base}/{self.item_id(item)}", "PRICELISTID": base,
                   "ITEMID": self.item_id(item), "VALUE": self.item_price(item),
                   "VALUETYPE": "Actual"}
        for item in range(self.items):
            yield {"PRICELISTID": partner, "ITEMID": self.item_id(item), "VALUE": 15,
                   "VALUETYPE": "Percent Discount", "QTYLIMITMIN": 1}
        for item in range(0, self.items, 2):
            yield {"PRICELISTID": europe, "ITEMID": self.item_id(item),
                   "VALUE": in_currency(self.item_price(item), "EUR"), "VALUETYPE": "Actual"}

    def _contract_item_lists(self) -> Iterator[Record]:
        for price_list in CONTRACT_PRICE_LISTS:
            for item in self.items_of("SUB"):
                yield {"_key": f"{price_list['NAME']}/{self.item_id(item)}",
                       "PRICELISTNAME": price_list["NAME"], "ITEMID": self.item_id(item),
                       "ITMPRCLSTTYP": "Range", "CURRENCY": "USD", "VARUNITDIVSR": 1,
                       "FLTAMTFREQ": "Use billing template", "ISQTYRECUR": True}

    def _contract_entries(self) -> Iterator[Record]:
        for number, price_list in enumerate(CONTRACT_PRICE_LISTS):
            for item in self.items_of("SUB"):
                handle = f"{price_list['NAME']}/{self.item_id(item)}"
                yield {"ITEMPRICELISTKEY": Ref("intacct", "CONTRACTITEMPRICELIST", handle),
                       "PRICELISTNAME": price_list["NAME"], "ITEMID": self.item_id(item),
                       "STARTDATE": date(2024, 1, 1),
                       "VALUE": round(self.item_price(item) * (1 - 0.1 * number), 2),
                       "INCLUDEDUNITS": 1000 * (number + 1), "VARUNITRATE": 0.05,
                       "MEMO": "List price" if number == 0 else "Enterprise volume price"}

    # projects and contracts --------------------------------------------------------------
