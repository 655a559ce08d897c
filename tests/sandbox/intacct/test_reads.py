"""readByQuery/readMore, query, read and readByName over HTTP."""

from __future__ import annotations

import pytest
from intacct_wire import Clock, Wire, errornos
from lxml import etree

from mapsync.engine.sandbox.intacct import IntacctSandbox


@pytest.fixture
def customers(sandbox: IntacctSandbox, clock: Clock) -> None:
    rows = [
        {"CUSTOMERID": "C1", "NAME": "Acme", "DISPLAYCONTACT.PRINTAS": "Acme", "CREDITLIMIT": 500},
        {
            "CUSTOMERID": "C2",
            "NAME": "Erin's Software",
            "DISPLAYCONTACT.PRINTAS": "Erin",
            "STATUS": "inactive",
            "ONHOLD": True,
        },
        {
            "CUSTOMERID": "C3",
            "NAME": "Blue Sky",
            "DISPLAYCONTACT.PRINTAS": "Blue",
            "DISPLAYCONTACT.MAILADDRESS.CITY": "Paris",
            "CREDITLIMIT": 1500.5,
        },
    ]
    for row in rows:
        sandbox.store.insert("CUSTOMER", row)
        clock.advance(hours=1)


def rbq(query: str, fields: str = "CUSTOMERID", pagesize: int = 100, obj: str = "CUSTOMER") -> str:
    return (
        f"<readByQuery><object>{obj}</object><fields>{fields}</fields>"
        f"<query>{query}</query><pagesize>{pagesize}</pagesize></readByQuery>"
    )


def ids(result: etree._Element, tag: str = "customer") -> list[str]:
    return [r.findtext("CUSTOMERID") or "" for r in result.findall(f"data/{tag}")]


@pytest.mark.usefixtures("customers")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["C1", "C2", "C3"]),
        ("STATUS = 'T'", ["C1", "C3"]),
        ("STATUS = 'F'", ["C2"]),
        ("status = 'active'", []),  # stored codes, not labels
        ("ONHOLD = 'T'", ["C2"]),
        ("NAME = 'Erin\\'s Software'", ["C2"]),
        ("NAME LIKE 'B%'", ["C3"]),
        ("NAME LIKE 'b%'", []),  # case-sensitive
        ("NAME NOT LIKE '%o%'", ["C1", "C3"]),
        ("CUSTOMERID IN ('C1','C3')", ["C1", "C3"]),
        ("CUSTOMERID NOT IN ('C1')", ["C2", "C3"]),
        ("CREDITLIMIT IS NULL", ["C2"]),
        ("CREDITLIMIT IS NOT NULL AND CREDITLIMIT &gt; 600", ["C3"]),
        ("CREDITLIMIT &lt;= 500 OR STATUS = 'F'", ["C1", "C2"]),
        ("NOT (STATUS = 'T')", ["C2"]),
        ("(CUSTOMERID = 'C1' OR CUSTOMERID = 'C2') AND STATUS = 'T'", ["C1"]),
        ("WHENMODIFIED &gt;= '03/01/2026 10:30:00'", ["C2", "C3"]),
        ("WHENCREATED &lt; '03/01/2026'", []),
        ("RECORDNO &gt; 1 AND rownum &lt; 2", ["C2"]),
        ("CUSTOMERID != 'C2'", ["C1", "C3"]),
    ],
)
def test_readbyquery_filters(wire: Wire, query: str, expected: list[str]) -> None:
    result = wire.one(rbq(query))
    assert result.findtext("status") == "success", etree.tostring(result)
    assert ids(result) == expected


@pytest.mark.usefixtures("customers")
@pytest.mark.parametrize(
    "query",
    [
        "NAME = ",
        "NAME == 'x'",
        "BOGUS = 'x'",
        "DISPLAYCONTACT.PRINTAS = 'Acme'",
        "WHENMODIFIED &gt; '2026-03-01T00:00:00Z'",
        "CREDITLIMIT &gt; 'lots'",
        "NAME = 'unterminated",
        "(NAME = 'x'",
    ],
)
def test_bad_queries_are_dl02000001(wire: Wire, query: str) -> None:
    result = wire.one(rbq(query))
    assert result.findtext("status") == "failure"
    assert errornos(result) == ["DL02000001"]


@pytest.mark.usefixtures("customers")
def test_readbyquery_record_shape(wire: Wire) -> None:
    result = wire.one(rbq("CUSTOMERID = 'C3'", fields="*"))
    data = result.find("data")
    assert data is not None
    assert dict(data.attrib) == {
        "listtype": "customer",
        "count": "1",
        "totalcount": "1",
        "numremaining": "0",
        "resultId": "",
    }
    record = data.find("customer")
    assert record is not None
    assert record.findtext("DISPLAYCONTACT/MAILADDRESS/CITY") == "Paris"
    assert record.findtext("CREDITLIMIT") == "1500.5"
    assert record.findtext("ONHOLD") == "false"
    assert record.findtext("STATUS") == "active"
    assert record.findtext("WHENCREATED") == "03/01/2026 11:30:00"
    empty = record.find("TAXID")
    assert empty is not None and not empty.text


@pytest.mark.usefixtures("customers")
def test_readbyquery_field_list_and_groups(wire: Wire) -> None:
    result = wire.one(rbq("CUSTOMERID = 'C3'", fields="name, DISPLAYCONTACT.MAILADDRESS"))
    record = result.find("data/customer")
    assert record is not None
    assert [c.tag for c in record] == ["NAME", "DISPLAYCONTACT"]
    assert record.findtext("DISPLAYCONTACT/MAILADDRESS/CITY") == "Paris"
    bad = wire.one(rbq("", fields="NAME,NOPE"))
    assert errornos(bad) == ["DL02000001"]


def test_paging_with_readmore(wire: Wire, sandbox: IntacctSandbox) -> None:
    sandbox.store.insert_many(
        "CUSTOMER",
        [
            {"CUSTOMERID": f"P{n:03d}", "NAME": f"N{n}", "DISPLAYCONTACT.PRINTAS": "x"}
            for n in range(25)
        ],
    )
    first = wire.one(rbq("", pagesize=10))
    data = first.find("data")
    assert data is not None
    assert (data.get("count"), data.get("totalcount"), data.get("numremaining")) == (
        "10",
        "25",
        "15",
    )
    result_id = data.get("resultId") or ""
    assert result_id
    seen = ids(first)
    for remaining in ("5", "0"):
        more = wire.one(f"<readMore><resultId>{result_id}</resultId></readMore>")
        assert more.findtext("function") == "readMore"
        page = more.find("data")
        assert page is not None
        assert page.get("numremaining") == remaining
        assert page.get("resultId") == result_id
        assert page.get("listtype") == "customer"
        seen += ids(more)
    assert seen == [f"P{n:03d}" for n in range(25)]
    gone = wire.one(f"<readMore><resultId>{result_id}</resultId></readMore>")
    assert errornos(gone) == ["readMore failed"]
    assert result_id in (gone.findtext(".//description2") or "")


def test_readmore_with_unknown_id_fails(wire: Wire) -> None:
    result = wire.one("<readMore><resultId>bogus</resultId></readMore>")
    assert result.findtext("status") == "failure"
    assert errornos(result) == ["readMore failed"]


@pytest.mark.parametrize("size", ["0", "1001", "ten"])
def test_readbyquery_pagesize_bounds(wire: Wire, size: str) -> None:
    body = (
        f"<readByQuery><object>CUSTOMER</object><query/><pagesize>{size}</pagesize></readByQuery>"
    )
    assert wire.one(body).findtext("status") == "failure"


def test_unknown_object_is_query_failed(wire: Wire) -> None:
    result = wire.one(rbq("", obj="BADOBJECT"))
    assert errornos(result) == ["Query Failed"]
    assert result.findtext(".//description2") == "Object definition BADOBJECT not found"


def test_empty_result(wire: Wire) -> None:
    data = wire.one(rbq("", fields="*", obj="ITEM")).find("data")
    assert data is not None
    assert dict(data.attrib) == {
        "listtype": "item",
        "count": "0",
        "totalcount": "0",
        "numremaining": "0",
        "resultId": "",
    }
    assert len(data) == 0


@pytest.mark.usefixtures("customers")
def test_read_and_readbyname(wire: Wire) -> None:
    read = wire.one("<read><object>CUSTOMER</object><keys>3,1,99</keys><fields>*</fields></read>")
    data = read.find("data")
    assert data is not None
    assert dict(data.attrib) == {"listtype": "CUSTOMER", "count": "2"}
    assert [r.findtext("RECORDNO") for r in data.findall("CUSTOMER")] == ["3", "1"]
    by_name = wire.one(
        "<readByName><object>CUSTOMER</object><keys>C2</keys><fields>NAME</fields></readByName>"
    )
    record = by_name.find("data/CUSTOMER")
    assert record is not None
    assert [c.tag for c in record] == ["NAME"]
    assert record.findtext("NAME") == "Erin's Software"


def test_read_with_bad_fields(wire: Wire) -> None:
    result = wire.one("<read><object>CUSTOMER</object><keys>1</keys><fields>x</fields></read>")
    assert errornos(result) == ["Invalid fields list x"]


@pytest.mark.usefixtures("customers")
def test_query_select_filter_order_offset(wire: Wire) -> None:
    body = (
        "<query><object>CUSTOMER</object><select><field>CUSTOMERID</field>"
        "<field>DISPLAYCONTACT.MAILADDRESS.CITY</field><field>STATUS</field></select>"
        "<filter><or><equalto><field>STATUS</field><value>active</value></equalto>"
        "<greaterthan><field>WHENMODIFIED</field><value>03/01/2026 10:00:00</value></greaterthan>"
        "</or></filter>"
        "<orderby><order><field>CUSTOMERID</field><descending/></order></orderby>"
        "<pagesize>2</pagesize><offset>0</offset></query>"
    )
    result = wire.one(body)
    data = result.find("data")
    assert data is not None
    assert dict(data.attrib) == {
        "listtype": "CUSTOMER",
        "totalcount": "3",
        "offset": "0",
        "count": "2",
        "numremaining": "1",
    }
    records = data.findall("CUSTOMER")
    assert [r.findtext("CUSTOMERID") for r in records] == ["C3", "C2"]
    assert records[0].findtext("DISPLAYCONTACT.MAILADDRESS.CITY") == "Paris"
    rest = wire.one(body.replace("<offset>0</offset>", "<offset>2</offset>"))
    assert [r.findtext("CUSTOMERID") for r in rest.findall("data/CUSTOMER")] == ["C1"]


@pytest.mark.usefixtures("customers")
@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("<in><field>CUSTOMERID</field><value>C1</value><value>C2</value></in>", ["C1", "C2"]),
        ("<notin><field>CUSTOMERID</field><value>C1</value></notin>", ["C2", "C3"]),
        ("<like><field>NAME</field><value>%Sky</value></like>", ["C3"]),
        ("<notlike><field>NAME</field><value>%Sky</value></notlike>", ["C1", "C2"]),
        ("<isnull><field>CREDITLIMIT</field></isnull>", ["C2"]),
        ("<isnotnull><field>DISPLAYCONTACT.MAILADDRESS.CITY</field></isnotnull>", ["C3"]),
        (
            "<between><field>CREDITLIMIT</field><value>100</value><value>1000</value></between>",
            ["C1"],
        ),
        ("<equalto><field>ONHOLD</field><value>true</value></equalto>", ["C2"]),
        ("<lessthan><field>RECORDNO</field><value>2</value></lessthan>", ["C1"]),
        (
            "<and><notequalto><field>STATUS</field><value>inactive</value></notequalto>"
            "<greaterthanorequalto><field>CREDITLIMIT</field><value>500</value>"
            "</greaterthanorequalto></and>",
            ["C1", "C3"],
        ),
    ],
)
def test_query_operators(wire: Wire, condition: str, expected: list[str]) -> None:
    body = (
        "<query><object>CUSTOMER</object><select><field>CUSTOMERID</field></select>"
        f"<filter>{condition}</filter><orderby><order><field>CUSTOMERID</field><ascending/>"
        "</order></orderby></query>"
    )
    result = wire.one(body)
    assert result.findtext("status") == "success", etree.tostring(result)
    assert [r.findtext("CUSTOMERID") for r in result.findall("data/CUSTOMER")] == expected


@pytest.mark.usefixtures("customers")
def test_query_caseinsensitive_and_aggregates(wire: Wire) -> None:
    body = (
        "<query><object>CUSTOMER</object><select><field>CUSTOMERID</field></select>"
        "<filter><equalto><field>NAME</field><value>ACME</value></equalto></filter>"
        "<options><caseinsensitive>true</caseinsensitive></options></query>"
    )
    assert [r.findtext("CUSTOMERID") for r in wire.one(body).findall("data/CUSTOMER")] == ["C1"]
    totals = wire.one(
        "<query><object>CUSTOMER</object><select><field>STATUS</field><count>RECORDNO</count>"
        "<sum>CREDITLIMIT</sum></select><orderby><order><field>STATUS</field></order></orderby>"
        "</query>"
    )
    rows = {r.findtext("STATUS"): r for r in totals.findall("data/CUSTOMER")}
    assert rows["active"].findtext("COUNT.RECORDNO") == "2"
    assert rows["active"].findtext("SUM.CREDITLIMIT") == "2000.5"
    assert rows["inactive"].findtext("COUNT.RECORDNO") == "1"


@pytest.mark.parametrize(
    "select",
    ["<field>*</field>", "<field>NOPE</field>", ""],
)
def test_query_bad_select(wire: Wire, select: str) -> None:
    result = wire.one(f"<query><object>CUSTOMER</object><select>{select}</select></query>")
    assert errornos(result) == ["DL02000001"]


def test_query_pagesize_limit(wire: Wire) -> None:
    body = "<query><object>CUSTOMER</object><select><field>NAME</field></select>"
    assert wire.one(body + "<pagesize>2000</pagesize></query>").findtext("status") == "success"
    assert wire.one(body + "<pagesize>2001</pagesize></query>").findtext("status") == "failure"
