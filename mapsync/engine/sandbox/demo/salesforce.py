"""Generator of the Salesforce org: accounts, contacts, products, price books, opportunities."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

from mapsync.engine.record import Record
from mapsync.engine.sandbox.demo.core import DemoCore
from mapsync.engine.sandbox.demo.model import (
    ANCHOR,
    Company,
    Person,
    Ref,
    SeedBatch,
    link_kind,
)
from mapsync.engine.sandbox.demo.vocabulary import (
    AR_TERMS,
    OPEN_STAGES,
    SF_ONLY_PRODUCTS,
    SO_PRICE_LISTS,
    STAGE_PROBABILITY,
    fill,
)


class SalesforceOrg:
    """The Salesforce org, "matching but not identical" to the Intacct company."""

    def __init__(self, core: DemoCore) -> None:
        self.core = core

    def salesforce(self) -> Iterator[SeedBatch]:
        """Every Salesforce batch, parents before children."""
        chunked = self.core.chunked
        yield from chunked("salesforce", "Intacct_AR_Term__c", self._sf_terms(), keyed=True)
        yield from self.core.with_children(
            "salesforce", ("Account", self.account_record), ("Contact", self.contact_records),
            self._sf_companies(),
        )
        yield from chunked("salesforce", "Pricebook2", self._sf_pricebooks(), keyed=True)
        yield from chunked("salesforce", "Product2", self._sf_products(), keyed=True)
        yield from chunked("salesforce", "PricebookEntry", self._sf_entries(), keyed=True)
        opportunities = map(self.opportunity_record, range(1, self.core.opportunities + 1))
        yield from chunked("salesforce", "Opportunity", opportunities, keyed=True)
        yield from chunked("salesforce", "OpportunityLineItem", self._sf_opportunity_lines())

    def counts(self) -> dict[str, int]:
        """How many records of each object `salesforce()` yields (before the catalog filter)."""
        core = self.core
        kinds = [link_kind(i) for i in range(1, core.records + 1)]
        linked_people = sum(
            len(core.company(i).people) for i, k in enumerate(kinds, 1) if k == "linked"
        )
        prospect_people = sum(
            len(core.company(core.records + j).people) for j in range(1, core.prospects + 1)
        )
        products = sum(map(self.in_salesforce, range(core.items))) + core.sf_only_products
        entries = sum(map(self.has_standard_price, range(core.items))) + core.sf_only_products
        return {
            "Intacct_AR_Term__c": len(AR_TERMS) - 1,
            "Account": kinds.count("linked") + kinds.count("matched") + core.prospects,
            "Contact": linked_people + kinds.count("matched") + prospect_people,
            "Pricebook2": 1, "Product2": products, "PricebookEntry": entries,
            "Opportunity": core.opportunities,
            "OpportunityLineItem": sum(1 + k % 3 for k in range(1, core.opportunities + 1)),
        }

    def _sf_terms(self) -> Iterator[Record]:
        for term in AR_TERMS[:-1]:
            name = str(term["NAME"])
            yield {"_key": name, "Name": name, "Intacct_ID__c": name,
                   "Intacct_Record_No__c": Ref("intacct", "ARTERM", name),
                   "Description__c": term.get("DESCRIPTION"),
                   "Active__c": term.get("STATUS", "active") == "active",
                   "Due_Days__c": term.get("DUEDATE"), "Due_From__c": term.get("DUEFROM"),
                   "Discount_Days__c": term.get("DISCDATE"),
                   "Discount_Amount__c": term.get("DISCAMOUNT"),
                   "Discount_Type__c": term.get("DISCPERCAMN")}

    def _sf_companies(self) -> Iterator[Company]:
        for company in self.core.customers():
            if link_kind(company.index) != "intacct_only":
                yield company
        for number in range(1, self.core.prospects + 1):
            yield self.core.company(self.core.records + number)

    def is_prospect(self, company: Company) -> bool:
        """True for a Salesforce-only account."""
        return company.index > self.core.records

    def account_record(self, company: Company) -> Record:
        """The Account of a linked or matched customer, or of a prospect."""
        rng = self.core.rng("account", company.index)
        record: Record = {
            "_key": company.customer_id, "Name": company.name,
            "BillingStreet": company.street, "BillingCity": company.city,
            "BillingState": company.state, "BillingPostalCode": company.zip,
            "BillingCountry": company.locale.country, "Phone": company.phone,
            "Website": f"https://www.{company.domain}",
        }
        if self.is_prospect(company):
            record.update(Type="Prospect", Description="Inbound lead from the web site")
            return record
        reseller = company.customer_type == "Reseller"
        record["Type"] = "Channel Partner / Reseller" if reseller else "Customer - Direct"
        record["AccountNumber"] = company.customer_id  # the natural key both sides share
        if link_kind(company.index) == "matched":
            record["Phone"] = company.phone.replace(" ", "").replace("-", "")
            return record
        if company.index % 4 == 1:  # edited in Salesforce since the last sync
            record["Phone"] = fill(rng, company.locale.phone)
        record.update({
            "Intacct_ID__c": company.customer_id,
            "Intacct_Record_No__c": Ref("intacct", "CUSTOMER", company.customer_id),
            "Intacct_Status__c": "Inactive" if company.index % 25 == 0 else "Active",
            "Intacct_Payment_Term__c": Ref("salesforce", "Intacct_AR_Term__c", company.term),
            "Intacct_Credit_Limit__c": company.credit_limit,
            "Intacct_Sync_Status__c": "Synced",
            "Intacct_Last_Sync__c": "2024-06-01T06:00:00.000+0000",
        })
        return record

    def contact_records(self, company: Company) -> list[Record]:
        """The Contacts of an account: all its people, or one for a matched account."""
        kind = "prospect" if self.is_prospect(company) else link_kind(company.index)
        people = (self.salesforce_only_person(company),) if kind == "matched" else company.people
        records = [self._contact_record(company, person, kind) for person in people]
        records[0]["_key"] = f"{company.customer_id}/0"
        return records

    def salesforce_only_person(self, company: Company) -> Person:
        """A contact of a matched account that Intacct does not have yet (the contact rules
        link contacts by Intacct ID only, so a same-name contact would be created twice)."""
        # same locale, unused names
        offset = 10 * -(-(self.core.records + self.core.prospects) // 10)
        stranger = self.core.company(company.index + offset).people[0]
        local = stranger.email.split("@", 1)[0]
        return replace(stranger, email=f"{local}@{company.domain}")

    @staticmethod
    def _contact_record(company: Company, person: Person, kind: str) -> Record:
        record: Record = {
            "AccountId": Ref("salesforce", "Account", company.customer_id),
            "FirstName": person.first, "LastName": person.last, "Email": person.email,
            "Phone": person.phone, "Title": person.title,
            "MailingStreet": company.street, "MailingCity": company.city,
            "MailingState": company.state, "MailingPostalCode": company.zip,
            "MailingCountry": company.locale.country,
        }
        if kind == "linked":
            record.update(Intacct_ID__c=company.contact_name(person),
                          Intacct_Sync_Status__c="Synced")
        elif kind == "prospect":
            record["LeadSource"] = "Web"
        return record

    @staticmethod
    def _sf_pricebooks() -> Iterator[Record]:
        # Linked to Intacct's Base Price List, as `mapsync init` links it.
        yield {"_key": "standard", "Name": "Standard Price Book", "IsActive": True,
               "IsStandard": True, "Intacct_ID__c": str(SO_PRICE_LISTS[0]["NAME"]),
               "Intacct_Price_List_Type__c": "Order Entry"}

    def in_salesforce(self, item: int) -> bool:
        """True when item `item` has a Salesforce product (two items in three)."""
        return item % 3 != 2

    def _sf_products(self) -> Iterator[Record]:
        for item in range(self.core.items):
            if self.in_salesforce(item):
                yield self.product_record(item)
        for number in range(1, self.core.sf_only_products + 1):
            yield {"_key": f"SF-{number:04d}", "ProductCode": f"SF-{number:04d}",
                   "Name": f"{SF_ONLY_PRODUCTS[number % len(SF_ONLY_PRODUCTS)]} {number}",
                   "Family": "Services", "IsActive": True,
                   "Intacct_Item_Type__c": "Non-Inventory Sales Only",
                   "Description": "Sold in Salesforce only; not yet an Intacct item"}

    def product_record(self, item: int) -> Record:
        """The Product2 of item `item`: linked (item % 3 == 0) or matched by ProductCode."""
        family = self.core.family(item)
        record: Record = {
            "_key": self.core.item_id(item), "Name": self.core.item_name(item),
            "ProductCode": self.core.item_id(item), "Family": family.label,
            "IsActive": item % 37 != 36,
            "Description": f"{family.label}: {self.core.item_name(item)}",
        }
        if item % 3 == 0:
            record.update({
                "Intacct_ID__c": self.core.item_id(item),
                "Intacct_Record_No__c": Ref("intacct", "ITEM", self.core.item_id(item)),
                "Intacct_Item_Type__c": family.item_type.replace(" (Sales only)",
                                                                 " Sales Only"),
                "Intacct_Base_Price__c": self.core.item_price(item),
                "Intacct_Taxable__c": family.code in ("HW", "SW"),
                "Intacct_Contract_Enabled__c": family.code == "SUB",
                "Intacct_Sync_Status__c": "Synced",
            })
        return record

    def has_standard_price(self, item: int) -> bool:
        """True for linked products: their standard-book entry is already synced.

        Matched products get theirs from the first sync (one entry per product and book,
        so a pre-existing unlinked entry would clash with the synced one).
        """
        return item % 3 == 0

    def _sf_entries(self) -> Iterator[Record]:
        standard = Ref("salesforce", "Pricebook2", "standard")
        base = SO_PRICE_LISTS[0]["NAME"]
        for item in filter(self.has_standard_price, range(self.core.items)):
            code = self.core.item_id(item)
            yield {"_key": code, "Pricebook2Id": standard,
                   "Product2Id": Ref("salesforce", "Product2", code),
                   "UnitPrice": self.core.item_price(item), "IsActive": True,
                   "Intacct_ID__c": Ref("intacct", "SOPRICELISTENTRY", f"{base}/{code}"),
                   "Intacct_Sync_Status__c": "Synced"}
        for number in range(1, self.core.sf_only_products + 1):
            code = f"SF-{number:04d}"
            yield {"_key": code, "Pricebook2Id": standard,
                   "Product2Id": Ref("salesforce", "Product2", code),
                   "UnitPrice": float(99 * number), "IsActive": True}

    def opportunity_account(self, number: int) -> Company:
        """The account of opportunity `number`: a prospect (odd numbers) or a linked customer."""
        if number % 2 and self.core.prospects:
            return self.core.company(self.core.records + 1 + (number // 2) % self.core.prospects)
        return self.core.linked_customer(self.core.rng("oppaccount", number))

    def opportunity_lines(self, number: int) -> list[tuple[int, float, float]]:
        """(item, quantity, unit price) of each line of opportunity `number`."""
        rng = self.core.rng("opplines", number)
        candidates = [i for i in range(min(self.core.items, 60)) if self.has_standard_price(i)]
        lines = []
        for _ in range(1 + number % 3):
            item = rng.choice(candidates)
            lines.append((item, float(rng.choice((1, 2, 5, 10))), self.core.item_price(item)))
        return lines

    def opportunity_record(self, number: int) -> Record:
        """Opportunity `number` (1-based) with its Amount from its lines."""
        rng = self.core.rng("opportunity", number)
        company = self.opportunity_account(number)
        stage = "Closed Won" if number % 5 == 0 else rng.choice(OPEN_STAGES)
        amount = round(sum(q * p for _i, q, p in self.opportunity_lines(number)), 2)
        name = f"{company.name} – {rng.choice(('Expansion', 'Renewal', 'Pilot', 'Rollout'))}"
        return {
            "_key": f"OPP-{number}", "Name": name[:120],
            "AccountId": Ref("salesforce", "Account", company.customer_id),
            "StageName": stage, "CloseDate": ANCHOR + timedelta(days=rng.randint(-60, 120)),
            "Amount": amount, "Probability": STAGE_PROBABILITY[stage],
            "Type": "New Customer" if self.is_prospect(company)
            else "Existing Customer - Upgrade",
            "LeadSource": rng.choice(("Web", "Phone Inquiry", "Partner Referral")),
            "Pricebook2Id": Ref("salesforce", "Pricebook2", "standard"),
            "Intacct_Bill_To__c": Ref("salesforce", "Contact", f"{company.customer_id}/0"),
            "Intacct_Ship_To__c": Ref("salesforce", "Contact", f"{company.customer_id}/0"),
            "NextStep": "Send order form" if stage == "Negotiation/Review" else None,
            # A won deal whose Create Sales Order button was pressed: the next sync orders it.
            "Intacct_Create_Sales_Order__c": stage == "Closed Won",
        }

    def _sf_opportunity_lines(self) -> Iterator[Record]:
        for number in range(1, self.core.opportunities + 1):
            for sort, (item, quantity, price) in enumerate(self.opportunity_lines(number), 1):
                yield {"OpportunityId": Ref("salesforce", "Opportunity", f"OPP-{number}"),
                       "PricebookEntryId": Ref("salesforce", "PricebookEntry",
                                               self.core.item_id(item)),
                       "Quantity": quantity, "UnitPrice": price, "SortOrder": sort,
                       "Description": self.core.item_name(item)[:80]}
