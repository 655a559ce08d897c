"""Demo data for both sandboxes: a believable company in Intacct and a matching org in Salesforce.

`DemoData(records=N)` is a deterministic generator (one seeded `random.Random` per record, no
global state): `intacct()` and `salesforce()` yield `Batch`es of plain dict records named by
catalog object and field, small enough that 100,000 customers stream through without being held
in memory. `seed(intacct_sandbox, salesforce_sandbox, records=N)` loads both stores.

Profile "demo" at `records=N` (N customers; counts exact, see `DemoData.counts()`):

Intacct — every managed list (AR terms, billing templates, classes, departments, employees
(8 + N/100, each with a contact), entities and locations, exchange-rate types, project statuses
and types, three project templates, renewal templates, territories, customer types);
N customers, each with a display contact and one or two people (every third has two);
max(12, N/4) items (hardware, software, subscriptions, services); three order-entry price lists
(Base Price List, a partner discount list, a EUR list) with entries; two contract price lists
with item lists and entries for the subscriptions; max(1, N/4) projects with 3-5 tasks;
max(1, N/5) contracts with 1-3 lines; sales quotes (N/2), orders (N/2), invoices (N) and
"Other: Sales" documents (N/10) with 1-4 lines each, orders converted from quotes and invoices
from orders. Projects, contracts and documents belong to linked customers.

Salesforce — "matching but not identical": customer i is *linked* when i % 10 is 1..6 (an
Account with Intacct_ID__c and AccountNumber = CUSTOMERID, its people as Contacts with
Intacct_ID__c = CONTACTNAME, some phones edited since the last sync), *matched* when i % 10 is
7 or 8 (same Name and AccountNumber = CUSTOMERID, the customers rule's natural key, but no
Intacct ID; one contact Intacct does not have), and *Intacct-only* otherwise; N/5 prospect
Accounts exist only in Salesforce (they should create customers). Products cover two items in
three: linked ones (Intacct_ID__c, with their Base Price List entry in the standard price book,
also linked) and ones matched by ProductCode = ITEMID (no price yet); a few products exist only
in Salesforce. N/4 opportunities (half on prospects) with 1-3 line items of linked products, for
Create Sales Order. The AR terms were synced earlier (all but the newest, "Net 90").
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from mapsync.engine.catalog import Catalogs, System, load_catalogs
from mapsync.engine.sandbox.salesforce.values import now_text
from mapsync.engine.sandbox.seed_data import (
    AR_TERMS,
    BILLING_TEMPLATES,
    CLASSES,
    CONTRACT_PRICE_LISTS,
    CUSTOMER_TERMS,
    CUSTOMER_TYPE_MIX,
    CUSTOMER_TYPES,
    DEPARTMENTS,
    DOC_TYPES,
    ENTITIES,
    EXCHANGE_RATE_TYPES,
    FAMILIES,
    FAMILY_ORDER,
    LOCALES,
    LOCATIONS,
    OPEN_STAGES,
    PLANS,
    PROJECT_STATUSES,
    PROJECT_TEMPLATES,
    PROJECT_TYPES,
    RENEWAL_TEMPLATES,
    SCHEDULE,
    SF_ONLY_PRODUCTS,
    SO_PRICE_LISTS,
    STAGE_PROBABILITY,
    TASK_NAMES,
    TERM_DAYS,
    TERRITORIES,
    Family,
    Locale,
    display,
    fill,
    in_currency,
    money,
    slug,
)

if TYPE_CHECKING:
    from mapsync.engine.sandbox.intacct import IntacctSandbox
    from mapsync.engine.sandbox.intacct.store import IntacctStore
    from mapsync.engine.sandbox.salesforce import SalesforceSandbox, Store

PROFILES = ("demo", "none")
BATCH_SIZE = 500
ANCHOR = date(2024, 6, 28)  # "today" of the demo company: dates are fixed, so data repeats
COMPANY = "Brightwater Instruments"

Record = dict[str, Any]
Kind = Literal["linked", "matched", "intacct_only"]


# -- batches -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ref:
    """A value naming another seeded record; the loader swaps in its RECORDNO or Id.

    Intacct refs name a record by its business key (or by a handle a batch remembered);
    Salesforce refs by the handle the batch that created it gave (`Batch.keys`).
    """

    system: System
    object: str
    key: str


@dataclass(frozen=True, slots=True)
class Batch:
    """Records of one object to insert together.

    `keys` run parallel to `records`: a non-empty key is a handle later `Ref`s use to name
    the record (the generator writes it as the record's "_key", which `_batch` takes out).
    """

    system: System
    object: str
    records: tuple[Record, ...]
    keys: tuple[str, ...] = ()


# -- people and companies ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    """A contact person at a customer."""

    first: str
    last: str
    email: str
    phone: str
    title: str

    @property
    def full_name(self) -> str:
        """FirstName + " " + LastName, as Salesforce composes Contact.Name.

        It is also the person's Intacct CONTACTNAME (the contact rules copy Name there), so
        the generator keeps it unique: names repeat only with a different middle initial.
        """
        return f"{self.first} {self.last}"


@dataclass(frozen=True, slots=True)
class Company:
    """Everything both systems know about one customer or prospect (number `index`)."""

    index: int
    customer_id: str
    name: str
    locale: Locale
    street: str
    city: str
    state: str
    zip: str
    phone: str
    domain: str
    people: tuple[Person, ...]
    term: str
    customer_type: str
    credit_limit: float
    created: datetime

    @property
    def display_contact(self) -> str:
        """The CONTACTNAME Intacct gives a customer's display contact: `NAME(CCUSTOMERID)`."""
        return f"{self.name}(C{self.customer_id})"

    @staticmethod
    def contact_name(person: Person) -> str:
        """The Intacct CONTACTNAME of one of the company's people (unique: see Person)."""
        return person.full_name

    @property
    def currency(self) -> str:
        """The currency the customer buys in."""
        return self.locale.currency


@dataclass(frozen=True, slots=True)
class Employee:
    """One of the demo company's own staff (an EMPLOYEE with its CONTACT)."""

    number: int
    contact: str
    person: Person
    dept: str
    title: str
    locale: Locale
    head: int


def combination(ordinal: int, sizes: Sequence[int]) -> tuple[tuple[int, ...], int]:
    """Spread `ordinal` over a grid of `sizes`; also return how many full grids came before.

    Distinct ordinals below the grid size give distinct combinations. Each part is shifted by
    the parts before it (a triangular, hence one-to-one, map), so neighbours differ in every
    part: customer 1 and 2 do not share a surname.
    """
    total = 1
    for size in sizes:
        total *= size
    rest = ordinal % total
    digits = []
    for size in sizes:
        rest, digit = divmod(rest, size)
        digits.append(digit)
    parts = [(d + sum((2 * j + 5) * digits[j] for j in range(i))) % sizes[i]
             for i, d in enumerate(digits)]
    return tuple(parts), ordinal // total


def person_name(locale: Locale, ordinal: int) -> tuple[str, str, str]:
    """(first, last, middle initial) of a locale's person number `ordinal`, unique per locale.

    The first 400 people of a locale have no middle initial; later rounds add A, B, ..., Z,
    then AA, AB, ... so a full name never repeats.
    """
    (first, last), cycle = combination(ordinal, (len(locale.firsts), len(locale.lasts)))
    middle = ""
    while cycle:
        cycle, letter = divmod(cycle - 1, 26)
        middle = chr(ord("A") + letter) + middle
    return locale.firsts[first], locale.lasts[last], middle


def link_kind(index: int) -> Kind:
    """How customer `index` appears in Salesforce: linked, matched by name, or not at all."""
    rest = index % 10
    if 1 <= rest <= 6:
        return "linked"
    return "matched" if rest in (7, 8) else "intacct_only"


# -- the generator -----------------------------------------------------------------------


class DemoData:
    """The demo company at `records` customers; deterministic for a (records, seed) pair."""

    def __init__(self, records: int, seed: int = 0, catalogs: Catalogs | None = None) -> None:
        if records < 1:
            raise ValueError("records must be at least 1")
        self.records = records
        self.seed = seed
        self.catalogs = catalogs or load_catalogs()

    # sizes -------------------------------------------------------------------------------

    @property
    def employees(self) -> int:
        """How many employees: 8 + one per 100 customers."""
        return 8 + self.records // 100

    @property
    def items(self) -> int:
        """How many items: max(12, N/4)."""
        return max(12, self.records // 4)

    @property
    def prospects(self) -> int:
        """Salesforce-only accounts: N/5."""
        return self.records // 5

    @property
    def projects(self) -> int:
        """How many projects: max(1, N/4)."""
        return max(1, self.records // 4)

    @property
    def contracts(self) -> int:
        """How many contracts: max(1, N/5)."""
        return max(1, self.records // 5)

    def documents(self, docpar: str) -> int:
        """How many sales documents of one transaction definition."""
        n = self.records
        share = {"Sales Quote": n // 2, "Sales Order": n // 2, "Sales Invoice": n,
                 "Other: Sales": n // 10}
        return max(1, share[docpar])

    @property
    def sf_only_products(self) -> int:
        """Products that exist only in Salesforce."""
        return max(2, self.items // 10)

    @property
    def opportunities(self) -> int:
        """How many opportunities: max(1, N/4)."""
        return max(1, self.records // 4)

    # random streams ----------------------------------------------------------------------

    def rng(self, kind: str, index: int) -> random.Random:
        """The random stream of one record: independent of every other record."""
        return random.Random(f"{self.seed}:{kind}:{index}")

    # companies ---------------------------------------------------------------------------

    def company(self, index: int) -> Company:
        """Customer `index` (1..N), or prospect `index - N` beyond N."""
        slot = (index - 1) % len(SCHEDULE)
        locale = LOCALES[SCHEDULE[slot]]
        per_cycle = SCHEDULE.count(SCHEDULE[slot])
        ordinal = (index - 1) // len(SCHEDULE) * per_cycle + SCHEDULE[:slot].count(SCHEDULE[slot])
        (pattern, last, word), cycle = combination(
            ordinal, (len(locale.patterns), len(locale.lasts), len(locale.words))
        )
        last_name, word_text = locale.lasts[last], locale.words[word]
        name = locale.patterns[pattern].format(last=display(last_name), word=display(word_text))
        if cycle:
            name = f"{name} {cycle + 1}"
        rng = self.rng("company", index)
        city, state, zip_pattern = rng.choice(locale.cities)
        domain = f"{slug(last_name)}-{slug(word_text)}.{locale.tld}"
        people = self._people(rng, locale, domain, ordinal, 2 if index % 3 == 0 else 1)
        return Company(
            index=index,
            customer_id=f"C-{index:05d}",
            name=name,
            locale=locale,
            street=rng.choice(locale.streets).format(n=rng.randint(1, 240)),
            city=city,
            state=state,
            zip=fill(rng, zip_pattern),
            phone=fill(rng, locale.phone),
            domain=domain,
            people=people,
            term=rng.choice(CUSTOMER_TERMS),
            customer_type=rng.choice(CUSTOMER_TYPE_MIX),
            credit_limit=float(rng.choice((5, 10, 15, 25, 50, 75, 100, 250)) * 1000),
            created=datetime.combine(ANCHOR, datetime.min.time())
            - timedelta(days=rng.randint(30, 1500), hours=rng.randint(0, 9)),
        )

    def _people(
        self, rng: random.Random, locale: Locale, domain: str, ordinal: int, count: int
    ) -> tuple[Person, ...]:
        titles = rng.sample(locale.titles, count)
        people = []
        for number, title in enumerate(titles):
            first, last, middle = person_name(locale, 2 * ordinal + number)
            email_first = f"{slug(first)}.{middle.lower()}" if middle else slug(first)
            people.append(Person(
                first=f"{display(first)} {middle}." if middle else display(first),
                last=display(last),
                email=f"{email_first}.{slug(last)}@{domain}",
                phone=fill(rng, locale.phone),
                title=title,
            ))
        return tuple(people)

    def customers(self) -> Iterator[Company]:
        """Customers 1..N in order."""
        return (self.company(i) for i in range(1, self.records + 1))

    @functools.cached_property
    def linked_count(self) -> int:
        """How many customers are linked to a Salesforce account (at least customer 1)."""
        full, rest = divmod(self.records, 10)
        return 6 * full + min(rest, 6)

    def nth_linked(self, number: int) -> Company:
        """Linked customer `number` (0-based, modulo their count)."""
        number %= self.linked_count
        return self.company(10 * (number // 6) + number % 6 + 1)

    def linked_customer(self, rng: random.Random) -> Company:
        """A random customer that is linked to a Salesforce account.

        Projects, contracts, documents and opportunities belong to linked customers, so
        their references (customer, bill-to contact) resolve in Salesforce on the first run.
        """
        return self.nth_linked(rng.randrange(self.linked_count))

    # items -------------------------------------------------------------------------------

    def family(self, item: int) -> Family:
        """The product family of item `item` (0-based)."""
        return FAMILIES[FAMILY_ORDER[item % len(FAMILY_ORDER)]]

    def item_id(self, item: int) -> str:
        """The ITEMID of item `item` (0-based)."""
        return f"{self.family(item).code}-{1000 + item}"

    def item_price(self, item: int) -> float:
        """The USD list price (BASEPRICE) of item `item`: x9.99 for goods, whole for services."""
        family = self.family(item)
        steps = round(self.rng("price", item).uniform(family.low, family.high) / 10)
        return float(steps * 10) if family.code == "SVC" else steps * 10 - 0.01

    def item_name(self, item: int) -> str:
        """The NAME of item `item` (unique: it carries a model or plan and the item number)."""
        family = self.family(item)
        base = family.names[item // len(FAMILY_ORDER) % len(family.names)]
        if family.code == "SUB":
            return f"{base} {PLANS[item % len(PLANS)]} Subscription ({1000 + item})"
        if family.code == "SW":
            return f"{base} Perpetual Licence ({1000 + item})"
        if family.code == "SVC":
            return f"{base} ({1000 + item})"
        return f"{base} BW-{1000 + item}"

    def items_of(self, code: str) -> list[int]:
        """Item numbers of one family (small: used for price lists and contracts)."""
        return [i for i in range(self.items) if self.family(i).code == code]

    # Intacct -----------------------------------------------------------------------------

    def intacct(self) -> Iterator[Batch]:
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

    def _with_children(
        self,
        system: System,
        parent: tuple[str, Callable[[Company], Record]],
        child: tuple[str, Callable[[Company], list[Record]]],
        companies: Iterable[Company],
    ) -> Iterator[Batch]:
        """Parents and their children, a batch of parents at a time (each company made once)."""
        chunk: list[Company] = []
        for company in companies:
            chunk.append(company)
            if len(chunk) >= BATCH_SIZE:
                yield from self._family_batches(system, parent, child, chunk)
                chunk = []
        if chunk:
            yield from self._family_batches(system, parent, child, chunk)

    def _family_batches(
        self,
        system: System,
        parent: tuple[str, Callable[[Company], Record]],
        child: tuple[str, Callable[[Company], list[Record]]],
        chunk: list[Company],
    ) -> Iterator[Batch]:
        yield from self._chunked(system, parent[0], map(parent[1], chunk), keyed=True)
        children = (r for c in chunk for r in child[1](c))
        yield from self._chunked(system, child[0], children, keyed=True)

    def _chunked(
        self, system: System, obj: str, records: Iterable[Record], keyed: bool = False
    ) -> Iterator[Batch]:
        """Batches of BATCH_SIZE; with `keyed`, each record's "_key" becomes a handle."""
        if self.catalogs.get(system, obj) is None:
            return
        chunk: list[Record] = []
        for record in records:
            chunk.append(record)
            if len(chunk) >= BATCH_SIZE:
                yield _batch(system, obj, chunk, keyed)
                chunk = []
        if chunk:
            yield _batch(system, obj, chunk, keyed)

    def _managed_lists(self) -> Iterator[Batch]:
        lists: tuple[tuple[str, Iterable[Record]], ...] = (
            ("ARTERM", AR_TERMS),
            ("CONTRACTBILLINGTEMPLATE", BILLING_TEMPLATES),
            ("CLASS", CLASSES),
            ("DEPARTMENT", self._departments()),
            ("LOCATIONENTITY", ({"LOCATIONID": e, "NAME": n, "CURRENCY": c}
                                for e, n, c in ENTITIES)),
            ("LOCATION", self._locations()),
            ("EXCHANGERATETYPES", EXCHANGE_RATE_TYPES),
            ("PROJECTSTATUS", PROJECT_STATUSES),
            ("PROJECTTYPE", PROJECT_TYPES),
            ("RENEWALMACRO", RENEWAL_TEMPLATES),
            ("TERRITORY", self._territories()),
            ("CUSTTYPE", CUSTOMER_TYPES),
        )
        for obj, records in lists:
            yield from self._chunked("intacct", obj, (dict(r) for r in records))

    def _departments(self) -> Iterator[Record]:
        for number, (dept, title) in enumerate(DEPARTMENTS, start=1):
            yield {"DEPARTMENTID": dept, "TITLE": title, "SUPERVISORID": self.employee_id(number)}

    def _locations(self) -> Iterator[Record]:
        for entity, name, _currency in ENTITIES:
            yield {"LOCATIONID": entity, "NAME": name, "ENTITY": entity,
                   "STARTDATE": date(2019, 1, 1)}
        for location, name, entity in LOCATIONS:
            yield {"LOCATIONID": location, "NAME": name, "PARENTID": entity, "ENTITY": entity,
                   "STARTDATE": date(2020, 4, 1)}

    def _territories(self) -> Iterator[Record]:
        for number, (territory, name, parent) in enumerate(TERRITORIES):
            record: Record = {"TERRITORYID": territory, "NAME": name,
                              "MANAGERID": self.employee_id(2 + number % 2)}
            if parent:
                record["PARENTID"] = parent
            yield record

    # employees ---------------------------------------------------------------------------

    @staticmethod
    def employee_id(number: int) -> str:
        """EMPLOYEEID of employee `number` (1-based)."""
        return f"E-{number:04d}"

    @functools.cached_property
    def staff(self) -> tuple[Employee, ...]:
        """Every employee, E-0001 first (the department heads are E-0001..E-0007)."""
        return tuple(self._employee(n) for n in range(1, self.employees + 1))

    def _employee(self, number: int) -> Employee:
        locale = LOCALES[(0, 2, 1, 5)[number % 4]]
        (first, last), cycle = combination(number, (len(locale.firsts), len(locale.lasts)))
        person = Person(
            first=display(locale.firsts[first]), last=display(locale.lasts[last]),
            email=f"{slug(locale.firsts[first])}.{slug(locale.lasts[last])}{number}"
            "@brightwater.example",
            phone="", title="",
        )
        contact = f"{person.last}, {person.first}" + (f" {cycle + 1}" if cycle else "")
        if number <= len(DEPARTMENTS):
            dept, name = DEPARTMENTS[number - 1]
            title = f"Head of {name}" if number > 1 else "Chief Executive Officer"
            head = number
        else:
            dept = ("SAL", "SVC", "SUP", "ENG")[number % 4]
            title = {"SAL": "Account Executive", "SVC": "Consultant",
                     "SUP": "Support Engineer", "ENG": "Software Engineer"}[dept]
            head = [d for d, _n in DEPARTMENTS].index(dept) + 1
        return Employee(number, contact, person, dept, title, locale, head)

    def employees_of(self, dept: str) -> list[int]:
        """Employee numbers working in `dept` (the head first)."""
        return [e.number for e in self.staff if e.dept == dept]

    def _employee_contacts(self) -> Iterator[Record]:
        for employee in self.staff:
            person = employee.person
            yield {"CONTACTNAME": employee.contact, "PRINTAS": person.full_name,
                   "FIRSTNAME": person.first, "LASTNAME": person.last, "COMPANYNAME": COMPANY,
                   "EMAIL1": person.email, "MAILADDRESS.COUNTRY": employee.locale.country,
                   "MAILADDRESS.COUNTRYCODE": employee.locale.country_code}

    def _employees(self) -> Iterator[Record]:
        for employee in self.staff:
            record: Record = {
                "EMPLOYEEID": self.employee_id(employee.number),
                "PERSONALINFO.CONTACTNAME": employee.contact,
                "PERSONALINFO.PRINTAS": employee.person.full_name,
                "PERSONALINFO.EMAIL1": employee.person.email,
                "TITLE": employee.title, "DEPARTMENTID": employee.dept,
                "LOCATIONID": employee.locale.location,
                "STARTDATE": ANCHOR - timedelta(days=90 + 37 * employee.number % 2400),
            }
            if employee.number != 1:
                supervisor = 1 if employee.head == employee.number else employee.head
                record["SUPERVISORID"] = self.employee_id(supervisor)
            if employee.dept in ("SVC", "ENG"):
                record["CLASSID"] = "SRV" if employee.dept == "SVC" else "SW"
            yield record

    # customers and contacts --------------------------------------------------------------

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

    def _price_lists(self) -> Iterator[Batch]:
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

    def project_customer(self, project: int) -> Company:
        """The customer of project `project` (1-based)."""
        return self.nth_linked((project - 1) * 4)

    def _projects(self) -> Iterator[Batch]:
        templates = ({**t, "PROJECTCATEGORY": "Contract", "PROJECTSTATUS": "Template",
                      "DEPARTMENTID": "SVC", "CLASSID": "SRV"} for t in PROJECT_TEMPLATES)
        yield from self._chunked("intacct", "PROJECT", templates)
        yield from self._chunked("intacct", "PROJECT", map(self.project_record,
                                                           range(1, self.projects + 1)))
        yield from self._chunked("intacct", "TASK", self._tasks())

    def project_record(self, project: int) -> Record:
        """The PROJECT record of project `project` (1-based)."""
        rng = self.rng("project", project)
        company = self.project_customer(project)
        kind = str(PROJECT_TYPES[project % 4 if project % 4 != 1 else 0]["NAME"])
        status = str(PROJECT_STATUSES[project % 4]["NAME"])
        begin = ANCHOR - timedelta(days=rng.randint(-30, 400))
        consultants = self.employees_of("SVC")
        budget = float(rng.randint(8, 120) * 1000)
        return {
            "PROJECTID": f"P-{project:04d}", "NAME": f"{kind} – {company.name}",
            "DESCRIPTION": f"{kind} project for {company.name} ({company.city})",
            "PROJECTCATEGORY": "Contract", "PROJECTTYPE": kind, "PROJECTSTATUS": status,
            "CUSTOMERID": company.customer_id, "CUSTOMERNAME": company.name,
            "MANAGERID": self.employee_id(consultants[project % len(consultants)]),
            "SALESCONTACTID": self.employee_id(self.employees_of("SAL")[0]),
            "DEPARTMENTID": "SVC", "LOCATIONID": company.locale.location, "CLASSID": "SRV",
            "TERMNAME": company.term,
            "BILLINGTYPE": ("Time & Material", "Fixed Fee", "Fixed Fee & Expenses")[project % 3],
            "BEGINDATE": begin, "ENDDATE": begin + timedelta(days=rng.randint(60, 300)),
            "CURRENCY": company.currency, "PONUMBER": f"PO-{rng.randint(10000, 99999)}",
            "BUDGETAMOUNT": budget, "CONTRACTAMOUNT": budget * 1.2,
            "BUDGETQTY": float(rng.randint(40, 600)),
        }

    def tasks_of(self, project: int) -> int:
        """How many tasks project `project` has: 3 to 5."""
        return 3 + project % 3

    def _tasks(self) -> Iterator[Record]:
        services = self.items_of("SVC")
        for project in range(1, self.projects + 1):
            status = str(PROJECT_STATUSES[project % 4]["NAME"])
            begin = self.project_record(project)["BEGINDATE"]
            count = self.tasks_of(project)
            for task in range(1, count + 1):
                yield {
                    "TASKID": f"T{task:02d}", "NAME": TASK_NAMES[(task - 1) % len(TASK_NAMES)],
                    "PROJECTID": f"P-{project:04d}",
                    "TASKSTATUS": _task_status(status, task, count),
                    "PBEGINDATE": begin + timedelta(days=14 * (task - 1)),
                    "PENDDATE": begin + timedelta(days=14 * task - 1),
                    "ITEMID": self.item_id(services[(project + task) % len(services)]),
                    "BILLABLE": True, "ISMILESTONE": task == count, "PRIORITY": task,
                    "TASKNO": str(task), "BUDGETQTY": float(8 * (task + 1)),
                }

    def contract_customer(self, contract: int) -> Company:
        """The customer of contract `contract` (1-based)."""
        return self.nth_linked((contract - 1) * 5 + 2)

    def contract_lines(self, contract: int) -> int:
        """How many lines contract `contract` has: 1 to 3."""
        return 1 + contract % 3

    def _contracts(self) -> Iterator[Batch]:
        yield from self._chunked("intacct", "CONTRACT", map(self.contract_record,
                                                            range(1, self.contracts + 1)))
        yield from self._chunked("intacct", "CONTRACTDETAIL", self._contract_details())

    def contract_record(self, contract: int) -> Record:
        """The CONTRACT record of contract `contract` (1-based)."""
        rng = self.rng("contract", contract)
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
        subscriptions = self.items_of("SUB")
        for contract in range(1, self.contracts + 1):
            header = self.contract_record(contract)
            rng = self.rng("contractlines", contract)
            for line in range(1, self.contract_lines(contract) + 1):
                item = subscriptions[(contract + line) % len(subscriptions)]
                begin = header["BEGINDATE"]
                yield {
                    "CONTRACTID": header["CONTRACTID"], "LINENO": line,
                    "ITEMID": self.item_id(item), "ITEMDESC": self.item_name(item),
                    "BILLINGMETHOD": "Fixed price", "LOCATIONID": header["LOCATIONID"],
                    "DEPARTMENTID": "SAL", "STATE": header["STATE"], "BEGINDATE": begin,
                    "ENDDATE": header.get("ENDDATE") or _year_later(begin),
                    "RENEWAL": header["RENEWAL"], "BILLINGOPTIONS": "Use billing template",
                    "BILLINGFREQUENCY": header["BILLINGFREQUENCY"],
                    "BILLINGTEMPLATENAME": "Straight line monthly",
                    "QUANTITY": float(rng.choice((1, 5, 10, 25, 50))),
                    "PRICE": in_currency(self.item_price(item), header["CURRENCY"]),
                    "DISCOUNTPERCENT": float(rng.choice((0, 0, 5, 10))),
                }

    # sales documents ---------------------------------------------------------------------

    def document_customer(self, number: int) -> Company:
        """The customer of document pair `number`: quote n, order n and invoice n share it."""
        return self.linked_customer(self.rng("doccustomer", number))

    @staticmethod
    def document_lines(number: int) -> int:
        """How many lines document `number` has: 1 to 4."""
        return 1 + number % 4

    def _documents(self, docpar: str, prefix: str) -> Iterator[Batch]:
        """Headers and their lines, interleaved one batch of headers at a time."""
        if self.catalogs.get("intacct", "SODOCUMENT") is None:
            return
        with_lines = self.catalogs.get("intacct", "SODOCUMENTENTRY") is not None
        count = self.documents(docpar)
        for start in range(1, count + 1, BATCH_SIZE):
            documents = [self.document(docpar, prefix, n)
                         for n in range(start, min(start + BATCH_SIZE, count + 1))]
            yield Batch("intacct", "SODOCUMENT", tuple(h for h, _lines in documents))
            if with_lines:
                lines = tuple(line for _h, lines in documents for line in lines)
                yield Batch("intacct", "SODOCUMENTENTRY", lines)

    def document_state(self, docpar: str, number: int) -> str:
        """Quotes are converted to orders, orders to invoices, most invoices are paid."""
        if docpar == "Sales Quote":
            converted = number % 3 != 0 and number <= self.documents("Sales Order")
            return "Converted" if converted else "Pending"
        if docpar == "Sales Order":
            return "Converted" if number % 4 != 0 else "Pending"
        if docpar == "Sales Invoice":
            return "Pending" if number % 5 == 0 else "Closed"
        return "Pending"

    def created_from(self, docpar: str, number: int) -> str | None:
        """The DOCID a document was converted from, if any."""
        if docpar == "Sales Order" and number <= self.documents("Sales Quote") and number % 3:
            return f"Sales Quote-SQ{number:04d}"
        if docpar == "Sales Invoice" and number <= self.documents("Sales Order") and number % 4:
            return f"Sales Order-SO{number:04d}"
        return None

    def _line_values(self, number: int, currency: str) -> list[tuple[int, float, float, float]]:
        """(item, quantity, price, discount) of each line of document `number`."""
        rng = self.rng("doclines", number)
        lines = []
        for _ in range(self.document_lines(number)):
            item = rng.randrange(self.items)
            quantity = float(rng.choice((1, 1, 2, 3, 5, 10, 20)))
            price = in_currency(self.item_price(item), currency)
            lines.append((item, quantity, price, float(rng.choice((0, 0, 0, 5, 10)))))
        return lines

    def document(self, docpar: str, prefix: str, number: int) -> tuple[Record, list[Record]]:
        """The SODOCUMENT header and SODOCUMENTENTRY lines of document `number`."""
        company = self.document_customer(number)
        lines = self._line_values(number, company.currency)
        header = self._document_header(docpar, prefix, number, company, lines)
        return header, self._document_lines(header, company, lines)

    def _document_header(
        self, docpar: str, prefix: str, number: int, company: Company,
        lines: list[tuple[int, float, float, float]],
    ) -> Record:
        rng = self.rng(f"doc:{docpar}", number)
        posted = ANCHOR - timedelta(days=rng.randint(0, 540))
        total = money(sum(q * p * (1 - d / 100) for _i, q, p, d in lines), company.currency)
        state = self.document_state(docpar, number)
        contact = company.contact_name(company.people[0])
        record: Record = {
            "DOCNO": f"{prefix}{number:04d}", "DOCID": f"{docpar}-{prefix}{number:04d}",
            "DOCPARID": docpar, "STATE": state,
            "CUSTVENDID": company.customer_id, "CUSTVENDNAME": company.name,
            "WHENCREATED": datetime.combine(posted, datetime.min.time()) + timedelta(hours=9),
            "WHENPOSTED": posted, "TERM.NAME": company.term,
            "PONUMBER": f"PO-{rng.randint(10000, 99999)}" if rng.random() < 0.6 else None,
            "MESSAGE": company.locale.message, "CURRENCY": company.currency,
            "BASECURR": _entity_currency(company),
            "SHIPTO.CONTACTNAME": contact, "BILLTO.CONTACTNAME": contact,
            "SUBTOTAL": total, "TOTAL": total,
        }
        if docpar == "Sales Invoice":
            paid = total if state == "Closed" else 0.0
            record.update(WHENDUE=posted + timedelta(days=TERM_DAYS[company.term]),
                          TRX_TOTALPAID=paid, TRX_TOTALDUE=money(total - paid, company.currency))
        source = self.created_from(docpar, number)
        if source:
            record["CREATEDFROM"] = source
        if company.currency != record["BASECURR"]:
            record["EXCHRATETYPE"] = "Intacct Daily Rate"
        return {k: v for k, v in record.items() if v is not None}

    def _document_lines(
        self, header: Record, company: Company, lines: list[tuple[int, float, float, float]]
    ) -> list[Record]:
        docid = str(header["DOCID"])
        records = []
        for line_no, (item, quantity, price, discount) in enumerate(lines):
            value = money(quantity * price * (1 - discount / 100), company.currency)
            records.append({
                "DOCHDRNO": Ref("intacct", "SODOCUMENT", docid), "DOCHDRID": docid,
                "DOCPARID": header["DOCPARID"], "LINE_NO": line_no, "ITEMID": self.item_id(item),
                "ITEMDESC": self.item_name(item), "QUANTITY": quantity, "UNIT": "Each",
                "PRICE": price, "UIPRICE": price, "UIVALUE": value, "TRX_PRICE": price,
                "TRX_VALUE": value, "DISCOUNTPERCENT": discount,
                "LOCATIONID": company.locale.location, "DEPARTMENTID": "SAL",
                "CLASSID": self.family(item).class_id,
            })
        return records

    # Salesforce --------------------------------------------------------------------------

    def salesforce(self) -> Iterator[Batch]:
        """Every Salesforce batch, parents before children."""
        yield from self._chunked("salesforce", "Intacct_AR_Term__c", self._sf_terms(), keyed=True)
        yield from self._with_children(
            "salesforce", ("Account", self.account_record), ("Contact", self.contact_records),
            self._sf_companies(),
        )
        yield from self._chunked("salesforce", "Pricebook2", self._sf_pricebooks(), keyed=True)
        yield from self._chunked("salesforce", "Product2", self._sf_products(), keyed=True)
        yield from self._chunked("salesforce", "PricebookEntry", self._sf_entries(), keyed=True)
        opportunities = map(self.opportunity_record, range(1, self.opportunities + 1))
        yield from self._chunked("salesforce", "Opportunity", opportunities, keyed=True)
        yield from self._chunked("salesforce", "OpportunityLineItem", self._sf_opportunity_lines())

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
        for company in self.customers():
            if link_kind(company.index) != "intacct_only":
                yield company
        for number in range(1, self.prospects + 1):
            yield self.company(self.records + number)

    def is_prospect(self, company: Company) -> bool:
        """True for a Salesforce-only account."""
        return company.index > self.records

    def account_record(self, company: Company) -> Record:
        """The Account of a linked or matched customer, or of a prospect."""
        rng = self.rng("account", company.index)
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
        offset = 10 * -(-(self.records + self.prospects) // 10)  # same locale, unused names
        stranger = self.company(company.index + offset).people[0]
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
        for item in range(self.items):
            if self.in_salesforce(item):
                yield self.product_record(item)
        for number in range(1, self.sf_only_products + 1):
            yield {"_key": f"SF-{number:04d}", "ProductCode": f"SF-{number:04d}",
                   "Name": f"{SF_ONLY_PRODUCTS[number % len(SF_ONLY_PRODUCTS)]} {number}",
                   "Family": "Services", "IsActive": True,
                   "Intacct_Item_Type__c": "Non-Inventory Sales Only",
                   "Description": "Sold in Salesforce only; not yet an Intacct item"}

    def product_record(self, item: int) -> Record:
        """The Product2 of item `item`: linked (item % 3 == 0) or matched by ProductCode."""
        family = self.family(item)
        record: Record = {
            "_key": self.item_id(item), "Name": self.item_name(item),
            "ProductCode": self.item_id(item), "Family": family.label,
            "IsActive": item % 37 != 36, "Description": f"{family.label}: {self.item_name(item)}",
        }
        if item % 3 == 0:
            record.update({
                "Intacct_ID__c": self.item_id(item),
                "Intacct_Record_No__c": Ref("intacct", "ITEM", self.item_id(item)),
                "Intacct_Item_Type__c": family.item_type.replace(" (Sales only)",
                                                                 " Sales Only"),
                "Intacct_Base_Price__c": self.item_price(item),
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
        for item in filter(self.has_standard_price, range(self.items)):
            code = self.item_id(item)
            yield {"_key": code, "Pricebook2Id": standard,
                   "Product2Id": Ref("salesforce", "Product2", code),
                   "UnitPrice": self.item_price(item), "IsActive": True,
                   "Intacct_ID__c": Ref("intacct", "SOPRICELISTENTRY", f"{base}/{code}"),
                   "Intacct_Sync_Status__c": "Synced"}
        for number in range(1, self.sf_only_products + 1):
            code = f"SF-{number:04d}"
            yield {"_key": code, "Pricebook2Id": standard,
                   "Product2Id": Ref("salesforce", "Product2", code),
                   "UnitPrice": float(99 * number), "IsActive": True}

    def opportunity_account(self, number: int) -> Company:
        """The account of opportunity `number`: a prospect (odd numbers) or a linked customer."""
        if number % 2 and self.prospects:
            return self.company(self.records + 1 + (number // 2) % self.prospects)
        return self.linked_customer(self.rng("oppaccount", number))

    def opportunity_lines(self, number: int) -> list[tuple[int, float, float]]:
        """(item, quantity, unit price) of each line of opportunity `number`."""
        rng = self.rng("opplines", number)
        candidates = [i for i in range(min(self.items, 60)) if self.has_standard_price(i)]
        lines = []
        for _ in range(1 + number % 3):
            item = rng.choice(candidates)
            lines.append((item, float(rng.choice((1, 2, 5, 10))), self.item_price(item)))
        return lines

    def opportunity_record(self, number: int) -> Record:
        """Opportunity `number` (1-based) with its Amount from its lines."""
        rng = self.rng("opportunity", number)
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
        for number in range(1, self.opportunities + 1):
            for sort, (item, quantity, price) in enumerate(self.opportunity_lines(number), 1):
                yield {"OpportunityId": Ref("salesforce", "Opportunity", f"OPP-{number}"),
                       "PricebookEntryId": Ref("salesforce", "PricebookEntry",
                                               self.item_id(item)),
                       "Quantity": quantity, "UnitPrice": price, "SortOrder": sort,
                       "Description": self.item_name(item)[:80]}

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


def _batch(system: System, obj: str, chunk: list[Record], keyed: bool) -> Batch:
    if not keyed:
        return Batch(system, obj, tuple(chunk))
    keys = tuple(str(r.pop("_key", "")) for r in chunk)
    return Batch(system, obj, tuple(chunk), keys)


def _task_status(project_status: str, task: int, count: int) -> str:
    if project_status == "Completed":
        return "Completed"
    if project_status == "Not Started":
        return "Not Started"
    if project_status == "On Hold":
        return "On Hold" if task > 1 else "Completed"
    return "Completed" if task <= count // 2 else ("In Progress" if task == count // 2 + 1
                                                    else "Planned")


def _year_later(begin: date) -> date:
    return begin.replace(year=begin.year + 1) - timedelta(days=1)


def _entity_currency(company: Company) -> str:
    return {"US": "USD", "EU": "EUR", "JP": "JPY"}[company.locale.location[:2]]


# -- loading -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SeedReport:
    """What a seed run loaded: records per object, per system."""

    profile: str
    records: int
    intacct: Mapping[str, int]
    salesforce: Mapping[str, int]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"profile": self.profile, "records": self.records,
                "intacct": dict(self.intacct), "salesforce": dict(self.salesforce)}


class Loader:
    """Inserts batches into the two stores, turning `Ref`s into RECORDNOs and Ids."""

    def __init__(self, intacct: IntacctStore, salesforce: Store | None) -> None:
        self.intacct = intacct
        self.salesforce = salesforce
        self.handles: dict[tuple[str, str, str], Any] = {}
        self._found: dict[tuple[str, str], int] = {}
        self.loaded: dict[str, dict[str, int]] = {"intacct": {}, "salesforce": {}}

    def load(self, batch: Batch) -> None:
        """Insert one batch (references resolved first) and remember its handles."""
        records = [self._resolved(r) for r in batch.records]
        if batch.system == "intacct":
            created: list[Any] = self._insert_intacct(batch.object, records)
        elif self.salesforce is not None:
            created = self._insert_salesforce(self.salesforce, batch.object, records)
        else:
            return
        for key, made in zip(batch.keys, created, strict=False):
            if key:
                self.handles[(batch.system, batch.object, key)] = made
        counts = self.loaded[batch.system]
        counts[batch.object] = counts.get(batch.object, 0) + len(records)

    def _insert_intacct(self, obj: str, records: list[Record]) -> list[int]:
        """Insert as `IntacctStore.insert_many` does, without printing the rows back."""
        store = self.intacct
        with store.transaction() as conn:
            return [
                store.insert_row(conn, obj, store.with_defaults(obj, store.to_stored(obj, r)))
                .recordno
                for r in records
            ]

    @staticmethod
    def _insert_salesforce(store: Store, obj: str, records: list[Record]) -> list[str]:
        if obj == "Pricebook2":
            return [standard_pricebook(store, r) if r.get("IsStandard") else
                    store.insert(obj, r) for r in records]
        return store.insert_many(obj, records)

    def _resolved(self, record: Record) -> Record:
        return {k: self.resolve(v) if isinstance(v, Ref) else v
                for k, v in record.items() if v is not None}

    def resolve(self, ref: Ref) -> Any:
        """The RECORDNO or Id a reference names; KeyError when nothing was seeded under it."""
        handle = self.handles.get((ref.system, ref.object, ref.key))
        if handle is not None:
            return handle
        if ref.system != "intacct":
            raise KeyError(f"no seeded {ref.object} {ref.key!r}")
        cached = self._found.get((ref.object, ref.key))
        if cached is None:
            found = self.intacct.find(ref.object, ref.key)
            if found is None:
                raise KeyError(f"no seeded {ref.object} {ref.key!r}")
            if len(self._found) > 10_000:  # lines follow their header: a small cache suffices
                self._found.clear()
            cached = self._found[(ref.object, ref.key)] = int(found["RECORDNO"])
        return cached


def standard_pricebook(store: Store, record: Record) -> str:
    """The Id of the org's standard price book, given `record`'s other fields.

    Every org has one standard book (the sandbox makes it on start); IsStandard is read-only
    through the API, so only when the book is missing does the seeder write it below the
    API's field checks.
    """
    changes = {k: v for k, v in record.items() if k not in ("IsStandard", "Name")}
    existing = store.query("SELECT Id FROM Pricebook2 WHERE IsStandard = true")
    if existing.records:
        book_id = str(existing.records[0]["Id"])
        store.update("Pricebook2", book_id, changes)
        return book_id
    obj = store.sobject("Pricebook2")
    writable = {k: v for k, v in record.items() if k != "IsStandard"}
    with store.db.transaction():
        row = store.writer.prepare(obj, writable, creating=True)
        row["IsStandard"] = 1
        return store.writer.insert_prepared(obj, row, now_text())


def advance_document_numbers(store: IntacctStore, counts: Mapping[str, int]) -> None:
    """Move each transaction definition's number sequence past the seeded documents.

    create_sotransaction without a document number takes the next number of the sequence
    `SO:<definition>`; the seeded documents used 1..n, so the next one is n + 1.
    """
    with store.transaction() as conn:
        for docpar, count in counts.items():
            for _ in range(count):
                store.next_sequence(conn, f"SO:{docpar}")


def seed_stores(
    intacct: IntacctStore,
    salesforce: Store | None,
    records: int = 100,
    profile: str = "demo",
    seed: int = 0,
) -> SeedReport:
    """Load the `profile` data set at `records` customers into the two stores."""
    if profile not in PROFILES:
        raise ValueError(f"unknown seed profile {profile!r}; use one of {', '.join(PROFILES)}")
    if profile == "none":
        return SeedReport(profile, 0, {}, {})
    data = DemoData(records, seed)
    loader = Loader(intacct, salesforce)
    for batch in data.intacct():
        loader.load(batch)
    advance_document_numbers(intacct, {d: data.documents(d) for d, _p in DOC_TYPES})
    if salesforce is not None:
        for batch in data.salesforce():
            loader.load(batch)
    return SeedReport(profile, records, loader.loaded["intacct"], loader.loaded["salesforce"])


def seed(
    intacct_sandbox: IntacctSandbox,
    salesforce_sandbox: SalesforceSandbox | None,
    records: int = 100,
    profile: str = "demo",
    seed: int = 0,
) -> SeedReport:
    """Seed running sandboxes (the Salesforce one must be started: its store opens then)."""
    sf_store = salesforce_sandbox.store if salesforce_sandbox is not None else None
    return seed_stores(intacct_sandbox.store, sf_store, records, profile, seed)
