"""The demo company's small records and pure helpers: batches, people, companies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from mapsync.engine.catalog import System
from mapsync.engine.record import Record
from mapsync.engine.sandbox.demo.vocabulary import (
    Locale,
)

PROFILES = ("demo", "none")
BATCH_SIZE = 500
ANCHOR = date(2024, 6, 28)  # "today" of the demo company: dates are fixed, so data repeats
COMPANY = "Brightwater Instruments"

Kind = Literal["linked", "matched", "intacct_only"]


# -- batches -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ref:
    """A value naming another seeded record; the loader swaps in its RECORDNO or Id.

    Intacct refs name a record by its business key (or by a handle a batch remembered);
    Salesforce refs by the handle the batch that created it gave (`SeedBatch.keys`).
    """

    system: System
    object: str
    key: str


@dataclass(frozen=True, slots=True)
class SeedBatch:
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



def _batch(system: System, obj: str, chunk: list[Record], keyed: bool) -> SeedBatch:
    if not keyed:
        return SeedBatch(system, obj, tuple(chunk))
    keys = tuple(str(r.pop("_key", "")) for r in chunk)
    return SeedBatch(system, obj, tuple(chunk), keys)


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
