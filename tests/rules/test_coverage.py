"""The shipped rules cover every object of the issue's seed list, with the right kinds."""

from __future__ import annotations

import pytest

from mapsync.engine.catalog import Catalogs
from mapsync.engine.plan import Plan, PlanMapping

SYNCED_INTACCT = (
    "CUSTOMER", "CONTACT", "ITEM", "SOPRICELIST", "SOPRICELISTENTRY", "CONTRACTPRICELIST",
    "CONTRACTITEMPRICELIST", "CONTRACTITEMPRICELISTENTRY", "PROJECT", "TASK", "CONTRACT",
    "CONTRACTDETAIL", "SODOCUMENT", "SODOCUMENTENTRY",
)
MANAGED_INTACCT = (
    "ARTERM", "CONTRACTBILLINGTEMPLATE", "CLASS", "DEPARTMENT", "EMPLOYEE", "LOCATIONENTITY",
    "LOCATION", "EXCHANGERATETYPES", "PROJECTSTATUS", "PROJECTTYPE", "RENEWALMACRO",
    "TERRITORY", "CUSTTYPE",
)
SALES_DEFINITIONS = ("Sales Quote", "Sales Order", "Sales Invoice", "Other: Sales")
STANDARD_SALESFORCE = (
    "Account", "Contact", "Product2", "Pricebook2", "PricebookEntry", "Opportunity",
    "OpportunityLineItem",
)
CUSTOM_SALESFORCE = (
    "Intacct_Project__c", "Intacct_Task__c", "Intacct_Contract__c", "Intacct_Contract_Line__c",
    "Intacct_Sales_Quote__c", "Intacct_Sales_Quote_Line__c", "Intacct_Sales_Order__c",
    "Intacct_Sales_Order_Line__c", "Intacct_Sales_Invoice__c", "Intacct_Sales_Invoice_Line__c",
    "Intacct_Other_Sales_Document__c", "Intacct_Other_Sales_Document_Line__c",
)


def _objects(plan: Plan, system: str) -> set[str]:
    found: set[str] = set()
    for mapping in plan.mappings:
        found.add(mapping.intacct["object"] if system == "intacct"
                  else mapping.salesforce["object"])
        for lines in mapping.lines:
            found.add(lines.intacct["object"] if system == "intacct"
                      else lines.salesforce["object"])
    return found


def _by_intacct(plan: Plan, name: str) -> list[PlanMapping]:
    return [m for m in plan.mappings if m.intacct["object"] == name]


@pytest.mark.parametrize("name", SYNCED_INTACCT + MANAGED_INTACCT)
def test_every_seed_intacct_object_has_a_catalog_and_a_mapping(
        name: str, plan: Plan, catalogs: Catalogs) -> None:
    assert catalogs.get("intacct", name) is not None
    assert name in _objects(plan, "intacct")


@pytest.mark.parametrize("name", STANDARD_SALESFORCE + CUSTOM_SALESFORCE)
def test_every_seed_salesforce_object_has_a_catalog_and_a_mapping(
        name: str, plan: Plan, catalogs: Catalogs) -> None:
    assert catalogs.get("salesforce", name) is not None
    assert name in _objects(plan, "salesforce")


@pytest.mark.parametrize("name", MANAGED_INTACCT)
def test_managed_lists_are_managed_into_read_only_objects(
        name: str, plan: Plan, catalogs: Catalogs) -> None:
    mappings = _by_intacct(plan, name)
    assert [m.kind for m in mappings] == ["managed"]
    target = catalogs.get("salesforce", mappings[0].salesforce["object"])
    assert target is not None and target.custom and target.readonly


def test_project_templates_are_a_managed_list_of_filtered_projects(plan: Plan) -> None:
    kinds = {m.kind: m for m in _by_intacct(plan, "PROJECT")}
    assert set(kinds) == {"sync", "managed"}
    assert kinds["managed"].salesforce["object"] == "Intacct_Project_Template__c"
    assert kinds["managed"].intacct["filter"] is not None


@pytest.mark.parametrize("docparid", SALES_DEFINITIONS)
def test_each_sales_definition_syncs_with_its_lines(docparid: str, plan: Plan) -> None:
    found = [m for m in _by_intacct(plan, "SODOCUMENT")
             if m.kind == "sync" and m.intacct["docparid"] == docparid]
    assert len(found) == 1
    assert found[0].create == ("salesforce",)
    assert [lines.intacct["object"] for lines in found[0].lines] == ["SODOCUMENTENTRY"]


def test_directions_follow_the_product(plan: Plan) -> None:
    creates = {m.name: m.create for m in plan.mappings if m.kind == "sync"}
    assert creates["Customer"] == ("intacct",)
    assert creates["Contact"] == ("intacct",)
    assert set(creates["Item"]) == {"intacct", "salesforce"}
    assert set(creates["Project"]) == {"intacct", "salesforce"}
    assert set(creates["Task"]) == {"intacct", "salesforce"}
    for name in ("Contract", "PriceList", "PriceListEntry", "BillingPriceList",
                 "BillingPriceBookEntry", "SalesOrder"):
        assert creates[name] == ("salesforce",), name


def test_create_sales_order_action(plan: Plan) -> None:
    action = plan.mapping("CreateSalesOrder")
    assert action.kind == "action"
    assert action.intacct["function"] == "create_sotransaction"
    assert action.intacct["docparid"] == "Sales Order"
    assert action.salesforce["object"] == "Opportunity"
    customer = next(f for f in action.fields if f.intacct == "CUSTVENDID")
    assert [(s.op, dict(s.args)) for s in customer.transforms] == [
        ("ref", {"mapping": "Customer"})]
    (lines,) = action.lines
    assert lines.salesforce["relationship"] == "OpportunityLineItems"
    item = next(f for f in lines.fields if f.intacct == "ITEMID")
    assert [(s.op, dict(s.args)) for s in item.transforms] == [("ref", {"mapping": "Item"})]


def test_managed_lists_are_written_first(plan: Plan) -> None:
    kinds = [m.kind for m in plan.mappings]
    assert kinds == sorted(kinds, key=["managed", "sync", "action"].index)
