"""Naming and labelling conventions of the catalogs the standard rules rely on."""

from __future__ import annotations

import pytest

from mapsync.engine.catalog import Catalogs, load_catalogs
from mapsync.engine.plan import Plan

LANGUAGES = {"en_US", "fr", "de", "es"}
SYNC_FIELDS = ("Intacct_Sync_Status__c", "Intacct_Last_Sync__c", "Intacct_Sync_Error__c")
SYNCED_STANDARD = ("Account", "Contact", "Product2", "Pricebook2", "PricebookEntry")
SALESFORCE = sorted(load_catalogs().salesforce)
INTACCT = sorted(load_catalogs().intacct)


@pytest.mark.parametrize("name", SYNCED_STANDARD)
def test_synced_standard_objects_carry_the_intacct_fields(name: str,
                                                           catalogs: Catalogs) -> None:
    info = catalogs.salesforce[name]
    key = info.fields["Intacct_ID__c"]
    assert key.external_id and key.unique and key.type == "string"
    assert "Intacct_Record_No__c" in info.fields
    assert all(field in info.fields for field in SYNC_FIELDS)


@pytest.mark.parametrize("name", SALESFORCE)
def test_salesforce_objects(name: str, catalogs: Catalogs) -> None:
    info = catalogs.salesforce[name]
    assert (info.record_id, info.modified_field) == ("Id", "SystemModstamp")
    assert info.key in info.fields and info.name_field in info.fields
    for system_field in ("Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp"):
        assert info.fields[system_field].readonly, system_field
    custom_fields = [f for n, f in info.fields.items() if n.endswith("__c")]
    assert all(set(f.labels) == LANGUAGES for f in custom_fields)
    for field in custom_fields:
        assert all(t in catalogs.salesforce for t in field.references), field.name
    if info.custom:
        assert name.startswith("Intacct_") and name.endswith("__c")
        assert set(info.labels) == LANGUAGES == set(info.plural_labels)
        assert info.fields["Intacct_ID__c"].external_id


@pytest.mark.parametrize("name", INTACCT)
def test_intacct_objects(name: str, catalogs: Catalogs) -> None:
    info = catalogs.intacct[name]
    assert (info.record_id, info.modified_field) == ("RECORDNO", "WHENMODIFIED")
    assert {"RECORDNO", "WHENCREATED", "WHENMODIFIED"} <= set(info.fields)
    assert info.key in info.fields and info.name_field in info.fields
    for field in info.fields.values():
        assert all(t in catalogs.intacct for t in field.references), field.name
        assert set(field.query_codes) <= set(field.values), field.name
    if info.parent is not None:
        assert info.parent["object"] in catalogs.intacct
        assert info.parent["field"] in info.fields


def test_legacy_writes_are_named(catalogs: Catalogs) -> None:
    writes = {name: dict(info.write_functions) for name, info in catalogs.intacct.items()}
    assert writes["SODOCUMENT"]["create"] == "create_sotransaction"
    assert writes["SODOCUMENT"]["update"] == "update_sotransaction"
    assert writes["ARTERM"]["create"] == "create_arterm"
    assert writes["SOPRICELIST"]["create"] == "create_sopricelist"
    assert writes["TERRITORY"]["create"] == "create_territory"


def test_item_type_query_codes(catalogs: Catalogs) -> None:
    itemtype = catalogs.intacct["ITEM"].fields["ITEMTYPE"]
    assert itemtype.query_codes["Inventory"] == "I"
    assert itemtype.query_codes["Stockable Kit"] == "SK"
    assert catalogs.intacct["CUSTOMER"].fields["STATUS"].query_codes["active"] == "T"


def test_every_salesforce_object_a_rule_writes_exists_with_its_labels(plan: Plan,
                                                                       catalogs: Catalogs) -> None:
    for mapping in plan.mappings:
        assert set(mapping.labels) == LANGUAGES, mapping.name
        assert mapping.salesforce["object"] in catalogs.salesforce
