"""The outbound message, the Flow that sends it and the two permission sets: generated from
the shipped rules, valid against the Metadata API schema, listed in package.xml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.package.conftest import MD, generate, parse, read_tree

SRC = "force-app/main/default"
URL = "https://sync.example.com/?token=s3cret"
USER = "integration@example.com"
NS = {"m": MD}


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    out = tmp_path_factory.mktemp("automation")
    trigger = ("--listen-url", URL, "--integration-user", USER)
    assert generate(out / "source", *trigger) == 0
    assert generate(out / "mdapi", "--format", "mdapi", *trigger) == 0
    return {"source": read_tree(out / "source"), "mdapi": read_tree(out / "mdapi")}


def _texts(root: etree._Element, path: str) -> list[str]:
    return [str(e.text) for e in root.iterfind(path, NS)]


def test_every_file_validates(packages: dict[str, dict[str, bytes]],
                              metadata_schema: etree.XMLSchema) -> None:
    for files in packages.values():
        for path, data in files.items():
            if not path.endswith(".json"):
                assert metadata_schema.validate(parse(data)), (path, metadata_schema.error_log)


def test_outbound_message_and_flow(packages: dict[str, dict[str, bytes]]) -> None:
    files = packages["source"]
    workflow = parse(files[f"{SRC}/workflows/Opportunity.workflow-meta.xml"])
    [message] = workflow.findall("m:outboundMessages", NS)
    assert _texts(message, "m:endpointUrl") == [URL]
    assert _texts(message, "m:integrationUser") == [USER]
    assert _texts(message, "m:fields") == ["Id", "Name", "Intacct_Create_Sales_Order__c"]
    flow = parse(files[f"{SRC}/flows/Intacct_Create_Sales_Order.flow-meta.xml"])
    assert _texts(flow, "m:status") == ["Active"]
    assert _texts(flow, "m:start/m:triggerType") == ["RecordAfterSave"]
    assert _texts(flow, "m:start/m:doesRequireRecordChangedToMeetCriteria") == ["true"]
    assert _texts(flow, "m:start/m:filters/m:field") == ["Intacct_Create_Sales_Order__c"]
    assert _texts(flow, "m:actionCalls/m:actionName") == ["Opportunity.Create_Sales_Order"]
    assert _texts(flow, "m:actionCalls/m:actionType") == ["outboundMessage"]
    manifest = parse(files["manifest/package.xml"])
    types = {t.findtext(f"{{{MD}}}name"): _texts(t, "m:members")
             for t in manifest.iter(f"{{{MD}}}types")}
    assert types["Workflow"] == ["Opportunity"]
    assert types["Flow"] == ["Intacct_Create_Sales_Order"]
    assert types["PermissionSet"] == ["Intacct_Integration", "Intacct_Sync_Status"]
    assert "mdapi" in packages and "flows/Intacct_Create_Sales_Order.flow" in packages["mdapi"]


def _access(files: dict[str, bytes], name: str) -> dict[str, tuple[str, str]]:
    root = parse(files[f"{SRC}/permissionsets/{name}.permissionset-meta.xml"])
    return {str(p.findtext(f"{{{MD}}}field")): (str(p.findtext(f"{{{MD}}}editable")),
                                                str(p.findtext(f"{{{MD}}}readable")))
            for p in root.iterfind("m:fieldPermissions", NS)}


def test_integration_user_writes_what_the_rules_write_and_reads_the_rest(
        packages: dict[str, dict[str, bytes]], plan: dict[str, Any]) -> None:
    access = _access(packages["source"], "Intacct_Integration")
    assert access["Account.Intacct_ID__c"] == ("true", "true")  # a key the runner writes
    assert access["Account.Intacct_Sync_Error__c"] == ("true", "true")
    assert access["Opportunity.Intacct_Create_Sales_Order__c"] == ("true", "true")
    assert access["Opportunity.Intacct_Sales_Order_ID__c"] == ("true", "true")
    # Fields the rules only read (Salesforce -> Intacct) are read-only for the integration.
    action = next(m for m in plan["mappings"] if m["kind"] == "action")
    read_only = [f["salesforce"] for f in action["fields"]
                 if f["direction"] == "to_intacct" and isinstance(f["salesforce"], str)
                 and f"Opportunity.{f['salesforce']}" in access]
    assert read_only and all(access[f"Opportunity.{f}"] == ("false", "true") for f in read_only)


def test_end_users_read_the_status_and_press_the_button(
        packages: dict[str, dict[str, bytes]]) -> None:
    access = _access(packages["source"], "Intacct_Sync_Status")
    assert access["Opportunity.Intacct_Create_Sales_Order__c"] == ("true", "true")
    assert access["Account.Intacct_Sync_Error__c"] == ("false", "true")
    assert access["Account.Intacct_Sync_Status__c"] == ("false", "true")
    assert "Account.Intacct_ID__c" not in access


def test_without_a_listen_url_only_the_permission_sets_are_added(
        source_package: dict[str, bytes], tmp_path: Path) -> None:
    assert not any(p.startswith(f"{SRC}/workflows/") or p.startswith(f"{SRC}/flows/")
                   for p in source_package)
    assert f"{SRC}/permissionsets/Intacct_Integration.permissionset-meta.xml" in source_package
    assert generate(tmp_path / "half", "--listen-url", URL) == 2
