"""Generator of Intacct's managed lists and staff: terms, templates, departments, employees."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from datetime import date, timedelta

from mapsync.engine.record import Record
from mapsync.engine.sandbox.demo.core import DemoCore
from mapsync.engine.sandbox.demo.model import (
    ANCHOR,
    COMPANY,
    Employee,
    Person,
    SeedBatch,
    combination,
)
from mapsync.engine.sandbox.demo.vocabulary import (
    AR_TERMS,
    BILLING_TEMPLATES,
    CLASSES,
    CUSTOMER_TYPES,
    DEPARTMENTS,
    ENTITIES,
    EXCHANGE_RATE_TYPES,
    LOCALES,
    LOCATIONS,
    PROJECT_STATUSES,
    PROJECT_TYPES,
    RENEWAL_TEMPLATES,
    TERRITORIES,
    display,
    slug,
)


def employee_id(number: int) -> str:
    """EMPLOYEEID of employee `number` (1-based)."""
    return f"E-{number:04d}"


class ManagedLists:
    """Intacct's managed lists and the demo company's staff (employees with their contacts)."""

    def __init__(self, core: DemoCore) -> None:
        self.core = core

    def intacct(self) -> Iterator[SeedBatch]:
        """The managed lists, then the employees' contacts, then the employees."""
        yield from self._managed_lists()
        yield from self.core.chunked("intacct", "CONTACT", self._employee_contacts())
        yield from self.core.chunked("intacct", "EMPLOYEE", self._employees())

    def counts(self) -> dict[str, int]:
        """How many records of each object `intacct()` yields (before the catalog filter)."""
        return {
            "ARTERM": len(AR_TERMS), "CONTRACTBILLINGTEMPLATE": len(BILLING_TEMPLATES),
            "CLASS": len(CLASSES), "DEPARTMENT": len(DEPARTMENTS),
            "LOCATIONENTITY": len(ENTITIES), "LOCATION": len(ENTITIES) + len(LOCATIONS),
            "EXCHANGERATETYPES": len(EXCHANGE_RATE_TYPES),
            "PROJECTSTATUS": len(PROJECT_STATUSES), "PROJECTTYPE": len(PROJECT_TYPES),
            "RENEWALMACRO": len(RENEWAL_TEMPLATES), "TERRITORY": len(TERRITORIES),
            "CUSTTYPE": len(CUSTOMER_TYPES), "EMPLOYEE": self.core.employees,
            "CONTACT": self.core.employees,
        }

    def _managed_lists(self) -> Iterator[SeedBatch]:
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
            yield from self.core.chunked("intacct", obj, (dict(r) for r in records))

    def _departments(self) -> Iterator[Record]:
        for number, (dept, title) in enumerate(DEPARTMENTS, start=1):
            yield {"DEPARTMENTID": dept, "TITLE": title, "SUPERVISORID": employee_id(number)}

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
                              "MANAGERID": employee_id(2 + number % 2)}
            if parent:
                record["PARENTID"] = parent
            yield record

    # employees ---------------------------------------------------------------------------

    @functools.cached_property
    def staff(self) -> tuple[Employee, ...]:
        """Every employee, E-0001 first (the department heads are E-0001..E-0007)."""
        return tuple(self._employee(n) for n in range(1, self.core.employees + 1))

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
                "EMPLOYEEID": employee_id(employee.number),
                "PERSONALINFO.CONTACTNAME": employee.contact,
                "PERSONALINFO.PRINTAS": employee.person.full_name,
                "PERSONALINFO.EMAIL1": employee.person.email,
                "TITLE": employee.title, "DEPARTMENTID": employee.dept,
                "LOCATIONID": employee.locale.location,
                "STARTDATE": ANCHOR - timedelta(days=90 + 37 * employee.number % 2400),
            }
            if employee.number != 1:
                supervisor = 1 if employee.head == employee.number else employee.head
                record["SUPERVISORID"] = employee_id(supervisor)
            if employee.dept in ("SVC", "ENG"):
                record["CLASSID"] = "SRV" if employee.dept == "SVC" else "SW"
            yield record
