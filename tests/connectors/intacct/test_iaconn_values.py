"""Catalog-typed values both ways, escaped query strings, deterministic controlids."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from mapsync.engine.catalog import load_catalogs
from mapsync.engine.connectors.base import Watermark
from mapsync.engine.connectors.intacct import controlids, query
from mapsync.engine.connectors.intacct.values import (
    DATETIME_FORMAT,
    build_object,
    parse_datetime,
    parse_record,
    to_python,
    to_wire,
    writable_items,
)
from mapsync.engine.errors import ProtocolError, ValidationFailed

CUSTOMER = load_catalogs().intacct["CUSTOMER"]

READ = b"""<customer>
  <RECORDNO>12</RECORDNO><CUSTOMERID>C1</CUSTOMERID><NAME>A &amp; B</NAME>
  <CREDITLIMIT>1000.50</CREDITLIMIT><ONHOLD>false</ONHOLD><TOTALDUE></TOTALDUE>
  <WHENMODIFIED>02/27/2026 01:12:14</WHENMODIFIED><PARENTID/>
  <DISPLAYCONTACT><PRINTAS>A and B</PRINTAS><MAILADDRESS><CITY>Paris</CITY></MAILADDRESS>
  </DISPLAYCONTACT><UNKNOWNFIELD>7</UNKNOWNFIELD>
</customer>"""


def test_read_values_are_typed_by_the_catalog() -> None:
    record = parse_record(etree.fromstring(READ), CUSTOMER)
    assert record == {
        "RECORDNO": 12,
        "CUSTOMERID": "C1",
        "NAME": "A & B",
        "CREDITLIMIT": Decimal("1000.50"),
        "ONHOLD": False,
        "TOTALDUE": None,
        "WHENMODIFIED": dt.datetime(2026, 2, 27, 1, 12, 14),
        "PARENTID": None,
        "DISPLAYCONTACT.PRINTAS": "A and B",
        "DISPLAYCONTACT.MAILADDRESS.CITY": "Paris",
        "UNKNOWNFIELD": "7",
    }


def test_query_function_literal_dotted_names_give_the_same_paths() -> None:
    element = etree.fromstring(
        b"<CUSTOMER><RECORDNO>3</RECORDNO><DISPLAYCONTACT.MAILADDRESS.CITY>Oslo"
        b"</DISPLAYCONTACT.MAILADDRESS.CITY></CUSTOMER>"
    )
    assert parse_record(element, CUSTOMER) == {
        "RECORDNO": 3,
        "DISPLAYCONTACT.MAILADDRESS.CITY": "Oslo",
    }


def test_owned_lists_become_lists_of_records() -> None:
    element = etree.fromstring(
        b"<SODOCUMENT><DOCID>SO-1</DOCID><SODOCUMENTENTRIES>"
        b"<sodocumententry><LINE_NO>0</LINE_NO></sodocumententry>"
        b"<sodocumententry><LINE_NO>1</LINE_NO></sodocumententry>"
        b"</SODOCUMENTENTRIES></SODOCUMENT>"
    )
    record = parse_record(element)
    assert record["SODOCUMENTENTRIES"] == [{"LINE_NO": "0"}, {"LINE_NO": "1"}]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("12/31/2025", "date", dt.date(2025, 12, 31)),
        ("2025-12-31", "date", dt.date(2025, 12, 31)),
        ("2020-06-11T17:52:00Z", "datetime", dt.datetime(2020, 6, 11, 17, 52)),
        ("T", "boolean", True),
        ("205375", "currency", Decimal("205375")),
        ("  ", "integer", None),
    ],
)
def test_wire_formats(text: str, kind: str, value: object) -> None:
    from mapsync.engine.catalog import FieldInfo

    assert to_python(text, FieldInfo("F", kind)) == value


def test_a_malformed_value_is_a_protocol_error_naming_the_field() -> None:
    with pytest.raises(ProtocolError) as info:
        parse_record(etree.fromstring(b"<c><WHENMODIFIED>yesterday</WHENMODIFIED></c>"), CUSTOMER)
    assert info.value.field == "WHENMODIFIED"


def test_write_values_and_nesting() -> None:
    record = {
        "RECORDNO": 5,
        "NAME": "Erin's <Software> & Co",
        "CREDITLIMIT": Decimal("1E+3"),
        "ONHOLD": True,
        "DISPLAYCONTACT.MAILADDRESS.CITY": "Lyon",
        "DISPLAYCONTACT.PRINTAS": "Erin",
        "TOTALDUE": Decimal(1),
        "COMMENTS": None,
    }
    items = writable_items(record, CUSTOMER, keep=["RECORDNO"])
    element = build_object("CUSTOMER", items, send_empty=True)
    assert etree.tostring(element) == (
        b"<CUSTOMER><RECORDNO>5</RECORDNO><NAME>Erin's &lt;Software&gt; &amp; Co</NAME>"
        b"<CREDITLIMIT>1000</CREDITLIMIT><ONHOLD>true</ONHOLD><DISPLAYCONTACT><MAILADDRESS>"
        b"<CITY>Lyon</CITY></MAILADDRESS><PRINTAS>Erin</PRINTAS></DISPLAYCONTACT>"
        b"<COMMENTS></COMMENTS></CUSTOMER>"
    )
    assert b"COMMENTS" not in etree.tostring(build_object("CUSTOMER", items, send_empty=False))


def test_to_wire_dates_and_multi_values() -> None:
    assert to_wire(dt.date(2024, 3, 8)) == "03/08/2024"
    assert to_wire(dt.datetime(2024, 3, 8, 7, 5, 9)) == "03/08/2024 07:05:09"
    assert to_wire(["Print", "E-Mail"]) == "Print#~#E-Mail"
    assert to_wire(0.1) == "0.1"


def test_query_strings_escape_every_value() -> None:
    assert query.quote("Erin's \\ Software") == "'Erin\\'s \\\\ Software'"
    assert query.in_list("CUSTOMERID", ["a'", "b"]) == "CUSTOMERID IN ('a\\'', 'b')"
    assert query.compare("ONHOLD", "=", True) == "ONHOLD = 'T'"
    assert query.all_of("A = 1", None, "B = 2") == "(A = 1) AND (B = 2)"
    since = Watermark(dt.datetime(2019, 1, 9, 22, 1, 29, 500), "7")
    assert query.modified_since(since) == "WHENMODIFIED >= '01/09/2019 22:01:29'"
    with pytest.raises(ValidationFailed):
        query.in_list("X) OR (1=1", ["a"])


@given(st.text())
def test_quoted_values_cannot_escape_their_quotes(value: str) -> None:
    quoted = query.quote(value)
    body = quoted[1:-1]
    # Every quote inside is preceded by an odd run of backslashes: it never ends the literal.
    for index, char in enumerate(body):
        if char == "'":
            run = len(body[:index]) - len(body[:index].rstrip("\\"))
            assert run % 2 == 1
    assert not body.endswith("\\") or (len(body) - len(body.rstrip("\\"))) % 2 == 0


def test_watermark_tie_break() -> None:
    at = dt.datetime(2024, 1, 1, 12, 0, 0)
    since = Watermark(at, "5")
    keep = [
        {"WHENMODIFIED": at, "RECORDNO": 6},
        {"WHENMODIFIED": at + dt.timedelta(seconds=1), "RECORDNO": 1},
    ]
    drop = [{"WHENMODIFIED": at, "RECORDNO": 5}, {"WHENMODIFIED": at, "RECORDNO": 2}]
    assert all(query.after_watermark(r, since, "WHENMODIFIED", "RECORDNO") for r in keep)
    assert not any(query.after_watermark(r, since, "WHENMODIFIED", "RECORDNO") for r in drop)


def test_controlids_are_deterministic_and_distinct() -> None:
    a = controlids.controlid("create", "CUSTOMER", {"NAME": "x", "CREDITLIMIT": Decimal("1.5")})
    b = controlids.controlid("create", "CUSTOMER", {"CREDITLIMIT": Decimal("1.5"), "NAME": "x"})
    assert a == b and a.startswith("create-CUSTOMER-") and len(a) <= 256
    assert controlids.controlid("update", "CUSTOMER", {"NAME": "x"}) != a
    assert controlids.distinct([a, a, "z"]) == [a, f"{a}-2", "z"]
    assert controlids.fresh(a) != controlids.fresh(a)


@settings(max_examples=400, deadline=None)
@given(parts=st.tuples(*(st.integers(0, 120) for _ in range(2)), st.integers(0, 10_000),
                       *(st.integers(0, 70) for _ in range(3))),
       pad=st.booleans(), tail=st.sampled_from(["", " ", "x", ".5"]))
def test_us_datetimes_parse_as_strptime_reads_them(
    parts: tuple[int, ...], pad: bool, tail: str
) -> None:
    """Intacct's MM/DD/YYYY HH:MM:SS is read without strptime, with the same results and
    the same refusals (out-of-range fields, one-digit fields, stray text)."""
    month, day, year, hour, minute, second = parts
    width = 2 if pad else 1
    text = (f"{month:0{width}d}/{day:0{width}d}/{year:04d} "
            f"{hour:0{width}d}:{minute:0{width}d}:{second:0{width}d}{tail}")

    def parsed(read: Callable[[str], dt.datetime]) -> object:
        try:
            return read(text)
        except ValueError:
            return ValueError

    assert parsed(parse_datetime) == parsed(lambda t: dt.datetime.strptime(t, DATETIME_FORMAT))
