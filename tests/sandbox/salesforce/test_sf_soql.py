"""The SOQL parser: the subset's syntax, escapes, literals and the real error codes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from lark import Lark

from mapsync.engine.sandbox.salesforce.soql import (
    GRAMMAR,
    BoolOp,
    Compare,
    Includes,
    InList,
    Like,
    Not,
    Path,
    Relative,
    SoqlError,
    parse,
)


def test_grammar_builds_without_conflicts() -> None:
    Lark(GRAMMAR, parser="lalr", strict=True)


def test_select_list_with_relationship_paths_and_clauses() -> None:
    q = parse(
        "select Id, Name, Account.Owner.Name FROM Contact "
        "ORDER BY Name DESC NULLS LAST, Id LIMIT 10 OFFSET 5"
    )
    assert q.object == "Contact"
    assert q.fields == (Path(("Id",)), Path(("Name",)), Path(("Account", "Owner", "Name")))
    assert [(o.path.parts, o.descending, o.nulls_last) for o in q.order] == [
        (("Name",), True, True), (("Id",), False, None)
    ]
    assert (q.limit, q.offset, q.count) == (10, 5, False)


def test_count() -> None:
    assert parse("SELECT COUNT() FROM Account").count


def test_where_operators_and_literals() -> None:
    q = parse(
        "SELECT Id FROM Opportunity WHERE (Amount >= 10.5 OR Amount < -3) AND "
        "CloseDate = 2024-01-31 AND CreatedDate > 2024-01-02T03:04:05+01:00 AND "
        "IsWon = false AND Name != null AND StageName IN ('A', 'B') AND "
        "Type NOT IN ('X') AND NOT Name LIKE 'a%' AND CreatedDate = LAST_N_DAYS:7 AND "
        "Tags__c INCLUDES ('a;b', 'c') AND Tags__c EXCLUDES ('d') AND Name <> 'z'"
    )
    assert isinstance(q.where, BoolOp) and q.where.op == "AND"
    items = q.where.items
    assert items[0] == BoolOp("OR", (
        Compare(Path(("Amount",)), ">=", Decimal("10.5")),
        Compare(Path(("Amount",)), "<", Decimal("-3")),
    ))
    assert items[1] == Compare(Path(("CloseDate",)), "=", dt.date(2024, 1, 31))
    assert items[2] == Compare(
        Path(("CreatedDate",)), ">", dt.datetime(2024, 1, 2, 2, 4, 5, tzinfo=dt.UTC)
    )
    assert items[3] == Compare(Path(("IsWon",)), "=", False)
    assert items[4] == Compare(Path(("Name",)), "!=", None)
    assert items[5] == InList(Path(("StageName",)), ("A", "B"))
    assert items[6] == InList(Path(("Type",)), ("X",), negated=True)
    assert isinstance(items[7], Not) and isinstance(items[7].item, Like)
    assert items[8] == Compare(Path(("CreatedDate",)), "=", Relative("LAST_N_DAYS", 7))
    assert items[9] == Includes(Path(("Tags__c",)), ("a;b", "c"))
    assert items[10] == Includes(Path(("Tags__c",)), ("d",), negated=True)
    assert items[11] == Compare(Path(("Name",)), "!=", "z")


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        (r"'O\'Brien'", "O'Brien"),
        (r"'back\\slash'", "back\\slash"),
        (r"'line\nbreak\ttab'", "line\nbreak\ttab"),
        (r"'quote\"d'", 'quote"d'),
        (r"'\u00e9t\u00E9'", "été"),
        (r"'\R\N\T\B\F'", "\r\n\t\b\f"),
    ],
)
def test_string_escapes(literal: str, value: str) -> None:
    q = parse(f"SELECT Id FROM Account WHERE Name = {literal}")
    assert q.where == Compare(Path(("Name",)), "=", value)


def test_like_escapes_keep_literal_wildcards() -> None:
    q = parse(r"SELECT Id FROM Account WHERE Name LIKE '50\%\_off%'")
    assert isinstance(q.where, Like)
    assert q.where.chars[-1] == ("%", True)
    assert q.where.chars[2:4] == (("%", False), ("_", False))


@pytest.mark.parametrize(
    "text",
    [
        "SELECT Id FROM Account WHERE a = 1 AND b = 2 OR c = 3",  # AND/OR mixed needs ()
        "SELECT FROM Account",
        "SELECT Id Account",
        "SELECT Id FROM Account WHERE Name = \"double\"",
        "SELECT Id FROM Account LIMIT x",
        "SELECT Id FROM Account WHERE Name = 'bad \\q escape'",
        "SELECT Id FROM Account WHERE Name = '50\\%'",  # \% only inside LIKE
        "SELECT Id, COUNT() FROM Account",
    ],
)
def test_malformed_queries(text: str) -> None:
    with pytest.raises(SoqlError) as caught:
        parse(text)
    assert caught.value.code == "MALFORMED_QUERY"


def test_syntax_error_message_points_at_the_token() -> None:
    with pytest.raises(SoqlError) as caught:
        parse("SELECT Id FROM Account WHERE a = 1 AND b = 2 OR c = 3")
    assert "unexpected token: 'OR'" in caught.value.message
    assert "ERROR at Row:1:Column:46" in caught.value.message


def test_keywords_are_case_insensitive_and_names_may_contain_them() -> None:
    q = parse("sElEcT Selection__c, FromDate__c FROM Order__c wHeRe OrderBy__c = TRUE")
    assert q.fields == (Path(("Selection__c",)), Path(("FromDate__c",)))
    assert q.where == Compare(Path(("OrderBy__c",)), "=", True)
