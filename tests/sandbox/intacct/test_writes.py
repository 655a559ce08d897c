"""create/update/delete, transactions and uniqueid de-duplication over HTTP."""

from __future__ import annotations

from intacct_wire import Clock, Wire, customer, errornos, fn
from lxml import etree

from mapsync.engine.sandbox.intacct import IntacctSandbox


def test_create_several_objects_of_several_types(wire: Wire, sandbox: IntacctSandbox) -> None:
    body = (
        "<create>"
        + customer(
            "C1",
            "Acme",
            "<DISPLAYCONTACT><MAILADDRESS><CITY>Lyon</CITY></MAILADDRESS>"
            "</DISPLAYCONTACT><CREDITLIMIT>1000.50</CREDITLIMIT>",
        )
        + "<ITEM><ITEMID>I1</ITEMID><NAME>Widget</NAME><ITEMTYPE>Inventory</ITEMTYPE></ITEM>"
        + "</create>"
    )
    result = wire.one(body)
    assert result.findtext("status") == "success"
    data = result.find("data")
    assert data is not None
    assert dict(data.attrib) == {"listtype": "objects", "count": "2"}
    assert [r.tag for r in data] == ["customer", "item"]
    assert data.findtext("customer/CUSTOMERID") == "C1"
    assert data.findtext("item/ITEMID") == "I1"
    stored = sandbox.store.find("CUSTOMER", "C1")
    assert stored is not None
    assert stored["DISPLAYCONTACT.PRINTAS"] == "Acme"
    assert stored["DISPLAYCONTACT.MAILADDRESS.CITY"] == "Lyon"
    assert stored["CREDITLIMIT"] == "1000.5"
    assert stored["STATUS"] == "active"  # catalog default
    assert stored["RECORDNO"] == data.findtext("customer/RECORDNO")
    item = sandbox.store.find("ITEM", "I1")
    assert item is not None and item["TAXABLE"] == "false"


def test_nested_elements_read_back_nested(wire: Wire) -> None:
    wire.one(
        "<create>"
        + customer("C1", "Acme", "<DISPLAYCONTACT><EMAIL1>a@b.c</EMAIL1></DISPLAYCONTACT>")
        + "</create>"
    )
    record = wire.one(
        "<readByName><object>CUSTOMER</object><keys>C1</keys><fields>*</fields></readByName>"
    ).find("data/CUSTOMER")
    assert record is not None
    contact = record.find("DISPLAYCONTACT")
    assert contact is not None
    assert contact.findtext("PRINTAS") == "Acme" and contact.findtext("EMAIL1") == "a@b.c"


def test_missing_required_field(wire: Wire, sandbox: IntacctSandbox) -> None:
    result = wire.one(
        "<create><CUSTOMER><CUSTOMERID>C1</CUSTOMERID><NAME>A</NAME></CUSTOMER></create>"
    )
    assert result.findtext("status") == "failure"
    assert errornos(result) == ["BL01001973", "BL01001973", "BL01001973"]
    assert "DISPLAYCONTACT.PRINTAS" in (result.findtext(".//description2") or "")
    assert sandbox.store.count("CUSTOMER") == 0


def test_duplicate_id_chain_keeps_earlier_objects(wire: Wire, sandbox: IntacctSandbox) -> None:
    wire.one("<create>" + customer("C1", "Acme") + "</create>")
    result = wire.one("<create>" + customer("C2", "Two") + customer("C1", "Again") + "</create>")
    assert result.findtext("status") == "failure"
    assert errornos(result) == ["BL34000061", "BL01001973", "BL01001973"]
    assert "C1  already exists" in (result.findtext(".//description2") or "")
    assert result.findtext(".//correction") == "Use a unique value instead."
    data = result.find("data")
    assert data is not None and data.get("count") == "1"
    assert data.findtext("customer/CUSTOMERID") == "C2"
    assert sandbox.store.count("CUSTOMER") == 2


def test_bad_values_are_refused(wire: Wire) -> None:
    cases = [
        customer("C1", "A", "<STATUS>sleeping</STATUS>"),
        customer("C1", "A", "<ONHOLD>maybe</ONHOLD>"),
        customer("C1", "A", "<CREDITLIMIT>1,000</CREDITLIMIT>"),
        customer("C1", "A", "<NOSUCHFIELD>x</NOSUCHFIELD>"),
        customer("C1", "A" * 101),
    ]
    for element in cases:
        result = wire.one(f"<create>{element}</create>")
        assert result.findtext("status") == "failure", element
        assert errornos(result)[0] == "BL01001973"


def test_unknown_object_and_legacy_only_objects(wire: Wire) -> None:
    unknown = wire.one("<create><NOSUCH><X>1</X></NOSUCH></create>")
    assert errornos(unknown) == ["Query Failed"]
    legacy = wire.one("<create><ARTERM><NAME>Net 30</NAME></ARTERM></create>")
    assert "create_arterm" in (legacy.findtext(".//description2") or "")


def test_readonly_fields_are_ignored_on_write(wire: Wire, sandbox: IntacctSandbox) -> None:
    wire.one(
        "<create>"
        + customer("C1", "A", "<TOTALDUE>99</TOTALDUE><RECORDNO>777</RECORDNO>")
        + "</create>"
    )
    stored = sandbox.store.find("CUSTOMER", "C1")
    assert stored is not None
    assert "TOTALDUE" not in stored and stored["RECORDNO"] != "777"


def test_update_by_recordno_and_by_key(wire: Wire, sandbox: IntacctSandbox, clock: Clock) -> None:
    created = sandbox.store.insert(
        "CUSTOMER",
        {"CUSTOMERID": "C1", "NAME": "A", "DISPLAYCONTACT.PRINTAS": "A", "COMMENTS": "old"},
    )
    clock.advance(minutes=5)
    recordno = created["RECORDNO"]
    result = wire.one(
        f"<update><CUSTOMER><RECORDNO>{recordno}</RECORDNO><NAME>B</NAME>"
        "<COMMENTS></COMMENTS></CUSTOMER></update>"
    )
    assert result.findtext("status") == "success"
    assert result.findtext("data/customer/CUSTOMERID") == "C1"
    after = sandbox.store.get("CUSTOMER", int(recordno))
    assert after is not None
    assert after["NAME"] == "B" and "COMMENTS" not in after
    assert after["DISPLAYCONTACT.PRINTAS"] == "A"  # untouched
    assert after["WHENCREATED"] == created["WHENCREATED"]
    assert after["WHENMODIFIED"] == "03/01/2026 09:35:00"
    wire.one(
        "<update><CUSTOMER><CUSTOMERID>C1</CUSTOMERID><DISPLAYCONTACT><PRINTAS>P</PRINTAS>"
        "</DISPLAYCONTACT></CUSTOMER></update>"
    )
    final = sandbox.store.find("CUSTOMER", "C1")
    assert final is not None and final["DISPLAYCONTACT.PRINTAS"] == "P"


def test_update_errors(wire: Wire, sandbox: IntacctSandbox) -> None:
    sandbox.store.insert(
        "CUSTOMER", {"CUSTOMERID": "C1", "NAME": "A", "DISPLAYCONTACT.PRINTAS": "A"}
    )
    missing = wire.one(
        "<update><CUSTOMER><CUSTOMERID>C9</CUSTOMERID><NAME>x</NAME></CUSTOMER></update>"
    )
    assert errornos(missing) == ["Cannot update non-existing CUSTOMER with CUSTOMERID=C9."]
    cleared = wire.one(
        "<update><CUSTOMER><CUSTOMERID>C1</CUSTOMERID><NAME></NAME></CUSTOMER></update>"
    )
    assert "NAME" in (cleared.findtext(".//description2") or "")
    anonymous = wire.one("<update><CUSTOMER><NAME>x</NAME></CUSTOMER></update>")
    assert anonymous.findtext("status") == "failure"


def test_delete(wire: Wire, sandbox: IntacctSandbox) -> None:
    rows = sandbox.store.insert_many(
        "CUSTOMER",
        [{"CUSTOMERID": f"C{n}", "NAME": "x", "DISPLAYCONTACT.PRINTAS": "x"} for n in range(3)],
    )
    keys = f"{rows[0]['RECORDNO']},{rows[1]['RECORDNO']}"
    result = wire.one(f"<delete><object>CUSTOMER</object><keys>{keys}</keys></delete>")
    assert result.findtext("status") == "success"
    assert result.find("data") is None
    assert [r["CUSTOMERID"] for r in sandbox.store.list("CUSTOMER")] == ["C2"]
    missing = wire.one("<delete><object>CUSTOMER</object><keys>999</keys></delete>")
    assert errornos(missing) == ["BL01001973"]
    assert "Cannot find customer with key '999' to delete." == missing.findtext(".//description2")


def test_recordno_is_never_reused(wire: Wire, sandbox: IntacctSandbox) -> None:
    first = sandbox.store.insert(
        "CUSTOMER", {"CUSTOMERID": "A", "NAME": "a", "DISPLAYCONTACT.PRINTAS": "a"}
    )
    wire.one(f"<delete><object>CUSTOMER</object><keys>{first['RECORDNO']}</keys></delete>")
    second = wire.one("<create>" + customer("B", "b") + "</create>")
    assert int(second.findtext("data/customer/RECORDNO") or 0) > int(first["RECORDNO"])


def test_transaction_rolls_back_and_aborts(wire: Wire, sandbox: IntacctSandbox) -> None:
    sandbox.store.insert(
        "CUSTOMER", {"CUSTOMERID": "C1", "NAME": "A", "DISPLAYCONTACT.PRINTAS": "A"}
    )
    functions = (
        fn("<create>" + customer("C2", "Two") + "</create>", "t1")
        + fn("<create>" + customer("C1", "Dup") + "</create>", "t2")
        + fn("<create>" + customer("C3", "Three") + "</create>", "t3")
    )
    results = wire.results(functions, transaction="true")
    assert [r.findtext("status") for r in results] == ["aborted", "failure", "aborted"]
    assert errornos(results[0]) == ["XL03000009"]
    assert errornos(results[1]) == ["BL34000061", "BL01001973", "BL01001973", "XL03000009"]
    assert errornos(results[2]) == ["XL03000009"]
    assert all(r.find("data") is None for r in results)
    assert [r["CUSTOMERID"] for r in sandbox.store.list("CUSTOMER")] == ["C1"]


def test_transaction_commits_when_all_succeed(wire: Wire, sandbox: IntacctSandbox) -> None:
    functions = fn("<create>" + customer("C1", "A") + "</create>", "a") + fn(
        "<create>" + customer("C2", "B") + "</create>", "b"
    )
    results = wire.results(functions, transaction="true")
    assert [r.findtext("status") for r in results] == ["success", "success"]
    assert sandbox.store.count("CUSTOMER") == 2


def test_without_transaction_functions_fail_alone(wire: Wire, sandbox: IntacctSandbox) -> None:
    functions = (
        fn("<create>" + customer("C1", "A") + "</create>", "a")
        + fn("<create><CUSTOMER><NAME>no print as</NAME></CUSTOMER></create>", "b")
        + fn("<create>" + customer("C2", "B") + "</create>", "c")
    )
    results = wire.results(functions)
    assert [r.findtext("status") for r in results] == ["success", "failure", "success"]
    assert sandbox.store.count("CUSTOMER") == 2


def test_uniqueid_refuses_a_completed_controlid(wire: Wire, sandbox: IntacctSandbox) -> None:
    body = fn("<create>" + customer("C1", "A") + "</create>", "create-C1")
    first = wire.results(body, uniqueid="true")
    assert first[0].findtext("status") == "success"
    sandbox.store.delete("CUSTOMER", int(first[0].findtext("data/customer/RECORDNO") or 0))
    again = wire.results(body, uniqueid="true")
    assert again[0].findtext("status") == "failure"
    assert errornos(again[0]) == ["Duplicate function controlid"]
    assert "create-C1" in (again[0].findtext(".//description2") or "")
    assert sandbox.store.count("CUSTOMER") == 0  # not applied again


def test_uniqueid_absent_means_true(wire: Wire) -> None:
    body = fn("<create>" + customer("C1", "A") + "</create>", "same")
    wire.results(body, uniqueid=None)
    again = wire.results(body, uniqueid=None)
    assert errornos(again[0]) == ["Duplicate function controlid"]


def test_failed_functions_may_be_retried_under_uniqueid(wire: Wire) -> None:
    bad = fn("<create><CUSTOMER><CUSTOMERID>C1</CUSTOMERID><NAME>A</NAME></CUSTOMER></create>", "x")
    assert wire.results(bad, uniqueid="true")[0].findtext("status") == "failure"
    good = fn("<create>" + customer("C1", "A") + "</create>", "x")
    assert wire.results(good, uniqueid="true")[0].findtext("status") == "success"


def test_rolled_back_controlids_are_not_completed(wire: Wire) -> None:
    functions = fn("<create>" + customer("C1", "A") + "</create>", "k1") + fn(
        "<create><NOSUCH/></create>", "k2"
    )
    wire.results(functions, uniqueid="true", transaction="true")
    retry = wire.results(fn("<create>" + customer("C1", "A") + "</create>", "k1"), uniqueid="true")
    assert retry[0].findtext("status") == "success", etree.tostring(retry[0])


def test_uniqueid_false_runs_again(wire: Wire) -> None:
    read = fn("<readByQuery><object>CUSTOMER</object><query/></readByQuery>", "r")
    for _ in range(2):
        assert wire.results(read)[0].findtext("status") == "success"
