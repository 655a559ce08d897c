"""The shared basis of the demo generators: sizes, random streams, companies, items, batching.

Every domain generator takes one `DemoCore`; nothing here yields a domain's records.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta

from mapsync.engine.catalog import Catalogs, System, load_catalogs
from mapsync.engine.record import Record
from mapsync.engine.sandbox.demo.model import (
    ANCHOR,
    BATCH_SIZE,
    Company,
    Person,
    SeedBatch,
    _batch,
    combination,
    person_name,
)
from mapsync.engine.sandbox.demo.vocabulary import (
    CUSTOMER_TERMS,
    CUSTOMER_TYPE_MIX,
    FAMILIES,
    FAMILY_ORDER,
    LOCALES,
    PLANS,
    SCHEDULE,
    Family,
    Locale,
    display,
    fill,
    slug,
)


class DemoCore:
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

    # batching ----------------------------------------------------------------------------

    def with_children(
        self,
        system: System,
        parent: tuple[str, Callable[[Company], Record]],
        child: tuple[str, Callable[[Company], list[Record]]],
        companies: Iterable[Company],
    ) -> Iterator[SeedBatch]:
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
    ) -> Iterator[SeedBatch]:
        yield from self.chunked(system, parent[0], map(parent[1], chunk), keyed=True)
        children = (r for c in chunk for r in child[1](c))
        yield from self.chunked(system, child[0], children, keyed=True)

    def chunked(
        self, system: System, obj: str, records: Iterable[Record], keyed: bool = False
    ) -> Iterator[SeedBatch]:
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
