"""Generator of Intacct contracts of linked customers, with their lines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from mapsync.engine.record import Record
from mapsync.engine.sandbox.demo.core import DemoCore
from mapsync.engine.sandbox.demo.model import ANCHOR, Company, SeedBatch, _year_later
from mapsync.engine.sandbox.demo.vocabulary import CONTRACT_PRICE_LISTS, in_currency


class Contracts:
    """Intacct subscription contracts (evergreen or termed) with one to three lines."""

    def __init__(self, core: DemoCore) -> None:
        self.core = core

    def intacct(self) -> Iterator[SeedBatch]:
        """The contracts, then their lines."""
        yield from self._contracts()

    def counts(self) -> dict[str, int]:
        """How many records of each object `intacct()` yields (before the catalog filter)."""
        contracts = self.core.contracts
        return {"CONTRACT": contracts,
                "CONTRACTDETAIL": sum(self.contract_lines(c) for c in range(1, contracts + 1))}

    def contract_customer(self, contract: int) -> Company:
        """The customer of contract `contract` (1-based)."""
        return self.core.nth_linked((contract - 1) * 5 + 2)

    def contract_lines(self, contract: int) -> int:
        """How many lines contract `contract` has: 1 to 3."""
        return 1 + contract % 3

    def _contracts(self) -> Iterator[SeedBatch]:
        yield from self.core.chunked("intacct", "CONTRACT", map(self.contract_record,
                                                            range(1, self.core.contracts + 1)))
        yield from self.core.chunked("intacct", "CONTRACTDETAIL", self._contract_details())

    def contract_record(self, contract: int) -> Record:
        """The CONTRACT record of contract `contract` (1-based)."""
        rng = self.core.rng("contract", contract)
        company = self.contract_customer(contract)
        begin = date(ANCHOR.year - rng.randint(0, 1), rng.randint(1, 12), 1)
        evergreen = contract % 6 == 0
        record: Record = {
            "CONTRACTID": f"CN-{contract:04d}",
            "NAME": f"{company.name} – Subscription {begin.year}",
            "CUSTOMERID": company.customer_id, "CUSTOMERNAME": company.name,
            "DESCRIPTION": "Cloud monitoring and support subscription",
            "BEGINDATE": begin, "TERMNAME": company.term,
            "TERMTYPE": "Evergreen" if evergreen else "Termed",
            "LOCATIONID": company.locale.location, "DEPARTMENTID": "SAL", "CLASSID": "SUB",
            "STATE": "In progress" if begin <= ANCHOR else "Draft",
            "BILLINGFREQUENCY": ("Monthly", "Quarterly", "Annually")[contract % 3],
            "PRCLIST": str(CONTRACT_PRICE_LISTS[contract % 2]["NAME"]),
            "CURRENCY": company.currency,
            "RENEWAL": not evergreen,
            "BILLTOCONTACTNAME": company.contact_name(company.people[0]),
            "SHIPTOCONTACTNAME": company.contact_name(company.people[0]),
        }
        if not evergreen:
            record.update(ENDDATE=_year_later(begin), RENEWALMACRO="Annual Auto-Renew",
                          RENEWTERMLENGTH=1, RENEWTERMPERIOD="Years")
        if company.currency != "USD":
            record["EXCHRATETYPE"] = "Intacct Daily Rate"
        return record

    def _contract_details(self) -> Iterator[Record]:
        subscriptions = self.core.items_of("SUB")
        for contract in range(1, self.core.contracts + 1):
            header = self.contract_record(contract)
            rng = self.core.rng("contractlines", contract)
            for line in range(1, self.contract_lines(contract) + 1):
                item = subscriptions[(contract + line) % len(subscriptions)]
                begin = header["BEGINDATE"]
                yield {
                    "CONTRACTID": header["CONTRACTID"], "LINENO": line,
                    "ITEMID": self.core.item_id(item), "ITEMDESC": self.core.item_name(item),
                    "BILLINGMETHOD": "Fixed price", "LOCATIONID": header["LOCATIONID"],
                    "DEPARTMENTID": "SAL", "STATE": header["STATE"], "BEGINDATE": begin,
                    "ENDDATE": header.get("ENDDATE") or _year_later(begin),
                    "RENEWAL": header["RENEWAL"], "BILLINGOPTIONS": "Use billing template",
                    "BILLINGFREQUENCY": header["BILLINGFREQUENCY"],
                    "BILLINGTEMPLATENAME": "Straight line monthly",
                    "QUANTITY": float(rng.choice((1, 5, 10, 25, 50))),
                    "PRICE": in_currency(self.core.item_price(item), header["CURRENCY"]),
                    "DISCOUNTPERCENT": float(rng.choice((0, 0, 5, 10))),
                }
