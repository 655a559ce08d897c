"""What a function handler works with, what it returns, and the registry entry type."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from lxml import etree

from mapsync.engine.catalog import ObjectInfo
from mapsync.engine.sandbox.intacct import errors
from mapsync.engine.sandbox.intacct.errors import FunctionFailure
from mapsync.engine.sandbox.intacct.sessions import ResultSets, Session, Sessions
from mapsync.engine.sandbox.intacct.store import IntacctStore
from mapsync.engine.sandbox.intacct.xml import child_text

# Owned line objects the protocol nests under a header when no catalog says so.
PROTOCOL_CHILDREN = {"SODOCUMENT": (("SODOCUMENTENTRY", "DOCHDRNO", "RECORDNO"),)}


@dataclass(slots=True)
class Context:
    """One function call: the store and open connection, the session, shared server state."""

    store: IntacctStore
    conn: sqlite3.Connection
    session: Session
    sessions: Sessions
    results: ResultSets
    endpoint: str

    @property
    def owner(self) -> str:
        """Who may page a result set: the company and user of this call."""
        return f"{self.session.company_id}/{self.session.user_id}"

    def object_info(self, name: str) -> ObjectInfo:
        """The catalog object `name`, or a "Query Failed" function failure."""
        info = self.store.catalogs.get(name)
        if info is None:
            raise FunctionFailure(errors.unknown_object(name))
        return info

    def children_of(self, obj: str) -> list[tuple[str, str, str]]:
        """(line object, field pointing to the header, header field it holds) for owned lists."""
        owned = [
            (info.name, info.parent["field"], info.parent.get("key", "RECORDNO"))
            for info in self.store.catalogs.values()
            if info.parent is not None and info.parent.get("object") == obj
        ]
        return owned or list(PROTOCOL_CHILDREN.get(obj, ()))

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo this block's writes if it raises; keep them otherwise."""
        self.conn.execute("SAVEPOINT record")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK TO record")
            self.conn.execute("RELEASE record")
            raise
        self.conn.execute("RELEASE record")


@dataclass(frozen=True, slots=True)
class Outcome:
    """A successful function: its `<data>` or legacy `<key>`, and records touched (stats)."""

    data: etree._Element | None = None
    key: str | None = None
    records: int = 0


Handler = Callable[[Context, etree._Element], Outcome]
Validator = Callable[[etree._Element], list[str]]


@dataclass(frozen=True, slots=True)
class Function:
    """A gateway function: its handler, whether it writes, and its request-schema check."""

    name: str
    run: Handler
    writes: bool = False
    required: tuple[str, ...] = ()
    validate: Validator | None = None

    def schema_problems(self, element: etree._Element) -> list[str]:
        """libxml2-style schema messages for a malformed function element ([] when fine)."""
        missing = [n for n in self.required if element.find(n) is None]
        problems = [
            f"Element '{self.name}': Missing child element(s). Expected is ( {n} )."
            for n in missing
        ]
        if not problems and self.validate is not None:
            problems = self.validate(element)
        return problems


def required_text(element: etree._Element, name: str) -> str:
    """The text of a child the schema requires (validated before the call)."""
    return child_text(element, name, "") or ""


def parse_int(text: str | None, default: int) -> int | None:
    """An integer parameter (`pagesize`, `offset`); None when it is not a whole number."""
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        return None
