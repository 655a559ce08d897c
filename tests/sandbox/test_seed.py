"""The demo seed: exact counts, determinism, catalog field names, and referential consistency."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mapsync.engine.catalog import load_catalogs
from mapsync.engine.sandbox.demo import (
    BATCH_SIZE,
    DemoData,
    Ref,
    SeedReport,
    combination,
    link_kind,
    seed_stores,
)
from mapsync.engine.sandbox.intacct.store import IntacctStore
from mapsync.engine.sandbox.salesforce import Store

RECORDS = 20


@pytest.fixture(scope="module")
def seeded(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[IntacctStore, Store, SeedReport]]:
    folder: Path = tmp_path_factory.mktemp("seed")
    intacct = IntacctStore(folder / "intacct.db")
    salesforce = Store(folder / "salesforce.db")
    report = seed_stores(intacct, salesforce, records=RECORDS)
    yield intacct, salesforce, report
    intacct.close()
    salesforce.close()


def test_counts_are_exact(seeded: tuple[IntacctStore, Store, SeedReport]) -> None:
    intacct, salesforce, report = seeded
    expected = DemoData(RECORDS).counts()
    assert intacct.objects() == expected["intacct"] == dict(report.intacct)
    actual_sf = {name: len(salesforce.list(name)) for name in expected["salesforce"]}
    assert actual_sf == expected["salesforce"] == dict(report.salesforce)
    assert expected["intacct"]["CUSTOMER"] == RECORDS


def test_every_managed_list_is_seeded(seeded: tuple[IntacctStore, Store, SeedReport]) -> None:
    intacct, _salesforce, _report = seeded
    managed = ("ARTERM", "CONTRACTBILLINGTEMPLATE", "CLASS", "DEPARTMENT", "EMPLOYEE",
               "LOCATIONENTITY", "LOCATION", "EXCHANGERATETYPES", "PROJECTSTATUS",
               "PROJECTTYPE", "RENEWALMACRO", "TERRITORY", "CUSTTYPE")
    counts = intacct.objects()
    assert all(counts.get(name, 0) >= 2 for name in managed), counts


def test_generation_is_deterministic_and_seed_dependent() -> None:
    first = [b.records for b in DemoData(12).intacct()]
    again = [b.records for b in DemoData(12).intacct()]
    other = [b.records for b in DemoData(12, seed=7).intacct()]
    assert first == again
    assert first != other


# Fields the gateway stores beyond the catalog: lines carry their header's DOCPARID (as
# create_sotransaction writes them), which `docparid` reads of SODOCUMENTENTRY filter on.
PROTOCOL_FIELDS = {"SODOCUMENTENTRY": {"DOCPARID"}}


def test_records_use_catalog_field_names() -> None:
    catalogs = load_catalogs()
    data = DemoData(RECORDS)
    for batch in [*data.intacct(), *data.salesforce()]:
        info = catalogs.get(batch.system, batch.object)
        assert info is not None, batch.object
        if batch.system == "salesforce":
            known = {n.lower() for n in info.fields} | {"isstandard"}
            unknown = {k for r in batch.records for k in r if k.lower() not in known}
        else:
            extra = PROTOCOL_FIELDS.get(batch.object, set())
            unknown = {k for r in batch.records for k in r if k not in info.fields} - extra
        assert not unknown, (batch.object, unknown)


def _key_values(intacct: IntacctStore, obj: str) -> set[str]:
    info = load_catalogs().intacct[obj]
    key = info.key or "RECORDNO"
    return {r.get(key, "") for r in intacct.list(obj)}


def test_intacct_references_name_existing_records(
    seeded: tuple[IntacctStore, Store, SeedReport],
) -> None:
    intacct, _salesforce, _report = seeded
    catalogs = load_catalogs().intacct
    checked = 0
    for obj, info in catalogs.items():
        rows = intacct.list(obj)
        for name, spec in info.fields.items():
            targets = [t for t in spec.references if t in catalogs]
            if not targets:
                continue
            keys = set().union(*(_key_values(intacct, t) for t in targets))
            values = {r[name] for r in rows if r.get(name)}
            assert values <= keys, (obj, name, sorted(values - keys)[:5])
            checked += len(values)
    assert checked > 200


def test_intacct_relationships_the_rules_rely_on(
    seeded: tuple[IntacctStore, Store, SeedReport],
) -> None:
    intacct, _salesforce, _report = seeded
    customers = {r["CUSTOMERID"]: r for r in intacct.list("CUSTOMER")}
    contacts = {r["CONTACTNAME"]: r for r in intacct.list("CONTACT")}
    for customer in customers.values():
        display = contacts[customer["DISPLAYCONTACT.CONTACTNAME"]]
        assert display["COMPANYNAME"] == customer["NAME"]
    lines = intacct.list("SODOCUMENTENTRY")
    headers = {r["RECORDNO"]: r for r in intacct.list("SODOCUMENT")}
    assert {r["DOCPARID"] for r in headers.values()} == {
        "Sales Quote", "Sales Order", "Sales Invoice", "Other: Sales"
    }
    for line in lines:
        assert headers[line["DOCHDRNO"]]["DOCID"] == line["DOCHDRID"]
    for header in headers.values():
        own = [ln for ln in lines if ln["DOCHDRID"] == header["DOCID"]]
        total = sum(float(ln["UIVALUE"]) for ln in own)
        assert float(header["TOTAL"]) == pytest.approx(total, abs=0.011)
        assert sorted(int(ln["LINE_NO"]) for ln in own) == list(range(len(own)))
    converted = [h for h in headers.values() if h.get("CREATEDFROM")]
    docids = {h["DOCID"]: h for h in headers.values()}
    assert converted
    for document in converted:
        assert docids[document["CREATEDFROM"]]["CUSTVENDID"] == document["CUSTVENDID"]


def test_salesforce_accounts_are_linked_matched_or_new(
    seeded: tuple[IntacctStore, Store, SeedReport],
) -> None:
    intacct, salesforce, _report = seeded
    customers = {r["CUSTOMERID"]: r for r in intacct.list("CUSTOMER")}
    names = {r["NAME"]: r["CUSTOMERID"] for r in customers.values()}
    accounts = salesforce.list("Account")
    linked = [a for a in accounts if a["Intacct_ID__c"]]
    unlinked = [a for a in accounts if not a["Intacct_ID__c"]]
    matched = [a for a in unlinked if a["Name"] in names]
    new = [a for a in unlinked if a["Name"] not in names]
    assert len(linked) == sum(link_kind(i) == "linked" for i in range(1, RECORDS + 1)) == 12
    assert len(matched) == 4 and len(new) == RECORDS // 5
    for account in linked:
        customer = customers[account["Intacct_ID__c"]]
        assert account["Name"] == customer["NAME"]
        assert str(account["Intacct_Record_No__c"]) == customer["RECORDNO"]
        term = salesforce.get("Intacct_AR_Term__c", account["Intacct_Payment_Term__c"])
        assert term is not None and term["Name"] == customer["TERMNAME"]
    assert all(a["Type"] == "Prospect" for a in new)
    only_intacct = set(customers) - {a["Intacct_ID__c"] for a in linked} - {
        names[a["Name"]] for a in matched
    }
    assert len(only_intacct) == 4


def test_salesforce_contacts_products_and_opportunities(
    seeded: tuple[IntacctStore, Store, SeedReport],
) -> None:
    intacct, salesforce, _report = seeded
    contact_names = {r["CONTACTNAME"] for r in intacct.list("CONTACT")}
    linked = [c for c in salesforce.list("Contact") if c["Intacct_ID__c"]]
    assert linked and all(c["Intacct_ID__c"] in contact_names for c in linked)
    items = {r["ITEMID"] for r in intacct.list("ITEM")}
    products = salesforce.list("Product2")
    codes = {p["ProductCode"] for p in products}
    assert codes & items and codes - items and items - codes
    assert all(p["ProductCode"] in items for p in products if p["Intacct_ID__c"])
    standard = salesforce.query(
        "SELECT Id, Intacct_ID__c FROM Pricebook2 WHERE IsStandard = true"
    )
    assert standard.total == 1 and standard.records[0]["Intacct_ID__c"] == "Base Price List"
    base = {r["RECORDNO"]: r["ITEMID"] for r in intacct.list("SOPRICELISTENTRY")
            if r["PRICELISTID"] == "Base Price List"}
    entries = salesforce.query(
        "SELECT Intacct_ID__c, Product2.ProductCode, Product2.Intacct_ID__c FROM PricebookEntry"
    ).records
    for entry in entries:
        product = entry["Product2"]
        if product["Intacct_ID__c"]:  # linked product: its entry is the Base Price List's
            assert base[entry["Intacct_ID__c"]] == product["ProductCode"]
        else:  # a product only Salesforce has
            assert entry["Intacct_ID__c"] is None and product["ProductCode"] not in items
    result = salesforce.query(
        "SELECT Opportunity.AccountId, PricebookEntry.Product2.ProductCode FROM OpportunityLineItem"
    )
    assert result.total == DemoData(RECORDS).counts()["salesforce"]["OpportunityLineItem"]
    for line in result.records:
        assert line["PricebookEntry"]["Product2"]["ProductCode"] in items


def test_records_that_point_at_customers_resolve_in_salesforce(
    seeded: tuple[IntacctStore, Store, SeedReport],
) -> None:
    intacct, salesforce, _report = seeded
    accounts = {a["Intacct_ID__c"] for a in salesforce.list("Account") if a["Intacct_ID__c"]}
    contacts = {c["Intacct_ID__c"] for c in salesforce.list("Contact") if c["Intacct_ID__c"]}
    owners = [r["CUSTOMERID"] for obj in ("PROJECT", "CONTRACT") for r in intacct.list(obj)
              if r.get("CUSTOMERID")]
    owners += [r["CUSTVENDID"] for r in intacct.list("SODOCUMENT")]
    assert owners and set(owners) <= accounts
    bill_to = {r["BILLTO.CONTACTNAME"] for r in intacct.list("SODOCUMENT")}
    bill_to |= {r["BILLTOCONTACTNAME"] for r in intacct.list("CONTRACT")}
    assert bill_to <= contacts
    intacct_contacts = {r["CONTACTNAME"] for r in intacct.list("CONTACT")}
    unlinked = [c for c in salesforce.list("Contact") if not c["Intacct_ID__c"]]
    assert unlinked and not {c["Name"] for c in unlinked} & intacct_contacts


def test_names_stay_unique_at_scale() -> None:
    data = DemoData(4000)
    names = [data.core.company(i).name for i in range(1, 4000 + data.core.prospects + 1)]
    assert len(set(names)) == len(names)
    contacts = [c["CONTACTNAME"] for i in range(1, 600)
                for c in data.customers.customer_contacts(data.core.company(i))]
    assert len(set(contacts)) == len(contacts)


def test_one_independent_generator_per_domain() -> None:
    data = DemoData(RECORDS)
    generators = {
        data.lists: {"ARTERM", "CONTRACTBILLINGTEMPLATE", "CLASS", "DEPARTMENT", "LOCATIONENTITY",
                     "LOCATION", "EXCHANGERATETYPES", "PROJECTSTATUS", "PROJECTTYPE",
                     "RENEWALMACRO", "TERRITORY", "CUSTTYPE", "CONTACT", "EMPLOYEE"},
        data.customers: {"CUSTOMER", "CONTACT"},
        data.items: {"ITEM", "SOPRICELIST", "SOPRICELISTENTRY", "CONTRACTPRICELIST",
                     "CONTRACTITEMPRICELIST", "CONTRACTITEMPRICELISTENTRY"},
        data.projects: {"PROJECT", "TASK"},
        data.contracts: {"CONTRACT", "CONTRACTDETAIL"},
        data.documents: {"SODOCUMENT", "SODOCUMENTENTRY"},
    }
    together: list[object] = []
    for generator, objects in generators.items():
        assert type(generator).__bases__ == (object,)  # composed, not a chain of subclasses
        batches = list(generator.intacct())  # type: ignore[attr-defined]
        assert {b.object for b in batches} == objects
        together += [b.records for b in batches]
    assert together == [b.records for b in data.intacct()]


def test_combination_is_one_to_one() -> None:
    sizes = (4, 12, 12)
    seen = {combination(n, sizes)[0] for n in range(4 * 12 * 12)}
    assert len(seen) == 4 * 12 * 12
    assert combination(4 * 12 * 12 + 3, sizes)[1] == 1


def test_large_sizes_stream_in_bounded_batches() -> None:
    data = DemoData(100_000)
    batches = data.intacct()
    sizes = []
    for batch in batches:
        sizes.append(len(batch.records))
        if batch.object == "CONTACT" and len(sizes) > 16:
            break
    assert max(sizes) <= BATCH_SIZE
    assert data.core.items == 25_000 and data.core.documents("Sales Invoice") == 100_000


def test_lines_refer_to_their_header_by_ref() -> None:
    header, lines = DemoData(RECORDS).documents.document("Sales Order", "SO", 3)
    assert header["DOCID"] == "Sales Order-SO0003"
    assert all(line["DOCHDRNO"] == Ref("intacct", "SODOCUMENT", "Sales Order-SO0003")
               for line in lines)


def test_profiles(tmp_path: Path) -> None:
    intacct = IntacctStore(tmp_path / "intacct.db")
    try:
        assert seed_stores(intacct, None, records=5, profile="none").intacct == {}
        with pytest.raises(ValueError, match="unknown seed profile"):
            seed_stores(intacct, None, records=5, profile="huge")
        assert intacct.objects() == {}
    finally:
        intacct.close()
