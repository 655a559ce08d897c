"""The whole demo company: every Intacct and Salesforce batch, and their counts."""

from __future__ import annotations

from collections.abc import Iterator

from mapsync.engine.sandbox.demo.model import (
    SeedBatch,
    link_kind,
)
from mapsync.engine.sandbox.demo.salesforce import SalesforceOrg
from mapsync.engine.sandbox.demo.vocabulary import (
    AR_TERMS,
    BILLING_TEMPLATES,
    CLASSES,
    CONTRACT_PRICE_LISTS,
    CUSTOMER_TYPES,
    DEPARTMENTS,
    DOC_TYPES,
    ENTITIES,
    EXCHANGE_RATE_TYPES,
    LOCATIONS,
    PROJECT_STATUSES,
    PROJECT_TEMPLATES,
    PROJECT_TYPES,
    RENEWAL_TEMPLATES,
    SO_PRICE_LISTS,
    TERRITORIES,
)


class DemoData(SalesforceOrg):
    """The demo company at `records` customers; deterministic for a (records, seed) pair."""

    def intacct(self) -> Iterator[SeedBatch]:
        """Every Intacct batch, parents before children."""
        yield from self._managed_lists()
        yield from self._chunked("intacct", "CONTACT", self._employee_contacts())
        yield from self._chunked("intacct", "EMPLOYEE", self._employees())
        yield from self._with_children(
            "intacct", ("CUSTOMER", self.customer_record), ("CONTACT", self.customer_contacts),
            self.customers(),
        )
        yield from self._chunked("intacct", "ITEM", map(self.item_record, range(self.items)))
        yield from self._price_lists()
        yield from self._projects()
        yield from self._contracts()
        for docpar, prefix in DOC_TYPES:
            yield from self._documents(docpar, prefix)

    # counts ------------------------------------------------------------------------------

    def counts(self) -> dict[str, dict[str, int]]:
        """Exactly how many records of each object `intacct()` and `salesforce()` yield."""
        return {"intacct": self._count_intacct(), "salesforce": self._count_salesforce()}

    def _count_intacct(self) -> dict[str, int]:
        n = self.records
        people = n + n // 3
        docs = {d: self.documents(d) for d, _p in DOC_TYPES}
        subs = len(self.items_of("SUB"))
        counts = {
            "ARTERM": len(AR_TERMS), "CONTRACTBILLINGTEMPLATE": len(BILLING_TEMPLATES),
            "CLASS": len(CLASSES), "DEPARTMENT": len(DEPARTMENTS),
            "LOCATIONENTITY": len(ENTITIES), "LOCATION": len(ENTITIES) + len(LOCATIONS),
            "EXCHANGERATETYPES": len(EXCHANGE_RATE_TYPES),
            "PROJECTSTATUS": len(PROJECT_STATUSES), "PROJECTTYPE": len(PROJECT_TYPES),
            "RENEWALMACRO": len(RENEWAL_TEMPLATES), "TERRITORY": len(TERRITORIES),
            "CUSTTYPE": len(CUSTOMER_TYPES), "EMPLOYEE": self.employees,
            "CONTACT": self.employees + n + people, "CUSTOMER": n, "ITEM": self.items,
            "SOPRICELIST": len(SO_PRICE_LISTS),
            "SOPRICELISTENTRY": 2 * self.items + (self.items + 1) // 2,
            "CONTRACTPRICELIST": len(CONTRACT_PRICE_LISTS),
            "CONTRACTITEMPRICELIST": len(CONTRACT_PRICE_LISTS) * subs,
            "CONTRACTITEMPRICELISTENTRY": len(CONTRACT_PRICE_LISTS) * subs,
            "PROJECT": len(PROJECT_TEMPLATES) + self.projects,
            "TASK": sum(self.tasks_of(p) for p in range(1, self.projects + 1)),
            "CONTRACT": self.contracts,
            "CONTRACTDETAIL": sum(self.contract_lines(c) for c in range(1, self.contracts + 1)),
            "SODOCUMENT": sum(docs.values()),
            "SODOCUMENTENTRY": sum(
                self.document_lines(k) for c in docs.values() for k in range(1, c + 1)
            ),
        }
        return {o: c for o, c in counts.items() if self.catalogs.get("intacct", o) is not None}

    def _count_salesforce(self) -> dict[str, int]:
        kinds = [link_kind(i) for i in range(1, self.records + 1)]
        linked_people = sum(
            len(self.company(i).people) for i, k in enumerate(kinds, 1) if k == "linked"
        )
        prospect_people = sum(
            len(self.company(self.records + j).people) for j in range(1, self.prospects + 1)
        )
        products = sum(map(self.in_salesforce, range(self.items))) + self.sf_only_products
        entries = sum(map(self.has_standard_price, range(self.items))) + self.sf_only_products
        counts = {
            "Intacct_AR_Term__c": len(AR_TERMS) - 1,
            "Account": kinds.count("linked") + kinds.count("matched") + self.prospects,
            "Contact": linked_people + kinds.count("matched") + prospect_people,
            "Pricebook2": 1, "Product2": products, "PricebookEntry": entries,
            "Opportunity": self.opportunities,
            "OpportunityLineItem": sum(1 + k % 3 for k in range(1, self.opportunities + 1)),
        }
        return {o: c for o, c in counts.items() if self.catalogs.get("salesforce", o) is not None}
