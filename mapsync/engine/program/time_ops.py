"""Steps that convert between the two systems' types: date, datetime, bool, ref.

Each always converts towards the flow's target system, so it is its own inverse.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mapsync.engine.program.failures import CompileError, RefPending
from mapsync.engine.program.step import (
    TARGET,
    Args,
    Inline,
    Step,
    StepContext,
    StepOp,
    register,
)


def zone(name: str | None) -> dt.tzinfo:
    """The time zone called `name` (UTC when empty); raises CompileError when unknown."""
    if not name or name == "UTC":
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CompileError(f"unknown time zone {name!r}") from None


def _parse_date(text: str, ctx: StepContext) -> dt.date:
    try:
        if len(text) >= 10 and text[2] == "/" and text[5] == "/":
            return dt.datetime.strptime(text[:10], "%m/%d/%Y").date()
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        ctx.fail("not a date (MM/DD/YYYY or YYYY-MM-DD)", text)


@register
class Date(StepOp):
    """Intacct MM/DD/YYYY <-> Salesforce YYYY-MM-DD."""

    name = "date"
    inverse = "date"

    @classmethod
    def build(cls, args: Args, ctx: StepContext) -> Step:
        def date(value: Any) -> Any:
            if value.__class__ is dt.date or value is None:
                return value
            if isinstance(value, dt.datetime):
                return value.date()
            if value == "":
                return None
            if isinstance(value, str):
                return _parse_date(value.strip(), ctx)
            ctx.fail("not a date", value)

        return date

    @classmethod
    def inline(cls, args: Args, ctx: StepContext) -> Inline | None:
        return Inline(dt.date)


def _parse_datetime(value: Any, naive_zone: dt.tzinfo, ctx: StepContext) -> dt.datetime:
    """A datetime from a date, an Intacct `MM/DD/YYYY HH:MM:SS` string or ISO 8601."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(), naive_zone)
    if not isinstance(value, str):
        ctx.fail("not a datetime", value)
    text = value.strip()
    try:
        if len(text) >= 10 and text[2] == "/" and text[5] == "/":
            fmt = "%m/%d/%Y %H:%M:%S" if len(text) > 10 else "%m/%d/%Y"
            parsed = dt.datetime.strptime(text, fmt)
        else:
            parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        ctx.fail("not a datetime (MM/DD/YYYY HH:MM:SS or ISO 8601)", value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=naive_zone)


def _to_utc(company: dt.tzinfo, ctx: StepContext) -> Step:
    """Intacct naive company time (or any aware value) -> aware UTC."""

    def to_utc(value: Any) -> Any:
        if value.__class__ is dt.datetime:
            aware = value if value.tzinfo is not None else value.replace(tzinfo=company)
            return aware.astimezone(dt.UTC)
        if value is None or value == "":
            return None
        return to_utc(_parse_datetime(value, company, ctx))

    return to_utc


def _to_company_time(company: dt.tzinfo, ctx: StepContext) -> Step:
    """Salesforce aware UTC (naive read as UTC) -> Intacct naive company time."""

    def to_local(value: Any) -> Any:
        if value.__class__ is dt.datetime:
            aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
            return aware.astimezone(company).replace(tzinfo=None)
        if value is None or value == "":
            return None
        return to_local(_parse_datetime(value, dt.UTC, ctx))

    return to_local


_AS_UTC = "({v} if {v}.tzinfo is not None else {v}.replace(tzinfo={c})).astimezone(_UTC)"
_AS_COMPANY_TIME = (
    "({v} if {v}.tzinfo is not None else {v}.replace(tzinfo=_UTC)).astimezone({c})"
    ".replace(tzinfo=None)"
)


@register
class DateTime(StepOp):
    """Intacct MM/DD/YYYY HH:MM:SS (company time) <-> Salesforce ISO UTC."""

    name = "datetime"
    arguments = {"tz": "string"}
    inverse = "datetime"

    @classmethod
    def build(cls, args: Args, ctx: StepContext) -> Step:
        tz = args.text("tz")
        company = zone(tz) if tz else ctx.timezone
        if ctx.flow == "to_salesforce":
            return _to_utc(company, ctx)
        return _to_company_time(company, ctx)

    @classmethod
    def inline(cls, args: Args, ctx: StepContext) -> Inline | None:
        tz = args.text("tz")
        company = zone(tz) if tz else ctx.timezone
        if ctx.flow == "to_salesforce":
            return Inline(dt.datetime, _AS_UTC, company)
        return Inline(dt.datetime, _AS_COMPANY_TIME, company)


def _custom_codes(args: Args) -> bool:
    return (args.text("true") or "true", args.text("false") or "false") != ("true", "false")


@register
class Bool(StepOp):
    """Intacct codes <-> Salesforce boolean."""

    name = "bool"
    arguments = {"true": "string", "false": "string"}
    inverse = "bool"

    @classmethod
    def build(cls, args: Args, ctx: StepContext) -> Step:
        custom = _custom_codes(args)
        true_code = args.text("true") or "true"
        false_code = args.text("false") or "false"
        codes = {
            true_code.casefold(): True,
            false_code.casefold(): False,
            "true": True,
            "false": False,
        }

        def to_bool(value: Any) -> Any:
            if value is None or value.__class__ is bool:
                return value
            if value == "":
                return None
            found = codes.get(str(value).strip().casefold())
            if found is None:
                ctx.fail(f"not a boolean code ({true_code}/{false_code})", value)
            return found

        if ctx.flow == "to_salesforce" or not custom:
            return to_bool
        return lambda value: _code(to_bool(value), true_code, false_code)

    @classmethod
    def inline(cls, args: Args, ctx: StepContext) -> Inline | None:
        if ctx.flow == "to_salesforce" or not _custom_codes(args):
            return Inline(bool)
        codes = (args.text("false") or "false", args.text("true") or "true")
        return Inline(bool, "{c}[{v}]", codes)  # a bool indexes the pair (False, True)


def _code(flag: bool | None, true_code: str, false_code: str) -> str | None:
    if flag is None:
        return None
    return true_code if flag else false_code


@register
class Ref(StepOp):
    """Cross-reference through another mapping's links; a RefPending when not linked yet."""

    name = "ref"
    arguments = {"mapping": "mapping"}
    inverse = "ref"

    @classmethod
    def build(cls, args: Args, ctx: StepContext) -> Step:
        mapping = args.text("mapping", "") or ""
        side = TARGET[ctx.flow]
        lookup = ctx.links(mapping).get

        def ref(value: Any) -> Any:
            if value is None or value == "":
                return None
            key = value if value.__class__ is str else str(value)
            found = lookup(key)
            return RefPending(mapping, key, side) if found is None else found

        return ref

    @classmethod
    def inline(cls, args: Args, ctx: StepContext) -> Inline | None:
        lookup = ctx.links(args.text("mapping", "") or "").get
        # A key with no partner (or the empty text) goes to the careful step: RefPending.
        return Inline(str, "({c}({v}) or {step}({v}))", lookup)
