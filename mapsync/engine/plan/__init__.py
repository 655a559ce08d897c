"""The compiled plan: plain, versioned data with one deterministic JSON form.

`dump(plan)` writes sorted keys, two-space indent and a trailing newline, so the same
rules always give byte-identical output; `load(dump(plan)) == plan`. The JSON shape is
described by `schemas/plan.schema.json` and `docs/language.md`. Nested JSON objects
(sides, step arguments, conditions) are typed read-only views over their JSON
(`plan.views`): nothing outside this package reads plan JSON by key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from mapsync.engine.errors import MapsyncError
from mapsync.engine.plan.views import (
    Json,
    PlanArgs,
    PlanCondition,
    PlanDelete,
    PlanExpr,
    PlanMatch,
    PlanSide,
    condition,
    freeze,
    matches,
    thaw,
)

__all__ = [
    "FieldSide",
    "Json",
    "Plan",
    "PlanArgs",
    "PlanCondition",
    "PlanDelete",
    "PlanError",
    "PlanExpr",
    "PlanField",
    "PlanLines",
    "PlanMapping",
    "PlanMatch",
    "PlanSide",
    "PlanStep",
    "Source",
    "dump",
    "dumps_json",
    "freeze",
    "load",
    "thaw",
]

PLAN_VERSION = 1

Scalar = str | int | float | bool | None
FieldSide = str | tuple[str, ...] | None


class PlanError(MapsyncError, ValueError):
    """A plan document is malformed or of another version: recompile it with `mapsync compile`."""


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


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One transform step: an op of `engine.language.steps` and its arguments."""

    op: str
    args: PlanArgs

    def to_dict(self) -> dict[str, Json]:
        """JSON form."""
        return {"op": self.op, "args": thaw(self.args)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Json]) -> PlanStep:
        """Read the JSON form."""
        return cls(data["op"], PlanArgs(data["args"]))


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
    when: PlanCondition | None = None
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
            when=condition(data["when"]),
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
            match=matches(data.get("match")),
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
            match=matches(data["match"]),
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
