"""The store from Python: validation with the real error codes, SOQL semantics, persistence.

A test-only catalog document (Gadget__c) covers every field type next to the shipped Account.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sf_catalog import gadget_objects

from mapsync.engine.catalog import ObjectInfo, load_catalogs
from mapsync.engine.sandbox.salesforce import ApiError, Store
from mapsync.engine.sandbox.salesforce.ids import checksum, is_id, to18
from mapsync.engine.sandbox.salesforce.soql import SoqlError


def objects() -> list[ObjectInfo]:
    return gadget_objects()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "sf.sqlite", objects())
    yield opened
    opened.close()


def codes(store: Store, sobject: str, record: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    with pytest.raises(ApiError) as caught:
        store.insert(sobject, record)
    return caught.value.code, tuple(caught.value.fields or ())


def test_ids_have_key_prefix_and_checksum(store: Store) -> None:
    account = store.insert("Account", {"Name": "Acme"})
    gadget = store.insert("Gadget__c", {"Name": "G"})
    assert account.startswith("001") and len(account) == 18 and is_id(account)
    assert gadget[:3] == store.schema.objects["Gadget__c"].prefix
    assert gadget[0] == "a" and gadget[:3] != "001"
    assert checksum(account[:15]) == account[15:]
    assert to18(account[:15]) == account


def test_known_checksum() -> None:
    # The documented example: 001A0000006Vm9r -> 001A0000006Vm9rIAC.
    assert to18("001A0000006Vm9r") == "001A0000006Vm9rIAC"


def test_system_fields_are_maintained(store: Store) -> None:
    record_id = store.insert("Gadget__c", {"Name": "G"})
    record = store.get("Gadget__c", record_id)
    assert record is not None
    assert record["IsDeleted"] is False
    assert record["CreatedDate"] == record["SystemModstamp"] == record["LastModifiedDate"]
    assert record["CreatedDate"].endswith(".000+0000")
    assert record["Active__c"] is False  # checkboxes default to false
    store.delete("Gadget__c", record_id)
    deleted = store.get("Gadget__c", record_id)
    assert deleted is not None and deleted["IsDeleted"] is True
    assert store.list("Gadget__c") == []
    assert len(store.list("Gadget__c", include_deleted=True)) == 1


@pytest.mark.parametrize(
    ("record", "code", "fields"),
    [
        ({}, "REQUIRED_FIELD_MISSING", ("Name",)),
        ({"Name": None}, "REQUIRED_FIELD_MISSING", ("Name",)),
        ({"Name": "x" * 81}, "STRING_TOO_LONG", ("Name",)),
        ({"Name": "G", "Color__c": "Purple"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
         ("Color__c",)),
        ({"Name": "G", "Tags__c": "a;z"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
         ("Tags__c",)),
        ({"Name": "G", "Nope__c": 1}, "INVALID_FIELD", ()),
        ({"Name": "G", "CreatedDate": "2020-01-01T00:00:00Z"}, "INVALID_FIELD_FOR_INSERT_UPDATE",
         ("CreatedDate",)),
        ({"Name": "G", "Count__c": "many"}, "JSON_PARSER_ERROR", ()),
        ({"Name": "G", "Ship__c": "2024-13-45"}, "JSON_PARSER_ERROR", ()),
        ({"Name": "G", "Active__c": "perhaps"}, "JSON_PARSER_ERROR", ()),
        ({"Name": "G", "Email__c": "not-an-email"}, "INVALID_EMAIL_ADDRESS", ("Email__c",)),
        ({"Name": "G", "Account__c": "001xyz"}, "MALFORMED_ID", ("Account__c",)),
        ({"Name": "G", "Account__c": "0015g0000000999AAA"}, "INVALID_CROSS_REFERENCE_KEY",
         ("Account__c",)),
        ({"Name": "G", "Id": "0015g0000000999AAA"}, "INVALID_FIELD", ("Id",)),
    ],
)
def test_validation_codes(
    store: Store, record: dict[str, Any], code: str, fields: tuple[str, ...]
) -> None:
    assert codes(store, "Gadget__c", record) == (code, fields)


def test_reference_to_the_wrong_object(store: Store) -> None:
    other = store.insert("Gadget__c", {"Name": "other"})
    assert codes(store, "Gadget__c", {"Name": "G", "Account__c": other}) == (
        "FIELD_INTEGRITY_EXCEPTION", ("Account__c",)
    )


def test_unique_external_id_is_case_insensitive(store: Store) -> None:
    first = store.insert("Gadget__c", {"Name": "G", "Code__c": "ab-1"})
    with pytest.raises(ApiError) as caught:
        store.insert("Gadget__c", {"Name": "H", "Code__c": "AB-1"})
    assert caught.value.code == "DUPLICATE_VALUE"
    assert first in caught.value.message


def test_unique_field_marked_case_sensitive_tells_case_apart(store: Store) -> None:
    lower = store.insert("Gadget__c", {"Name": "G", "Serial__c": "ab-1"})
    upper = store.insert("Gadget__c", {"Name": "H", "Serial__c": "AB-1"})
    assert lower != upper
    with pytest.raises(ApiError) as caught:
        store.insert("Gadget__c", {"Name": "I", "Serial__c": "ab-1"})
    assert caught.value.code == "DUPLICATE_VALUE" and lower in caught.value.message


def test_values_are_coerced(store: Store) -> None:
    record_id = store.insert("Gadget__c", {
        "Name": "G", "Count__c": "7", "Price__c": "12.345", "Active__c": "true",
        "Ship__c": "2024-02-29", "Seen__c": "2024-01-02T03:04:05+02:00", "Tags__c": "a;c",
    })
    record = store.get("Gadget__c", record_id)
    assert record is not None
    assert record["Count__c"] == 7 and record["Price__c"] == 12.35
    assert record["Active__c"] is True and record["Ship__c"] == "2024-02-29"
    assert record["Seen__c"] == "2024-01-02T01:04:05.000+0000"


def test_relationship_by_external_id(store: Store) -> None:
    account = store.insert("Account", {"Name": "Parent", "Intacct_ID__c": "P-1"})
    gadget = store.insert("Gadget__c", {"Name": "G", "Account__r": {"Intacct_ID__c": "P-1"}})
    record = store.get("Gadget__c", gadget)
    assert record is not None and record["Account__c"] == account
    with pytest.raises(ApiError) as caught:
        store.insert("Gadget__c", {"Name": "G", "Account__r": {"Intacct_ID__c": "nope"}})
    assert caught.value.code == "INVALID_FIELD"


def test_upsert_creates_then_updates(store: Store) -> None:
    created = store.upsert("Gadget__c", "Code__c", {"Code__c": "U-1", "Name": "one"})
    updated = store.upsert("Gadget__c", "Code__c", {"Code__c": "u-1", "Name": "two"})
    assert created.created and not updated.created and created.id == updated.id
    record = store.get("Gadget__c", created.id)
    assert record is not None and record["Name"] == "two"


def test_readonly_catalog_objects_stay_writable_for_the_integration(tmp_path: Path) -> None:
    managed = [o for o in load_catalogs().salesforce.values() if o.readonly]
    if not managed:
        pytest.skip("no managed-list object in the catalogs yet")
    with_store = Store(tmp_path / "m.sqlite", managed[:1])
    try:
        obj = managed[0]
        record = {n: "x" for n in obj.required_fields() if obj.fields[n].type == "string"}
        record_id = with_store.insert(obj.name, record)
        assert with_store.get(obj.name, record_id) is not None
    finally:
        with_store.close()


# -- SOQL semantics ---------------------------------------------------------------------------


@pytest.fixture
def seeded(store: Store) -> Store:
    acme = store.insert("Account", {"Name": "Acme"})
    store.insert_many("Gadget__c", [
        {"Name": "alpha", "Count__c": 1, "Account__c": acme, "Color__c": "Red",
         "Tags__c": "a;b", "Ship__c": "2024-01-10", "Seen__c": "2024-01-10T10:00:00Z",
         "Active__c": True},
        {"Name": "Beta", "Count__c": 2, "Color__c": "Green", "Tags__c": "c",
         "Ship__c": "2024-02-10"},
        {"Name": "gamma_50%", "Count__c": 3, "Account__c": acme, "Color__c": None},
        {"Name": "O'Brien", "Count__c": None, "Notes__c": "line\nbreak"},
    ])
    return store


def names(store: Store, where: str, order: str = "ORDER BY Name") -> list[str]:
    result = store.query(f"SELECT Name FROM Gadget__c {where} {order}")
    return [r["Name"] for r in result.records]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("WHERE Name = 'ALPHA'", ["alpha"]),  # = is case-insensitive on text
        ("WHERE Name LIKE 'b%'", ["Beta"]),
        ("WHERE Name LIKE '%\\_50\\%'", ["gamma_50%"]),
        ("WHERE Name LIKE '_eta'", ["Beta"]),
        ("WHERE Name = 'O\\'Brien'", ["O'Brien"]),
        ("WHERE Notes__c = 'line\\nbreak'", ["O'Brien"]),
        ("WHERE Count__c > 1", ["Beta", "gamma_50%"]),
        ("WHERE Count__c = null", ["O'Brien"]),
        ("WHERE Count__c != null AND Count__c <= 2", ["alpha", "Beta"]),
        ("WHERE Color__c != 'Red'", ["Beta", "gamma_50%", "O'Brien"]),  # != matches nulls
        ("WHERE Color__c IN ('red', 'green')", ["alpha", "Beta"]),
        ("WHERE Color__c NOT IN ('Red')", ["Beta", "gamma_50%", "O'Brien"]),
        ("WHERE NOT Color__c = 'Red'", ["Beta", "gamma_50%", "O'Brien"]),
        ("WHERE (Count__c = 1 OR Count__c = 3) AND Color__c = 'Red'", ["alpha"]),
        ("WHERE Active__c = true", ["alpha"]),
        ("WHERE Active__c = false", ["Beta", "gamma_50%", "O'Brien"]),
        ("WHERE Ship__c >= 2024-02-01", ["Beta"]),
        ("WHERE Seen__c > 2024-01-10T09:59:59Z", ["alpha"]),
        ("WHERE Seen__c < 2024-01-10T12:30:00+02:00", ["alpha"]),
        ("WHERE Seen__c < 2024-01-10T11:30:00+02:00", []),
        ("WHERE Tags__c INCLUDES ('a;b', 'c')", ["alpha", "Beta"]),
        ("WHERE Tags__c EXCLUDES ('a')", ["Beta", "gamma_50%", "O'Brien"]),
        ("WHERE Account__r.Name = 'acme'", ["alpha", "gamma_50%"]),
        ("WHERE CreatedDate = TODAY AND CreatedDate = LAST_N_DAYS:2", ["alpha", "Beta",
                                                                      "gamma_50%", "O'Brien"]),
        ("WHERE CreatedDate = YESTERDAY", []),
    ],
)
def test_where(seeded: Store, where: str, expected: list[str]) -> None:
    assert names(seeded, where) == expected


def test_order_limit_offset_and_nulls(seeded: Store) -> None:
    assert names(seeded, "", "ORDER BY Count__c DESC NULLS LAST") == [
        "gamma_50%", "Beta", "alpha", "O'Brien"
    ]
    assert names(seeded, "", "ORDER BY Count__c") [0] == "O'Brien"  # nulls first by default
    assert names(seeded, "", "ORDER BY Name LIMIT 2 OFFSET 1") == ["Beta", "gamma_50%"]


def test_parent_fields_nest_with_attributes(seeded: Store) -> None:
    result = seeded.query(
        "SELECT Name, Account__r.Name FROM Gadget__c WHERE Count__c IN (1, 2) ORDER BY Name"
    )
    first, second = result.records
    assert first["Account__r"]["Name"] == "Acme"
    assert first["Account__r"]["attributes"]["type"] == "Account"
    assert second["Account__r"] is None
    assert list(first) == ["attributes", "Name", "Account__r"]


def test_count_query(seeded: Store) -> None:
    assert seeded.query("SELECT COUNT() FROM Gadget__c WHERE Count__c > 1").total == 2


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("SELECT Nope__c FROM Gadget__c", "INVALID_FIELD"),
        ("SELECT Name FROM Nope__c", "INVALID_TYPE"),
        ("SELECT Name FROM Gadget__c WHERE Nope__r.Name = 'x'", "INVALID_FIELD"),
        ("SELECT Name FROM Gadget__c WHERE Count__c = '1'", "INVALID_QUERY_FILTER_OPERATOR"),
        ("SELECT Name FROM Gadget__c WHERE Ship__c = 2024-01-01T00:00:00Z",
         "INVALID_QUERY_FILTER_OPERATOR"),
        ("SELECT Name FROM Gadget__c WHERE Seen__c = 2024-01-01",
         "INVALID_QUERY_FILTER_OPERATOR"),
        ("SELECT Name FROM Gadget__c WHERE Name = 5", "INVALID_QUERY_FILTER_OPERATOR"),
        ("SELECT Name FROM Gadget__c OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE"),
        ("SELECT Name, name FROM Gadget__c", "MALFORMED_QUERY"),
        ("SELECT Name FROM Gadget__c WHERE Count__c LIKE '1'", "INVALID_QUERY_FILTER_OPERATOR"),
    ],
)
def test_query_errors(seeded: Store, text: str, code: str) -> None:
    with pytest.raises((ApiError, SoqlError)) as caught:
        seeded.query(text)
    assert getattr(caught.value, "code", None) == code


def test_query_all_sees_deleted_rows(seeded: Store) -> None:
    beta = seeded.query("SELECT Id FROM Gadget__c WHERE Name = 'Beta'").records[0]["Id"]
    seeded.delete("Gadget__c", beta)
    assert "Beta" not in names(seeded, "")
    deleted = seeded.query("SELECT Name FROM Gadget__c WHERE IsDeleted = true",
                           include_deleted=True)
    assert [r["Name"] for r in deleted.records] == ["Beta"]


def test_data_and_prefixes_persist_between_runs(tmp_path: Path) -> None:
    path = tmp_path / "persist.sqlite"
    first = Store(path, objects())
    gadget_id = first.insert("Gadget__c", {"Name": "kept"})
    first.close()
    second = Store(path, objects())
    try:
        assert second.get("Gadget__c", gadget_id) is not None
        assert second.schema.objects["Gadget__c"].prefix == gadget_id[:3]
        assert second.insert("Gadget__c", {"Name": "next"}) != gadget_id
    finally:
        second.close()
