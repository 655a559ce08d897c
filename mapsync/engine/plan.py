"""The compiled plan: plain, versioned data with one deterministic JSON form.

`dump(plan)` writes sorted keys, two-space indent and a trailing newline, so the same
rules always give byte-identical output; `load(dump(plan)) == plan`. The JSON shape is
described by `schemas/plan.schema.json` and `docs/language.md`. Nested JSON values
(transform arguments, conditions, object settings) are held as read-only mappings and
tuples.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from mapsync.engine.errors import MapsyncError

PLAN_VERSION = 1

Json = Any
Scalar = str | int | float | bool | None
FieldSide = str | tuple[str, ...] | None


class PlanError(MapsyncError, ValueError):
    """A plan document is malformed or of another version: recompile it with `mapsync compile`."""


def freeze(value: Json) -> Json:
    """A read-only copy of a JSON value (dicts become mapping proxies, lists tuples)."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Json) -> Json:
    """The plain JSON form of a frozen value."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [thaw(v) for v in value]
    return value


def _empty() -> Mapping[str, Json]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Source:
    """Where a mapping or rule was written (`path` relative to the rules folder's parent)."""

    path: str
    line: int
    column: int

    def to_dict(self) -> dict[str, Json]:
        """JSON form."""
        return {"path": self.path, "line": self.line, "column": self.column}

    @classmethod
    def from_dict(cls, data: Mapping[str, Json]) -> Source:
        """Read the JSON form."""
        return cls(data["path"], data["line"], data["column"])

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


class _View(Mapping[str, Json]):
    """A read-only JSON object of the plan with typed properties for what the runner reads.

    It is also a Mapping over its JSON form, so the plan's JSON stays exactly as compiled.
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Json] | None = None) -> None:
        self._data: Mapping[str, Json] = freeze(dict(data or {}))

    def __getitem__(self, key: str) -> Json:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({thaw(self._data)!r})"

    def _text(self, key: str) -> str | None:
        value = self._data.get(key)
        return None if value is None else str(value)


class PlanSide(_View):
    """One side of a mapping or line collection: object, key, filter and how it is reached."""

    __slots__ = ()

    @property
    def object(self) -> str | None:
        """The Intacct or Salesforce object."""
        return self._text("object")

    @property
    def key(self) -> str | None:
        """The field that identifies a record across the two systems (None: the default)."""
        return self._text("key")

    @property
    def docparid(self) -> str | None:
        """Intacct: the transaction definition of a sales document mapping."""
        return self._text("docparid")

    @property
    def function(self) -> str | None:
        """Intacct, actions: the API function that creates the document."""
        return self._text("function")

    @property
    def filter(self) -> Mapping[str, Json] | None:
        """The `when` condition that selects the records of this side, or None."""
        value = self._data.get("filter")
        return value if value else None

    @property
    def parent(self) -> str | None:
        """Line collections: the field pointing to the header record."""
        return self._text("parent")

    @property
    def relationship(self) -> str | None:
        """Action lines, Salesforce: the child relationship the lines are read through."""
        return self._text("relationship")

    @property
    def element(self) -> str | None:
        """Action lines, Intacct: the element the lines are written under."""
        return self._text("element")


class PlanDelete(_View):
    """What a deletion on one side does to the other: `ignore`, `propagate`, `deactivate`."""

    __slots__ = ()

    @property
    def mode(self) -> str:
        """`ignore`, `propagate` or `deactivate`."""
        return self._text("mode") or "ignore"

    @property
    def field(self) -> str | None:
        """`deactivate`: the Intacct field set on the partner of a deleted record."""
        return self._text("field")

    @property
    def value(self) -> Json:
        """`deactivate`: the value that field gets."""
        return self._data.get("value")


class PlanMatch(_View):
    """A natural key linking records seen for the first time: an Intacct and a Salesforce path."""

    __slots__ = ()

    @property
    def intacct(self) -> str:
        """The Intacct path."""
        return str(self._data["intacct"])

    @property
    def salesforce(self) -> str:
        """The Salesforce path."""
        return str(self._data["salesforce"])


def _matches(data: Json) -> tuple[PlanMatch, ...]:
    return tuple(PlanMatch(m) for m in data or ())


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One transform step: an op of `engine.language.steps` and its arguments."""

    op: str
    args: Mapping[str, Json]

    def to_dict(self) -> dict[str, Json]:
        """JSON form."""
        return {"op": self.op, "args": thaw(self.args)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Json]) -> PlanStep:
        """Read the JSON form."""
        return cls(data["op"], freeze(data["args"]))


def _side_to_json(side: FieldSide) -> Json:
    return list(side) if isinstance(side, tuple) else side


def _side_from_json(value: Json) -> FieldSide:
    return tuple(value) if isinstance(value, list) else value


@dataclass(frozen=True, slots=True)
class PlanField:
    """One field rule: the two sides, its direction, steps, condition and labels."""

    intacct: FieldSide
    salesforce: FieldSide
    direction: str
    source: Source
    constant: Scalar = None
    locked: bool = False
    required: bool = False
    transforms: tuple[PlanStep, ...] = ()
    when: Mapping[str, Json] | None = None
    labels: Mapping[str, str] = field(default_factory=_empty)

    def to_dict(self) -> dict[str, Json]:
        """JSON form."""
        return {
            "intacct": _side_to_json(self.intacct),
            "salesforce": _side_to_json(self.salesforce),
            "constant": self.constant,
            "direction": self.direction,
            "locked": self.locked,
            "required": self.required,
            "transforms": [s.to_dict() for s in self.transforms],
            "when": thaw(self.when),
            "labels": dict(self.labels),
            "source": self.source.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Json]) -> PlanField:
        """Read the JSON form."""
        return cls(
            intacct=_side_from_json(data["intacct"]),
            salesforce=_side_from_json(data["salesforce"]),
            direction=data["direction"],
            source=Source.from_dict(data["source"]),
            constant=data["constant"],
            locked=data["locked"],
            required=data["required"],
            transforms=tuple(PlanStep.from_dict(s) for s in data["transforms"]),
            when=freeze(data["when"]),
            labels=freeze(data["labels"]),
        )


@dataclass(frozen=True, slots=True)
class PlanLines:
    """A line collection synced with its header (or, for actions, sent with it)."""

    name: str
    intacct: PlanSide
    salesforce: PlanSide
    source: Source
    match: tuple[PlanMatch, ...] = ()
    fields: tuple[PlanField, ...] = ()

    def to_dict(self) -> dict[str, Json]:
        """JSON form."""
        return {
            "name": self.name,
            "intacct": thaw(self.intacct),
            "salesforce": thaw(self.salesforce),
            "match": thaw(self.match),
            "fields": [f.to_dict() for f in self.fields],
            "source": self.source.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Json]) -> PlanLines:
        """Read the JSON form."""
        return cls(
            name=data["name"],
            intacct=PlanSide(data["intacct"]),
            salesforce=PlanSide(data["salesforce"]),
            source=Source.from_dict(data["source"]),
            match=_matches(data.get("match")),
            fields=tuple(PlanField.from_dict(f) for f in data["fields"]),
        )


@dataclass(frozen=True, slots=True)
class PlanMapping:
    """One mapping (`sync`, `managed` or `action`) with its fields and line collections."""

    name: str
    kind: str
    source: Source
    intacct: PlanSide
    salesforce: PlanSide
    labels: Mapping[str, str] = field(default_factory=_empty)
    create: tuple[str, ...] = ()
    conflict: str | None = None
    delete: PlanDelete = field(default_factory=lambda: PlanDelete({"mode": "ignore"}))
    match: tuple[PlanMatch, ...] = ()
    depends_on: tuple[str, ...] = ()
    result: str | None = None
    fields: tuple[PlanField, ...] = ()
    lines: tuple[PlanLines, ...] = ()

    def to_dict(self) -> dict[str, Json]:
        """JSON form."""
        return {
            "name": self.name,
            "kind": self.kind,
            "source": self.source.to_dict(),
            "labels": dict(self.labels),
            "intacct": thaw(self.intacct),
            "salesforce": thaw(self.salesforce),
            "create": list(self.create),
            "conflict": self.conflict,
            "delete": thaw(self.delete),
            "match": thaw(self.match),
            "depends_on": list(self.depends_on),
            "result": self.result,
            "fields": [f.to_dict() for f in self.fields],
            "lines": [line.to_dict() for line in self.lines],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Json]) -> PlanMapping:
        """Read the JSON form."""
        return cls(
            name=data["name"],
            kind=data["kind"],
            source=Source.from_dict(data["source"]),
            intacct=PlanSide(data["intacct"]),
            salesforce=PlanSide(data["salesforce"]),
            labels=freeze(data["labels"]),
            create=tuple(data["create"]),
            conflict=data["conflict"],
            delete=PlanDelete(data["delete"]),
            match=_matches(data["match"]),
            depends_on=tuple(data["depends_on"]),
            result=data["result"],
            fields=tuple(PlanField.from_dict(f) for f in data["fields"]),
            lines=tuple(PlanLines.from_dict(line) for line in data["lines"]),
        )


@dataclass(frozen=True, slots=True)
class Plan:
    """A compiled rule set: its languages and its mappings in write order."""

    mappings: tuple[PlanMapping, ...]
    languages: tuple[str, ...] = ()
    version: int = PLAN_VERSION
    source_hash: str | None = field(default=None, compare=False)
    """`sha256:<hex>` of the rules and catalogs the plan was compiled from, when known."""

    def mapping(self, name: str) -> PlanMapping:
        """The mapping called `name`; raises KeyError."""
        for mapping in self.mappings:
            if mapping.name == name:
                return mapping
        raise KeyError(name)

    def to_dict(self) -> dict[str, Json]:
        """JSON form."""
        data: dict[str, Json] = {
            "version": self.version,
            "languages": list(self.languages),
            "mappings": [m.to_dict() for m in self.mappings],
        }
        if self.source_hash is not None:
            data["source_hash"] = self.source_hash
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Json]) -> Plan:
        """Read the JSON form; raises PlanError for another version or a malformed document."""
        if not isinstance(data, Mapping):
            raise PlanError("a plan is a JSON object")
        version = data.get("version")
        if version != PLAN_VERSION:
            raise PlanError(f"plan version {version!r} is not supported (expected {PLAN_VERSION})")
        try:
            return cls(
                mappings=tuple(PlanMapping.from_dict(m) for m in data["mappings"]),
                languages=tuple(data["languages"]),
                version=version,
                source_hash=data.get("source_hash"),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise PlanError(f"malformed plan: {type(exc).__name__}: {exc}") from None


def dumps_json(data: Json) -> str:
    """The canonical JSON text: sorted keys, indent 2, UTF-8 characters kept, newline at end."""
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def dump(plan: Plan) -> str:
    """The plan as canonical JSON text."""
    return dumps_json(plan.to_dict())


def load(text: str) -> Plan:
    """A plan from its JSON text; raises PlanError."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanError(f"not JSON: {exc}") from None
    return Plan.from_dict(data)
