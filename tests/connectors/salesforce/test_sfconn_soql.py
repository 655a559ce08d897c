"""SOQL building: every value escaped, every name checked, watermarks and IN chunks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from mapsync.engine.connectors.salesforce import soql

UTC = dt.UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("O'Brien", r"'O\'Brien'"),
        ("back\\slash", r"'back\\slash'"),
        ('say "hi"', r"""'say \"hi\"'"""),
        ("line1\nline2\r\n", r"'line1\nline2\r\n'"),
        ("tab\there\b\f", r"'tab\there\b\f'"),
        ("bell\x07", r"'bell\u0007'"),
        ("100%_done", "'100%_done'"),
        ("unicodé ✓", "'unicodé ✓'"),
    ],
)
def test_strings_are_escaped(value: str, expected: str) -> None:
    assert soql.literal(value) == expected


@pytest.mark.parametrize(
    "hostile",
    [
        "x' OR Name != '",
        "x\\' OR Name != \\'",
        "') OR (Id != '",
        "x'\nOR Id != null --",
        "\\",
        "'",
        "\\'",
    ],
)
def test_hostile_values_stay_inside_one_literal(hostile: str) -> None:
    text = soql.literal(hostile)
    assert _unescape_literal(text) == hostile


def _unescape_literal(text: str) -> str:
    """Read a SOQL string literal back the way Salesforce does (and fail on a stray quote)."""
    assert text[0] == text[-1] == "'"
    out, i, body = [], 0, text[1:-1]
    table = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}
    while i < len(body):
        ch = body[i]
        assert ch != "'", f"unescaped quote ends the literal early in {text}"
        if ch == "\\":
            nxt = body[i + 1]
            if nxt == "u":
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(table[nxt])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def test_like_patterns_and_literal_matches() -> None:
    assert str(soql.compare("Name", "LIKE", "Acme%")) == "Name LIKE 'Acme%'"
    assert str(soql.compare("Name", "=", "50%_off")) == "Name = '50%_off'"
    assert str(soql.starts_with("Name", "50%_o'ff")) == r"Name LIKE '50\%\_o\'ff%'"
    assert str(soql.contains("Name", "a_b")) == r"Name LIKE '%a\_b%'"
    with pytest.raises(soql.SoqlError):
        soql.compare("Name", "LIKE", 5)


def test_typed_literals() -> None:
    assert soql.literal(None) == "null"
    assert soql.literal(True) == "true"
    assert soql.literal(False) == "false"
    assert soql.literal(42) == "42"
    assert soql.literal(Decimal("1E+3")) == "1000"
    assert soql.literal(Decimal("12.50")) == "12.50"
    assert soql.literal(dt.date(2024, 1, 2)) == "2024-01-02"
    assert soql.literal(dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2024-01-02T03:04:05Z"
    paris = dt.timezone(dt.timedelta(hours=1))
    assert soql.literal(dt.datetime(2024, 1, 2, 4, 4, 5, tzinfo=paris)) == "2024-01-02T03:04:05Z"
    assert (
        soql.literal(dt.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC))
        == "2024-01-02T03:04:05.123Z"
    )


@pytest.mark.parametrize(
    "value", [dt.datetime(2024, 1, 2), float("nan"), Decimal("Infinity"), object(), b"x"]
)
def test_values_without_a_literal_are_refused(value: object) -> None:
    with pytest.raises(soql.SoqlError):
        soql.literal(value)


@pytest.mark.parametrize(
    "name",
    ["Name FROM Account --", "Id,Name", "1abc", "", "Name'", "a.b.c.d.e.f.g", "Owner..Name", "x y"],
)
def test_bad_field_names_are_refused(name: str) -> None:
    with pytest.raises(soql.SoqlError):
        soql.select("Account", [name])


def test_bad_object_name_is_refused() -> None:
    with pytest.raises(soql.SoqlError):
        soql.select("Account WHERE Id != null", ["Id"])


def test_select_dedupes_and_orders() -> None:
    text = soql.select(
        "Account",
        ["Id", "Name", "id", "Owner.Name"],
        where=soql.and_(soql.compare("Name", "=", "a"), soql.in_("Id", ["1", "2"])),
        order_by=("SystemModstamp", "Id"),
        limit=10,
    )
    assert text == (
        "SELECT Id, Name, Owner.Name FROM Account WHERE (Name = 'a') AND (Id IN ('1', '2')) "
        "ORDER BY SystemModstamp, Id LIMIT 10"
    )


def test_empty_in_list_is_refused() -> None:
    with pytest.raises(soql.SoqlError):
        soql.in_("Id", [])


def test_since_clause_is_inclusive_at_the_second() -> None:
    t = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    assert soql.since_clause("SystemModstamp", None) is None
    inclusive = soql.since_clause("SystemModstamp", t)
    assert str(inclusive) == "SystemModstamp >= 2024-05-01T12:00:00Z"
    # A fractional watermark is floored: never a gap.
    fractional = soql.since_clause("SystemModstamp", t.replace(microsecond=500_000))
    assert str(fractional) == "SystemModstamp >= 2024-05-01T12:00:00Z"


def test_in_chunks_respect_count_and_length() -> None:
    keys = [f"K-{i:05d}" for i in range(1000)]
    chunks = list(soql.in_chunks(keys, max_values=300, max_chars=10_000))
    assert [len(c) for c in chunks] == [300, 300, 300, 100]
    assert [k for c in chunks for k in c] == keys
    long_keys = ["x" * 1000] * 25
    chunks = list(soql.in_chunks(long_keys, max_values=200, max_chars=8000))
    assert all(sum(len(soql.literal(v)) + 2 for v in c) <= 8000 for c in chunks)
    assert sum(len(c) for c in chunks) == 25
