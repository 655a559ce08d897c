"""The built-in transform steps: their arguments, the value kinds they take and give,
and their inverses (what a `<->` rule applies in the Salesforce -> Intacct sense).

Steps are data here; the runner implements them. A plan step is `(op, args)`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from mapsync.engine.errors import MapsyncError

Direction = Literal["to_salesforce", "to_intacct"]
Args = Mapping[str, Any]

# Value kinds flowing through a pipeline. Intacct sends dates, datetimes and booleans
# as text in its own formats; those are distinct kinds so the checker can ask for
# the step that converts them.
TEXT, NUMBER, BOOLEAN, DATE, DATETIME, ID, TUPLE = (
    "text", "number", "boolean", "date", "datetime", "id", "tuple")
I_BOOLEAN, I_DATE, I_DATETIME = "intacct_boolean", "intacct_date", "intacct_datetime"

_TEXTUAL = frozenset({TEXT, NUMBER, I_BOOLEAN, I_DATE, I_DATETIME})


class StepArgumentError(MapsyncError, ValueError):
    """The arguments written for a step do not fit it; the message says what it takes."""


@dataclass(frozen=True, slots=True)
class Param:
    """One positional argument of a step."""

    name: str
    type: Literal["string", "integer", "scalar"]
    optional: bool = False
    minimum: int | None = None


@dataclass(frozen=True, slots=True)
class StepSpec:
    """A library step: how to read its arguments, its kinds, and its inverse."""

    name: str
    params: tuple[Param, ...]
    summary: str
    kinds: Callable[[str, Direction], str | None]
    inverse: Callable[[Args], tuple[str, Args] | None]
    build: Callable[[tuple[Any, ...]], tuple[str, Args]] | None = None

    def usage(self) -> str:
        """How the step is written, e.g. `decimal(places)`."""
        if not self.params:
            return self.name
        names = ", ".join(p.name + ("?" if p.optional else "") for p in self.params)
        return f"{self.name}({names})"


def _text_to_text(kind: str, direction: Direction) -> str | None:
    return TEXT if kind in _TEXTUAL else None


def _same(kind: str, direction: Direction) -> str | None:
    return kind


def _join_kind(kind: str, direction: Direction) -> str | None:
    return TEXT if kind == TUPLE else None


def _split_kind(kind: str, direction: Direction) -> str | None:
    return TUPLE if kind in _TEXTUAL else None


def _to_number(kind: str, direction: Direction) -> str | None:
    return NUMBER if kind in (TEXT, NUMBER) else None


def _converter(intacct: str, salesforce: str,
               *also: tuple[str, str]) -> Callable[[str, Direction], str | None]:
    """Kinds of a format step; `also` lists further (Intacct, Salesforce) kinds it reads."""
    takes_intacct = {intacct, TEXT, *(i for i, _ in also)}
    takes_salesforce = {salesforce, TEXT, *(s for _, s in also)}

    def kinds(kind: str, direction: Direction) -> str | None:
        if direction == "to_salesforce":
            return salesforce if kind in takes_intacct else None
        return intacct if kind in takes_salesforce else None

    return kinds


def _ref_kind(kind: str, direction: Direction) -> str | None:
    if direction == "to_salesforce":
        return ID if kind == TEXT else None
    return TEXT if kind == ID else None


def _map_kind(kind: str, direction: Direction) -> str | None:
    return TEXT if kind != TUPLE else None


def _none(args: Args) -> None:
    return None


def _as(op: str) -> Callable[[Args], tuple[str, Args]]:
    """An inverse that is `op` with the same arguments (itself, or join <-> split)."""
    return lambda args: (op, args)


def _named(op: str, *keys: str) -> Callable[[tuple[Any, ...]], tuple[str, Args]]:
    return lambda values: (op, dict(zip(keys, values, strict=False)))


def _build_datetime(values: tuple[Any, ...]) -> tuple[str, Args]:
    return ("datetime", {"tz": values[0] if values else None})


def _build_bool(values: tuple[Any, ...]) -> tuple[str, Args]:
    if len(values) == 1:
        raise StepArgumentError("`bool` takes no arguments or two: the true and false codes")
    true, false = values if values else ("true", "false")
    if true == false:
        raise StepArgumentError("the true and false codes of `bool` must differ")
    return ("bool", {"true": true, "false": false})


def _build_currency(values: tuple[Any, ...]) -> tuple[str, Args]:
    return ("decimal", {"places": 2})


def _spec(name: str, params: tuple[Param, ...], summary: str,
          kinds: Callable[[str, Direction], str | None],
          inverse: Callable[[Args], tuple[str, Args] | None] = _none,
          build: Callable[[tuple[Any, ...]], tuple[str, Args]] | None = None) -> StepSpec:
    return StepSpec(name, params, summary, kinds, inverse, build)


_S = Param
STEPS: Mapping[str, StepSpec] = {s.name: s for s in (
    _spec("trim", (), "strip surrounding white space", _text_to_text),
    _spec("upper", (), "upper case", _text_to_text),
    _spec("lower", (), "lower case", _text_to_text),
    _spec("title", (), "title case", _text_to_text),
    _spec("default", (_S("value", "scalar"),), "empty or null becomes the value", _same,
          build=_named("default", "value")),
    _spec("join", (_S("sep", "string"),), "several values -> one text", _join_kind,
          _as("split"), _named("join", "sep")),
    _spec("split", (_S("sep", "string"),), "one text -> several values", _split_kind,
          _as("join"), _named("split", "sep")),
    _spec("truncate", (_S("length", "integer", minimum=1),), "cut to n characters",
          _text_to_text, build=_named("truncate", "length")),
    _spec("decimal", (_S("places", "integer", minimum=0),), "round half-up to n places",
          _to_number, _as("decimal"), _named("decimal", "places")),
    _spec("currency", (), "decimal(2)", _to_number, _as("decimal"), _build_currency),
    _spec("number", (), "text -> number", _to_number, _as("number")),
    _spec("date", (), "Intacct MM/DD/YYYY <-> Salesforce YYYY-MM-DD",
          _converter(I_DATE, DATE, (I_DATETIME, DATETIME)), _as("date")),
    _spec("datetime", (_S("tz", "string", optional=True),),
          "Intacct MM/DD/YYYY HH:MM:SS (company time) <-> Salesforce ISO UTC",
          _converter(I_DATETIME, DATETIME, (I_DATE, DATE)), _as("datetime"), _build_datetime),
    _spec("bool", (_S("true", "string", optional=True), _S("false", "string", optional=True)),
          "Intacct codes <-> Salesforce boolean", _converter(I_BOOLEAN, BOOLEAN),
          _as("bool"), _build_bool),
    _spec("prefix", (_S("value", "string"),), "add text in front", _text_to_text,
          _as("strip_prefix"), _named("prefix", "value")),
    _spec("suffix", (_S("value", "string"),), "add text at the end", _text_to_text,
          _as("strip_suffix"), _named("suffix", "value")),
    _spec("strip_prefix", (_S("value", "string"),), "remove text in front", _text_to_text,
          _as("prefix"), _named("strip_prefix", "value")),
    _spec("strip_suffix", (_S("value", "string"),), "remove text at the end", _text_to_text,
          _as("suffix"), _named("strip_suffix", "value")),
)}

# Written with their own syntax (`map {..}`, `ref Mapping`), not as calls.
SPECIAL = {
    "map": StepSpec("map", (), "value map", _map_kind, _none),
    "ref": StepSpec("ref", (), "cross-reference through another mapping", _ref_kind,
                    _as("ref")),
}


def spec(op: str) -> StepSpec | None:
    """The spec of a plan op (`map` and `ref` included)."""
    return STEPS.get(op) or SPECIAL.get(op)


def build_call(name: str, values: tuple[Any, ...]) -> tuple[str, Args]:
    """Plan (op, args) for `name(values...)`; raises KeyError or StepArgumentError."""
    step = STEPS[name]
    _check_arguments(step, values)
    if step.build is not None:
        return step.build(values)
    return (step.name, {})


def _check_arguments(step: StepSpec, values: tuple[Any, ...]) -> None:
    required = sum(not p.optional for p in step.params)
    if not required <= len(values) <= len(step.params):
        raise StepArgumentError(f"`{step.name}` takes {_count(step)}: write `{step.usage()}`")
    for param, value in zip(step.params, values, strict=False):
        _check_value(step, param, value)


def _count(step: StepSpec) -> str:
    required = sum(not p.optional for p in step.params)
    total = len(step.params)
    if total == 0:
        return "no arguments"
    if required == total:
        return f"{total} argument{'s' if total > 1 else ''}"
    return f"{required} to {total} arguments"


def _check_value(step: StepSpec, param: Param, value: Any) -> None:
    if param.type == "string" and not isinstance(value, str):
        raise StepArgumentError(f"`{param.name}` of `{step.name}` must be a string")
    if param.type == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise StepArgumentError(f"`{param.name}` of `{step.name}` must be a whole number")
        if param.minimum is not None and value < param.minimum:
            raise StepArgumentError(
                f"`{param.name}` of `{step.name}` must be at least {param.minimum}")
    if param.type == "scalar" and value is None:
        raise StepArgumentError(f"`{param.name}` of `{step.name}` cannot be null")


def map_inverse(args: Args) -> tuple[str, Args] | None:
    """A value map reversed, when it is one-to-one and unmapped values fail or pass."""
    table: Mapping[str, str] = args["table"]
    mode = args["else"]["mode"]
    if mode == "value" or len(set(table.values())) != len(table):
        return None
    reversed_table = {value: key for key, value in table.items()}
    return ("map", {"table": reversed_table, "else": dict(args["else"])})


def inverse(op: str, args: Args) -> tuple[str, Args] | None:
    """The step that undoes `(op, args)`, or None when it has no inverse."""
    if op == "map":
        return map_inverse(args)
    found = spec(op)
    return found.inverse(args) if found else None


def first_non_invertible(steps: tuple[tuple[str, Args], ...]) -> int | None:
    """Index of the first step without an inverse, or None when all have one."""
    for index, (op, args) in enumerate(steps):
        if inverse(op, args) is None:
            return index
    return None
