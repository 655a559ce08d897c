"""Value maps and number steps: map, decimal, currency, number."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from mapsync.engine.program.failures import CompileError
from mapsync.engine.program.step import Args, Inline, Step, StepContext, StepOp, register
from mapsync.engine.program.text_ops import literal

_MISSING = object()
_CENT = Decimal("0.01")
# An infinite value raises InvalidOperation here; the careful step then names the failure.
_QUANTIZE = "{v}.quantize({c}, _ROUND_HALF_UP)"


def _table(args: Args) -> dict[Any, Any]:
    return {literal(k): literal(v) for k, v in args.table.items()}


def _else(args: Args) -> tuple[str, Any]:
    mode = args.else_mode
    if mode not in ("fail", "value", "keep"):
        raise CompileError(f"unknown map else mode {mode!r}")
    return mode, literal(args.else_value)


def _key_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _map_step(table: dict[Any, Any], otherwise: tuple[str, Any], ctx: StepContext) -> Step:
    mode, fallback = otherwise
    lookup = {**table, None: None}.get
    text_keys = {_key_text(k): v for k, v in table.items()}

    def missing(value: Any) -> Any:
        found = text_keys.get(_key_text(value), _MISSING)
        if found is not _MISSING:
            return found
        if mode == "keep":
            return value
        if mode == "value":
            return fallback
        ctx.fail("value is not in the map", value)

    def step(value: Any) -> Any:
        found = lookup(value, _MISSING)
        return missing(value) if found is _MISSING else found

    return step


def _map_inline(table: dict[Any, Any], otherwise: tuple[str, Any]) -> Inline | None:
    """Text looked up in a table of text keys (JSON keys always are); a miss raises, and
    the careful step then fails or falls back as the map says."""
    if not all(key.__class__ is str for key in table) or otherwise[0] == "value":
        return None
    if otherwise[0] == "keep":
        return Inline(str, "{c}.get({v}, {v})", table)
    return Inline(str, "{c}[{v}]", table)


def _reversed(args: Args) -> dict[Any, Any]:
    mode, _ = _else(args)
    if mode == "value":
        raise CompileError('a map with `else "..."` has no inverse')
    table = _table(args)
    reverse = {v: k for k, v in table.items()}
    if len(reverse) != len(table):
        raise CompileError("a map that is not one-to-one has no inverse")
    return reverse


@register
class Map(StepOp):
    """A value map, total with `else` (fail, keep the value, or a fallback value)."""

    name = "map"
    arguments = {"table": "table", "else": "else"}
    inverse = "map"

    @classmethod
    def build(cls, args: Args, ctx: StepContext) -> Step:
        return _map_step(_table(args), _else(args), ctx)

    @classmethod
    def inline(cls, args: Args, ctx: StepContext) -> Inline | None:
        return _map_inline(_table(args), _else(args))

    @classmethod
    def build_inverse(cls, args: Args, ctx: StepContext) -> Step:
        return _map_step(_reversed(args), _else(args), ctx)

    @classmethod
    def inline_inverse(cls, args: Args, ctx: StepContext) -> Inline | None:
        return _map_inline(_reversed(args), _else(args))


def _quantum(args: Args) -> Decimal:
    return Decimal(1).scaleb(-args.number("places", "length", default=2))


def to_decimal(value: Any, ctx: StepContext) -> Decimal:
    """A finite Decimal from a number or number text; fails through `ctx` otherwise."""
    if isinstance(value, bool):
        ctx.fail("not a number", value)
    if isinstance(value, float):
        value = repr(value)
    elif isinstance(value, str):
        value = value.strip().replace(",", "")
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        ctx.fail("not a number", value)
    if not number.is_finite():
        ctx.fail("not a finite number", value)
    return number


def _rounder(quantum: Decimal, ctx: StepContext) -> Step:
    def round_half_up(value: Any) -> Any:
        if value.__class__ is Decimal:
            try:
                return value.quantize(quantum, ROUND_HALF_UP)
            except InvalidOperation:
                ctx.fail("not a finite number", value)
        if value is None or value == "":
            return None
        return round_half_up(to_decimal(value, ctx))

    return round_half_up


@register
class Round(StepOp):
    """Round half-up to n places (`decimal(n)`)."""

    name = "decimal"
    arguments = {"places": "integer"}
    inverse = "decimal"

    @classmethod
    def build(cls, args: Args, ctx: StepContext) -> Step:
        return _rounder(_quantum(args), ctx)

    @classmethod
    def inline(cls, args: Args, ctx: StepContext) -> Inline | None:
        return Inline(Decimal, _QUANTIZE, _quantum(args))


@register
class Currency(StepOp):
    """Round half-up to cents."""

    name = "currency"
    inverse = "decimal"

    @classmethod
    def build(cls, args: Args, ctx: StepContext) -> Step:
        return _rounder(_CENT, ctx)

    @classmethod
    def inline(cls, args: Args, ctx: StepContext) -> Inline | None:
        return Inline(Decimal, _QUANTIZE, _CENT)

    @classmethod
    def build_inverse(cls, args: Args, ctx: StepContext) -> Step:
        return cls.build(args, ctx)

    @classmethod
    def inline_inverse(cls, args: Args, ctx: StepContext) -> Inline | None:
        return cls.inline(args, ctx)


@register
class Number(StepOp):
    """Text -> number (integers and decimals pass unchanged)."""

    name = "number"
    inverse = "number"

    @classmethod
    def build(cls, args: Args, ctx: StepContext) -> Step:
        def number(value: Any) -> Any:
            if value is None or value.__class__ is int or value.__class__ is Decimal:
                return value
            if value == "":
                return None
            return to_decimal(value, ctx)

        return number

    @classmethod
    def inline(cls, args: Args, ctx: StepContext) -> Inline | None:
        return Inline(Decimal)
