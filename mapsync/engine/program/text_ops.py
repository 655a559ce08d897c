"""Text steps: case, trim, default, truncate, prefixes and suffixes, join and split."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

from mapsync.engine.program.step import Args, Inline, Step, StepContext, StepOp, register


def literal(value: Any) -> Any:
    """A plan literal as a runtime value (JSON floats become exact decimals)."""
    return Decimal(repr(value)) if isinstance(value, float) else value


class _Method(StepOp):
    """A `str` method applied to text values; other values pass unchanged."""

    method: ClassVar[Callable[[str], str]]
    call: ClassVar[str]

    @classmethod
    def build(cls, args: Args, ctx: StepContext) -> Step:
        method = cls.method
        return lambda value: method(value) if value.__class__ is str else value

    @classmethod
    def inline(cls, args: Args, ctx: StepContext) -> Inline | None:
        return Inline(str, cls.call)


@register
class Trim(_Method):
    """Strip surrounding white space."""

    name = "trim"
    method = str.strip
    call = "{v}.strip()"


@register
class Upper(_Method):
    """Upper case."""

    name = "upper"
    method = str.upper
    call = "{v}.upper()"


@register
class Lower(_Method):
    """Lower case."""

    name = "lower"
    method = str.lower
    call = "{v}.lower()"


@register
class Title(_Method):
    """Title case."""

    name = "title"
    method = str.title
    call = "{v}.title()"


@register
class Default(StepOp):
    """Empty or null becomes the value."""

    name = "default"
    arguments = {"value": "scalar"}
    makes_values = True

    @classmethod
    def build(cls, args: Args, ctx: StepContext) -> Step:
        fallback = literal(args.literal("value"))
        return lambda value: fallback if value is None or value == "" else value


def _length(args: Args) -> int:
    return args.number("length", "places")


@register
class Truncate(StepOp):
    """Cut to n characters."""

    name = "truncate"
    arguments = {"length": "integer"}

    @classmethod
    def build(cls, args: Args, ctx: StepContext) -> Step:
        length = _length(args)

        def truncate(value: Any) -> Any:
            if value is None:
                return None
            text = value if value.__class__ is str else str(value)
            return text[:length]

        return truncate

    @classmethod
    def inline(cls, args: Args, ctx: StepContext) -> Inline | None:
        return Inline(str, "{v}[:{c}]", _length(args))


@register
class Prefix(StepOp):
    """Add text in front."""

    name = "prefix"
    arguments = {"value": "string"}
    inverse = "strip_prefix"

    @classmethod
    def build(cls, args: Args, ctx: StepContext) -> Step:
        text = args.text("value", "") or ""
        return lambda value: None if value is None else text + str(value)

    @classmethod
    def inline(cls, args: Args, ctx: StepContext) -> Inline | None:
        return Inline(str, "{c} + {v}", args.text("value", "") or "")


@register
class Suffix(StepOp):
    """Add text at the end."""

    name = "suffix"
    arguments = {"value": "string"}
    inverse = "strip_suffix"

    @classmethod
    def build(cls, args: Args, ctx: StepContext) -> Step:
        text = args.text("value", "") or ""
        return lambda value: None if value is None else str(value) + text

    @classmethod
    def inline(cls, args: Args, ctx: StepContext) -> Inline | None:
        return Inline(str, "{v} + {c}", args.text("value", "") or "")


@register
class StripPrefix(StepOp):
    """Remove text in front; a value that lost its prefix (edited by a user) passes."""

    name = "strip_prefix"
    arguments = {"value": "string"}
    inverse = "prefix"

    @classmethod
    def build(cls, args: Args, ctx: StepContext) -> Step:
        text = args.text("value", "") or ""
        return lambda value: (
            value[len(text) :] if value.__class__ is str and value.startswith(text) else value
        )


@register
class StripSuffix(StepOp):
    """Remove text at the end; a value that lost its suffix passes unchanged."""

    name = "strip_suffix"
    arguments = {"value": "string"}
    inverse = "suffix"

    @classmethod
    def build(cls, args: Args, ctx: StepContext) -> Step:
        text = args.text("value", "") or ""
        cut = -len(text) if text else None
        return lambda value: (
            value[:cut] if value.__class__ is str and value.endswith(text) else value
        )


@register
class Join(StepOp):
    """Several values -> one text (empty parts are left out)."""

    name = "join"
    arguments = {"sep": "string"}
    inverse = "split"

    @classmethod
    def build(cls, args: Args, ctx: StepContext) -> Step:
        sep = args.text("sep", " ") or ""

        def join(value: Any) -> Any:
            if value is None:
                return None
            if not isinstance(value, tuple | list):
                ctx.fail("join needs a tuple of values", value)
            parts = [
                v if v.__class__ is str else str(v) for v in value if v is not None and v != ""
            ]
            return sep.join(parts) if parts else None

        return join


@register
class Split(StepOp):
    """One text -> as many values as the rule's tuple has paths."""

    name = "split"
    arguments = {"sep": "string"}
    inverse = "join"
    makes_values = True

    @classmethod
    def build(cls, args: Args, ctx: StepContext) -> Step:
        sep = args.text("sep", " ") or ""
        count = ctx.arity

        def split(value: Any) -> Any:
            if value is None or value == "":
                return (None,) * count
            if value.__class__ is not str:
                ctx.fail("split needs text", value)
            parts = value.split(sep, count - 1)
            return tuple(parts) + (None,) * (count - len(parts))

        return split

    @classmethod
    def inline(cls, args: Args, ctx: StepContext) -> Inline | None:
        # (separator, parts - 1, as many nulls as parts): text cut, padded, then trimmed
        pad = (None,) * ctx.arity
        return Inline(str, _SPLIT, (args.text("sep", " ") or "", ctx.arity - 1, pad))


_SPLIT = "(*{v}.split({c}[0], {c}[1]), *{c}[2])[:len({c}[2])] if {v} else {c}[2]"
