"""Inverse round trips of the invertible steps, and the contract of in-line steps (hypothesis)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fieldplans import plan_field, step
from hypothesis import given, settings
from hypothesis import strategies as st

from mapsync.engine.program import (
    RecordTransform,
    RefPending,
    TransformError,
    compile_field,
    compile_fields,
)

quick = settings(max_examples=100, deadline=None)

LINKS = {f"K{i}": f"a0B{i:012d}" for i in range(50)}
BACK = {v: k for k, v in LINKS.items()}


def resolver(mapping: str, side: str) -> dict[str, str]:
    return LINKS if side == "salesforce" else BACK


def there_and_back(steps: list[dict[str, Any]], value: Any, source: Any = "A",
                   target: Any = "B") -> tuple[Any, Any]:
    """(value sent to Salesforce, value that comes back to Intacct) for a `<->` rule."""
    field = plan_field(source, target, "both", *steps)
    out = compile_field(field, "to_salesforce", resolver)
    back = compile_field(field, "to_intacct", resolver)
    record = dict(zip(source, value, strict=True)) if isinstance(source, tuple) else {
        source: value}
    sent = out.read(record)
    returned = back.values({target: sent}) if isinstance(source, tuple) else back.read(
        {target: sent})
    return sent, returned


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789-_", min_size=1, max_size=12)


@quick
@given(st.dictionaries(word, word, min_size=1, max_size=8).filter(
    lambda d: len(set(d.values())) == len(d)), st.data())
def test_one_to_one_map(table: dict[str, str], data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(sorted(table)))
    for mode in ("fail", "keep"):
        m = step("map", table=table, **{"else": {"mode": mode}})
        assert there_and_back([m], key) == (table[key], key)


@quick
@given(word)
def test_map_else_keep_passes_unmapped_values_both_ways(value: str) -> None:
    m = step("map", table={"!": "?"}, **{"else": {"mode": "keep"}})
    assert there_and_back([m], value) == (value, value)


@quick
@given(st.integers(0, 6), st.decimals(allow_nan=False, allow_infinity=False,
                                      min_value=-10**9, max_value=10**9))
def test_decimal_is_its_own_inverse(places: int, number: Decimal) -> None:
    rounded = number.quantize(Decimal(1).scaleb(-places))
    sent, back = there_and_back([step("decimal", places=places)], rounded)
    assert sent == rounded and back == rounded


@quick
@given(st.lists(word, min_size=2, max_size=4))
def test_join_and_split(parts: list[str]) -> None:
    names = tuple(f"P{i}" for i in range(len(parts)))
    sent, back = there_and_back([step("join", sep=" ")], tuple(parts), source=names)
    assert sent == " ".join(parts)
    assert back == dict(zip(names, parts, strict=True))


@quick
@given(text, word)
def test_prefix_and_suffix(value: str, affix: str) -> None:
    assert there_and_back([step("prefix", value=affix)], value) == (affix + value, value)
    assert there_and_back([step("suffix", value=affix)], value) == (value + affix, value)


@quick
@given(st.dates())
def test_date(day: dt.date) -> None:
    assert there_and_back([step("date")], day) == (day, day)


@quick
@given(st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2100, 1, 1),
                    timezones=st.just(dt.UTC)).map(lambda d: d.replace(microsecond=0)),
       st.sampled_from(["Europe/Paris", "America/New_York", "Asia/Kolkata", "UTC"]))
def test_datetime_salesforce_instant_survives_company_time(moment: dt.datetime, zone: str) -> None:
    field = plan_field("A", "B", "both", step("datetime", tz=zone))
    local = compile_field(field, "to_intacct").read({"B": moment})
    assert local.tzinfo is None
    assert compile_field(field, "to_salesforce").read({"A": local}) == moment


@quick
@given(st.booleans(), st.sampled_from([("T", "F"), ("true", "false"), ("Y", "N")]))
def test_bool(flag: bool, codes: tuple[str, str]) -> None:
    b = step("bool", true=codes[0], false=codes[1])
    field = plan_field("A", "B", "both", b)
    code = compile_field(field, "to_intacct").read({"B": flag})
    assert compile_field(field, "to_salesforce").read({"A": code}) is flag


@quick
@given(st.sampled_from(sorted(LINKS)))
def test_ref(key: str) -> None:
    assert there_and_back([step("ref", mapping="Term")], key) == (LINKS[key], key)


# The contract of `Inline` (program/step.py): a step's in-line form gives what the step gives
# for values of its guard class, or raises and leaves the value to the step. Odd values of
# every kind go through a mapping's generated function and through each step alone.
FIELDS = [
    plan_field("N", "n", "to_salesforce", step("trim"), step("lower")),
    plan_field("M", "m", "to_salesforce",
               step("map", table={"a": "A", "b": "B"}, **{"else": {"mode": "fail"}})),
    plan_field("D", "d", "to_salesforce", step("decimal", places=2)),
    plan_field("T", "t", "to_salesforce", step("truncate", length=3)),
    plan_field("R", "r", "to_salesforce", step("ref", mapping="Term")),
    plan_field("B", "b", "to_salesforce", step("bool", true="true", false="false")),
    plan_field("Y", "y", "to_salesforce", step("date")),
]
odd_values = st.one_of(st.none(), st.just(""), text, st.integers(-99, 99), st.booleans(),
                       st.decimals(allow_nan=False, places=3, min_value=-999, max_value=999),
                       st.sampled_from(["a", "b", "K1", "true", "2024-01-02", "1.005"]),
                       st.dates(), st.floats(allow_nan=False, allow_infinity=False, width=32))


def careful(compiled: RecordTransform, record: dict[str, Any]) -> dict[str, Any]:
    """The payload computed field by field through the careful pipelines only."""
    out: dict[str, Any] = {}
    pending = []
    for f in compiled.fields:
        value = f.write(record, out)
        if isinstance(value, RefPending):
            pending.append(value)
    if pending:
        raise RefPending.of(pending)
    return out


def outcome(run: Callable[[], dict[str, Any]]) -> tuple[str, Any]:
    try:
        return ("ok", run())
    except TransformError as exc:
        return ("error", exc.rule)
    except RefPending as exc:
        return ("pending", exc.pending)


@quick
@given(st.fixed_dictionaries({k: odd_values for k in "NMDTRBY"}))
def test_inline_forms_of_the_steps_agree_with_the_steps(record: dict[str, Any]) -> None:
    compiled = compile_fields(FIELDS, "to_salesforce", resolver)
    assert outcome(lambda: compiled.apply(record)) == outcome(lambda: careful(compiled, record))
