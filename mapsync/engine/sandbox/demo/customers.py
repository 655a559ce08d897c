"""Generator of Intacct customers with their contacts."""

from __future__ import annotations

from collections.abc import Iterator

from mapsync.engine.record import Record
from mapsync.engine.sandbox.demo.core import DemoCore
from mapsync.engine.sandbox.demo.model import (
    Company,
    SeedBatch,
)


class Customers:
    """Intacct customers, each followed by its contacts (display contact, then its people)."""

    def __init__(self, core: DemoCore) -> None:
        self.core = core

    def intacct(self) -> Iterator[SeedBatch]:
        """Customers and their contacts, a batch of customers at a time."""
        yield from self.core.with_children(
            "intacct", ("CUSTOMER", self.customer_record), ("CONTACT", self.customer_contacts),
            self.core.customers(),
        )

    def counts(self) -> dict[str, int]:
        """How many records of each object `intacct()` yields (before the catalog filter)."""
        n = self.core.records
        return {"CONTACT": n + n + n // 3, "CUSTOMER": n}

    def customer_record(self, company: Company) -> Record:
        """The CUSTOMER record of a company."""
        rng = self.core.rng("customer", company.index)
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
