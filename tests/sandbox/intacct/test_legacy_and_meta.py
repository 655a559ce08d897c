"""Legacy order-entry functions, lookup and inspect."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from intacct_wire import Clock, Wire, errornos, fn

from mapsync.engine.catalog import load_catalogs, object_from_json
from mapsync.engine.sandbox.intacct import IntacctSandbox

ORDER = """<create_sotransaction>
  <transactiontype>Sales Order</transactiontype>
  <datecreated><year>2026</year><month>03</month><day>08</day></datecreated>
  <customerid>C1</customerid>
  {docno}
  <referenceno>PO-77</referenceno>
  <termname>Net 30</termname>
  <customfields><customfield><customfieldname>sfdc_opp</customfieldname>
    <customfieldvalue>006XX</customfieldvalue></customfield></customfields>
  <state>Pending</state>
  <sotransitems>
    <sotransitem><itemid>I1</itemid><quantity>2</quantity><price>100</price>
      <discountpercent>10</discountpercent></sotransitem>
    <sotransitem><itemid>I2</itemid><quantity>3</quantity></sotransitem>
  </sotransitems>
  <subtotals><subtotal><description>Shipping</description><total>20</total></subtotal></subtotals>
</create_sotransaction>"""


def _seed(sandbox: IntacctSandbox) -> None:
    sandbox.store.insert(
        "CUSTOMER", {"CUSTOMERID": "C1", "NAME": "Acme", "DISPLAYCONTACT.PRINTAS": "Acme"}
    )
    sandbox.store.insert_many(
        "ITEM",
        [
            {"ITEMID": "I1", "NAME": "One", "ITEMTYPE": "Inventory"},
            {"ITEMID": "I2", "NAME": "Two", "ITEMTYPE": "Inventory", "BASEPRICE": 7.5},
        ],
    )


def test_create_sotransaction_returns_the_docid_key(wire: Wire, sandbox: IntacctSandbox) -> None:
    _seed(sandbox)
    result = wire.one(ORDER.format(docno=""))
    assert result.findtext("status") == "success"
    assert result.findtext("key") == "Sales Order-SO0001"
    assert result.find("data") is None
    header = sandbox.store.find("SODOCUMENT", "Sales Order-SO0001")
    assert header is not None
    assert header["DOCPARID"] == "Sales Order" and header["DOCNO"] == "SO0001"
    assert header["CUSTVENDID"] == "C1" and header["CUSTVENDNAME"] == "Acme"
    assert header["WHENCREATED"] == "03/08/2026"
    assert header["PONUMBER"] == "PO-77" and header["TERM.NAME"] == "Net 30"
    assert header["SFDC_OPP"] == "006XX"
    assert header["TOTAL"] == "222.5"  # 2*100*0.9 + 3*7.5 (item base price) + 20
    lines = [r for r in sandbox.store.list("SODOCUMENTENTRY")]
    assert [(r["LINE_NO"], r["ITEMID"], r["UIVALUE"]) for r in lines] == [
        ("0", "I1", "180"),
        ("1", "I2", "22.5"),
    ]
    second = wire.one(ORDER.format(docno=""), controlid="f2")
    assert second.findtext("key") == "Sales Order-SO0002"


def test_document_number_given_and_duplicate(wire: Wire, sandbox: IntacctSandbox) -> None:
    _seed(sandbox)
    body = ORDER.format(docno="<documentno>X-1</documentno>")
    assert wire.one(body).findtext("key") == "Sales Order-X-1"
    again = wire.one(body)
    assert errornos(again)[0] == "BL34000061"


def test_create_sotransaction_checks_references(wire: Wire, sandbox: IntacctSandbox) -> None:
    result = wire.one(ORDER.format(docno=""))
    assert result.findtext("status") == "failure"
    assert "Invalid Customer C1" in (result.findtext(".//description2") or "")
    assert sandbox.store.count("SODOCUMENT") == 0


def test_create_sotransaction_without_lines_is_a_schema_error(wire: Wire) -> None:
    body = ORDER.format(docno="").split("<sotransitems>")[0] + (
        "<sotransitems></sotransitems></create_sotransaction>"
    )
    root = wire.call(fn(body))
    assert root.findtext("control/status") == "failure"
    assert errornos(root) == ["XL03000003"]
    assert "Expected is ( sotransitem )" in (root.findtext(".//description2") or "")


def test_update_sotransaction(wire: Wire, sandbox: IntacctSandbox, clock: Clock) -> None:
    _seed(sandbox)
    wire.one(ORDER.format(docno=""))
    clock.advance(minutes=1)
    update = """<update_sotransaction key="Sales Order-SO0001">
      <referenceno>PO-78</referenceno>
      <updatesotransitems>
        <updatesotransitem line_num="2"><quantity>4</quantity></updatesotransitem>
        <sotransitem><itemid>I1</itemid><quantity>1</quantity><price>5</price></sotransitem>
      </updatesotransitems>
    </update_sotransaction>"""
    result = wire.one(update)
    assert result.findtext("status") == "success"
    assert result.findtext("key") == "Sales Order-SO0001"
    header = sandbox.store.find("SODOCUMENT", "Sales Order-SO0001")
    assert header is not None
    assert header["PONUMBER"] == "PO-78"
    assert header["WHENMODIFIED"] == "03/01/2026 09:31:00"
    lines = sandbox.store.list("SODOCUMENTENTRY")
    assert [(r["LINE_NO"], r["QUANTITY"], r["UIVALUE"]) for r in lines] == [
        ("0", "2", "180"),
        ("1", "4", "30"),
        ("2", "1", "5"),
    ]
    bad = wire.one(update.replace('line_num="2"', 'line_num="9"'))
    assert bad.findtext("status") == "failure"
    missing = wire.one(update.replace("SO0001", "SO0404"))
    assert errornos(missing) == [
        "Cannot update non-existing SODOCUMENT with DOCID=Sales Order-SO0404."
    ]


def test_delete_sotransaction(wire: Wire, sandbox: IntacctSandbox) -> None:
    _seed(sandbox)
    wire.one(ORDER.format(docno=""))
    result = wire.one('<delete_sotransaction key="Sales Order-SO0001"/>')
    assert result.findtext("status") == "success"
    assert sandbox.store.count("SODOCUMENT") == 0 and sandbox.store.count("SODOCUMENTENTRY") == 0


OE_CATALOGS = [
    {
        "system": "intacct",
        "object": "SODOCUMENT",
        "label": "Sales transaction",
        "key": "DOCID",
        "docparids": ["Sales Order"],
        "write_functions": {"create": "create_sotransaction"},
        "fields": {
            "RECORDNO": {"type": "integer", "readonly": True},
            "DOCID": {"type": "string"},
            "DOCPARID": {"type": "string"},
            "WHENCREATED": {"type": "date"},
            "TOTAL": {"type": "currency"},
        },
    },
    {
        "system": "intacct",
        "object": "SODOCUMENTENTRY",
        "label": "Sales transaction line",
        "parent": {"object": "SODOCUMENT", "field": "DOCHDRNO"},
        "fields": {
            "RECORDNO": {"type": "integer", "readonly": True},
            "DOCHDRNO": {"type": "integer"},
            "LINE_NO": {"type": "integer"},
            "ITEMID": {"type": "string"},
            "QUANTITY": {"type": "decimal"},
        },
    },
]


@pytest.fixture
def oe_wire(tmp_path: Path, clock: Clock) -> Iterator[Wire]:
    catalogs = dict(load_catalogs().intacct)
    catalogs.update({d["object"]: object_from_json(d) for d in OE_CATALOGS})
    with IntacctSandbox(tmp_path / "oe.db", catalogs=catalogs, clock=clock) as sandbox:
        _seed(sandbox)
        with httpx.Client() as client:
            yield Wire(sandbox, client)


def test_read_nests_owned_lines_and_generic_create_is_refused(oe_wire: Wire) -> None:
    oe_wire.one(ORDER.format(docno=""))
    record = oe_wire.one(
        "<readByName><object>SODOCUMENT</object><keys>Sales Order-SO0001</keys>"
        "<docparid>Sales Order</docparid></readByName>"
    ).find("data/SODOCUMENT")
    assert record is not None
    assert record.findtext("WHENCREATED") == "03/08/2026"
    lines = record.findall("SODOCUMENTENTRIES/sodocumententry")
    assert [line.findtext("LINE_NO") for line in lines] == ["0", "1"]
    assert lines[1].findtext("QUANTITY") == "3"
    rbq = oe_wire.one(
        "<readByQuery><object>SODOCUMENT</object><query/><docparid>Sales Quote"
        "</docparid></readByQuery>"
    )
    data = rbq.find("data")
    assert data is not None and data.get("count") == "0"
    refused = oe_wire.one("<create><SODOCUMENT><DOCID>x</DOCID></SODOCUMENT></create>")
    assert "create_sotransaction" in (refused.findtext(".//description2") or "")


def test_lookup_from_catalog(wire: Wire) -> None:
    result = wire.one("<lookup><object>CUSTOMER</object></lookup>")
    kind = result.find("data/Type")
    assert kind is not None and kind.get("Name") == "CUSTOMER"
    fields = {f.findtext("ID"): f for f in kind.findall("Fields/Field")}
    assert fields["NAME"].findtext("REQUIRED") == "true"
    assert fields["STATUS"].findtext("DATATYPE") == "ENUM"
    assert [v.text for v in fields["STATUS"].findall("VALIDVALUES/VALIDVALUE")] == [
        "active",
        "inactive",
    ]
    targets = [r.findtext("OBJECTNAME") for r in kind.findall("Relationships/Relationship")]
    assert "ARTERM" in targets
    assert errornos(wire.one("<lookup><object>NOPE</object></lookup>")) == ["Query Failed"]


def test_inspect_list_and_detail(wire: Wire) -> None:
    everything = wire.one("<inspect><object>*</object></inspect>")
    names = [t.get("typename") for t in everything.findall("data/type")]
    assert {"CUSTOMER", "ITEM"} <= set(names)
    detail = wire.one('<inspect detail="1"><object>ITEM</object></inspect>')
    kind = detail.find("data/Type")
    assert kind is not None
    assert kind.findtext("Attributes/SingularName") == "Item"
    item_type = [f for f in kind.findall("Fields/Field") if f.findtext("Name") == "ITEMTYPE"]
    assert item_type[0].findtext("isRequired") == "true"
    brief = wire.one("<inspect><object>ITEM</object></inspect>")
    assert "ITEMID" in [f.text for f in brief.findall("data/Type/Fields/Field")]
    by_label = wire.one("<inspect><name>Customer</name></inspect>")
    assert by_label.find("data/Type") is not None
    assert by_label.xpath("string(data/Type/@Name)") == "CUSTOMER"


def test_shipped_oe_catalogs_read_what_legacy_functions_wrote(
    wire: Wire, sandbox: IntacctSandbox
) -> None:
    _seed(sandbox)
    wire.one(ORDER.format(docno=""))
    found = wire.one(
        "<readByQuery><object>SODOCUMENT</object><fields>DOCID,STATE,TOTAL</fields>"
        "<query>STATE = 'S'</query><docparid>Sales Order</docparid></readByQuery>"
    )
    assert [r.findtext("DOCID") for r in found.findall("data/sodocument")] == ["Sales Order-SO0001"]
    record = wire.one(
        "<readByName><object>SODOCUMENT</object><keys>Sales Order-SO0001</keys></readByName>"
    ).find("data/SODOCUMENT")
    assert record is not None
    assert record.findtext("TERM/NAME") == "Net 30"
    items = [
        line.findtext("ITEMID") for line in record.findall("SODOCUMENTENTRIES/sodocumententry")
    ]
    assert items == ["I1", "I2"]


def test_legacy_values_are_checked(wire: Wire, sandbox: IntacctSandbox) -> None:
    _seed(sandbox)
    result = wire.one(
        ORDER.format(docno="").replace("<state>Pending</state>", "<state>Lost</state>")
    )
    assert result.findtext("status") == "failure"
    assert errornos(result)[0] == "BL01001973"
    assert sandbox.store.count("SODOCUMENT") == 0
