"""Typed views over the plan's nested JSON objects (sides, steps' arguments, conditions).

Each view is a read-only Mapping over exactly the JSON the compiler wrote, so the plan's
JSON form (and its snapshots) stays as it is, and typed properties for what the program
stage and the runner read. Nothing outside `engine.plan` reads plan JSON by key.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

Json = Any


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
    def filter(self) -> PlanCondition | None:
        """The `when` condition that selects the records of this side, or None."""
        return condition(self._data.get("filter"))

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


class PlanArgs(_View):
    """The arguments of one transform step (which ones an op takes: `program.step`)."""

    __slots__ = ()

    def text(self, name: str, default: str | None = None) -> str | None:
        """A text argument (`value`, `sep`, `tz`, `true`, `false`, `mapping`)."""
        value = self._data.get(name)
        return default if value is None else str(value)

    def number(self, *names: str, default: int = 0) -> int:
        """The first integer argument present among `names` (`places`, `length`)."""
        for name in names:
            if name in self._data:
                return int(self._data[name])
        return default

    def literal(self, name: str) -> Json:
        """A literal argument as written (`default`'s value)."""
        return self._data.get(name)

    @property
    def table(self) -> Mapping[str, Json]:
        """`map`: the value table."""
        table = self._data.get("table")
        return table if isinstance(table, Mapping) else {}

    @property
    def else_mode(self) -> str:
        """`map`: what an unmapped value does: `fail`, `value` or `keep`."""
        otherwise = self._data.get("else") or {}
        return str(otherwise.get("mode", "fail"))

    @property
    def else_value(self) -> Json:
        """`map` with `else "..."`: the fallback value."""
        otherwise = self._data.get("else") or {}
        return otherwise.get("value")


class PlanExpr(_View):
    """One node of a condition: a path, a literal, a comparison, `in`, `and`/`or`, `not`."""

    __slots__ = ()

    @property
    def path(self) -> str | None:
        """A field of the condition's side, or None for other nodes."""
        return self._text("path")

    @property
    def is_value(self) -> bool:
        """True for a literal node."""
        return "value" in self._data

    @property
    def value(self) -> Json:
        """The literal of a literal node."""
        return self._data.get("value")

    @property
    def op(self) -> str | None:
        """The operator: `==` `!=` `<` `<=` `>` `>=` `in` `not in` `and` `or` `not`."""
        return self._text("op")

    @property
    def left(self) -> PlanExpr:
        """Comparisons and `in`: the left operand."""
        return PlanExpr(self._data["left"])

    @property
    def right(self) -> PlanExpr:
        """Comparisons: the right operand."""
        return PlanExpr(self._data["right"])

    @property
    def members(self) -> tuple[Json, ...]:
        """`in` / `not in`: the literals."""
        return tuple(self._data.get("right") or ())

    @property
    def args(self) -> tuple[PlanExpr, ...]:
        """`and` / `or`: the operands."""
        return tuple(PlanExpr(a) for a in self._data.get("args") or ())

    @property
    def arg(self) -> PlanExpr:
        """`not`: the operand."""
        return PlanExpr(self._data["arg"])

    def operands(self) -> tuple[PlanExpr, ...]:
        """Every sub-expression: left and right of a comparison, `in`'s left, the args."""
        found = [self._data.get(k) for k in ("left", "right", "arg")]
        nodes = [PlanExpr(c) for c in found if isinstance(c, Mapping)]
        return (*nodes, *self.args)


class PlanCondition(_View):
    """A `when` condition: the side it reads and its expression."""

    __slots__ = ()

    @property
    def side(self) -> str | None:
        """`intacct` or `salesforce`."""
        return self._text("side")

    @property
    def expr(self) -> PlanExpr:
        """The expression."""
        return PlanExpr(self._data["expr"])


def condition(data: Json) -> PlanCondition | None:
    """The condition of a JSON value, or None when it is empty."""
    return PlanCondition(data) if data else None


def matches(data: Json) -> tuple[PlanMatch, ...]:
    """The natural keys of a JSON list."""
    return tuple(PlanMatch(m) for m in data or ())
