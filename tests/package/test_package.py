"""`mapsync package` on the shipped rules: every file parses back safely, validates against
the Metadata API schema, holds what the plan needs, and is listed in package.xml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.package.conftest import MD, generate, parse, read_tree

SRC = "force-app/main/default"
LANGUAGES = ("de", "es", "fr")


def _q(tag: str) -> str:
    return f"{{{MD}}}{tag}"


def _texts(root: etree._Element, path: str) -> list[str]:
    return [str(e.text) for e in root.iterfind(path, {"m": MD})]


def _plan_custom_fields(plan: dict[str, Any]) -> set[str]:
    """`Object.Field__c` for every custom field a rule, key, parent or result names."""
    found: set[str] = set()
    for mapping in plan["mappings"]:
        blocks = [(mapping["salesforce"], mapping), *((line["salesforce"], line)
                                                      for line in mapping["lines"])]
        for side, block in blocks:
            names = [side.get("key"), side.get("parent"), mapping.get("result")
                     if block is mapping else None]
            for rule in block["fields"]:
                value = rule["salesforce"]
                names.extend([value] if isinstance(value, str) else value or [])
            found |= {f"{side['object']}.{n}" for n in names if n and n.endswith("__c")}
    return found


def _plan_custom_objects(plan: dict[str, Any]) -> set[str]:
    objects = {m["salesforce"]["object"] for m in plan["mappings"]}
    objects |= {line["salesforce"]["object"] for m in plan["mappings"] for line in m["lines"]}
    return {o for o in objects if o.endswith("__c")}


def _manifest(files: dict[str, bytes], path: str) -> dict[str, list[str]]:
    root = parse(files[path])
    assert _texts(root, "m:version") == ["59.0"]
    return {str(t.findtext(_q("name"))): _texts(t, "m:members") for t in root.iter(_q("types"))}


def test_every_file_parses_and_validates(source_package: dict[str, bytes],
                                         mdapi_package: dict[str, bytes],
                                         metadata_schema: etree.XMLSchema) -> None:
    for files in (source_package, mdapi_package):
        for path, data in files.items():
            if path.endswith(".json"):
                continue
            root = parse(data)
            assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n"), path
            assert etree.QName(root).namespace == MD, path
            assert metadata_schema.validate(root), (path, metadata_schema.error_log)


def test_schema_rejects_elements_out_of_order(source_package: dict[str, bytes],
                                              metadata_schema: etree.XMLSchema) -> None:
    root = parse(source_package[f"{SRC}/objects/Account/fields/Intacct_ID__c.field-meta.xml"])
    label = root.find(_q("label"))
    assert label is not None
    root.remove(label)
    root.append(label)  # after <unique>: the WSDL sequence puts it before <length>
    assert not metadata_schema.validate(root)


def test_every_custom_object_and_field_the_plan_uses(plan: dict[str, Any],
                                                      source_package: dict[str, bytes]) -> None:
    for name in _plan_custom_fields(plan) | {"Opportunity.Intacct_Create_Sales_Order__c"}:
        obj, field = name.split(".")
        root = parse(source_package[f"{SRC}/objects/{obj}/fields/{field}.field-meta.xml"])
        assert root.findtext(_q("fullName")) == field
    for obj in _plan_custom_objects(plan):
        root = parse(source_package[f"{SRC}/objects/{obj}/{obj}.object-meta.xml"])
        assert root.findtext(_q("deploymentStatus")) == "Deployed"
        assert root.findtext(_q("nameField") + "/" + _q("type")) == "Text"


def test_managed_lists_are_read_only(source_package: dict[str, bytes]) -> None:
    term = parse(source_package[f"{SRC}/objects/Intacct_AR_Term__c/"
                                "Intacct_AR_Term__c.object-meta.xml"])
    assert term.findtext(_q("sharingModel")) == "Read"
    assert "Read-only managed list" in str(term.findtext(_q("description")))
    project = parse(source_package[f"{SRC}/objects/Intacct_Project__c/"
                                   "Intacct_Project__c.object-meta.xml"])
    assert project.findtext(_q("sharingModel")) == "ReadWrite"
    assert "Read-only" not in str(project.findtext(_q("description")) or "")


@pytest.mark.parametrize(("path", "expected"), [
    ("Account/fields/Intacct_ID__c", {"type": "Text", "length": "20", "externalId": "true",
                                      "unique": "true"}),
    ("Account/fields/Intacct_Sync_Error__c", {"type": "LongTextArea", "length": "32000"}),
    ("Account/fields/Intacct_Record_No__c", {"type": "Number", "precision": "18", "scale": "0"}),
    ("Intacct_AR_Term__c/fields/Discount_Amount__c", {"type": "Number", "precision": "18",
                                                      "scale": "2"}),
    ("Opportunity/fields/Intacct_Create_Sales_Order__c", {"type": "Checkbox",
                                                          "defaultValue": "false"}),
    ("Intacct_AR_Term__c/fields/Active__c", {"type": "Checkbox", "defaultValue": "true"}),
    ("Account/fields/Intacct_Payment_Term__c", {"type": "Lookup",
                                                "referenceTo": "Intacct_AR_Term__c",
                                                "relationshipName": "Account_Payment_Term"}),
    ("Intacct_AR_Term__c/fields/Due_From__c", {"type": "Picklist"}),
])
def test_field_types(source_package: dict[str, bytes], path: str,
                     expected: dict[str, str]) -> None:
    root = parse(source_package[f"{SRC}/objects/{path}.field-meta.xml"])
    assert {tag: root.findtext(_q(tag)) for tag in expected} == expected


def test_picklist_values_in_catalog_order(source_package: dict[str, bytes]) -> None:
    root = parse(source_package[f"{SRC}/objects/Intacct_AR_Term__c/fields/"
                                "Discount_Type__c.field-meta.xml"])
    assert _texts(root, "m:valueSet/m:valueSetDefinition/m:value/m:fullName") == ["$", "%"]
    assert _texts(root, "m:valueSet/m:restricted") == ["true"]


def test_lookup_relationship_names_are_unique_per_parent(
        source_package: dict[str, bytes]) -> None:
    seen: dict[tuple[str, str], str] = {}
    for path, data in source_package.items():
        if path.endswith(".field-meta.xml"):
            root = parse(data)
            if root.findtext(_q("type")) == "Lookup":
                key = (str(root.findtext(_q("referenceTo"))),
                       str(root.findtext(_q("relationshipName"))))
                assert key not in seen, (path, seen.get(key))
                seen[key] = path


def test_translations_for_every_declared_language(source_package: dict[str, bytes]) -> None:
    for language in LANGUAGES:
        assert f"{SRC}/translations/{language}.translation-meta.xml" in source_package
        assert (f"{SRC}/objectTranslations/Intacct_AR_Term__c-{language}/"
                f"Intacct_AR_Term__c-{language}.objectTranslation-meta.xml") in source_package
    assert not any("-en_US" in p or "en_US.translation" in p for p in source_package)


def test_french_labels(source_package: dict[str, bytes]) -> None:
    base = f"{SRC}/objectTranslations"
    opportunity = parse(source_package[f"{base}/Opportunity-fr/"
                                       "Opportunity-fr.objectTranslation-meta.xml"])
    assert _texts(opportunity, "m:quickActions/m:label") == ["Créer une commande de vente"]
    assert _texts(opportunity, "m:quickActions/m:name") == ["Create_Sales_Order"]
    translations = parse(source_package[f"{SRC}/translations/fr.translation-meta.xml"])
    assert _texts(translations, "m:customLabels/m:label") == ["Créer une commande de vente"]
    term = parse(source_package[f"{base}/Intacct_AR_Term__c-fr/"
                                "Intacct_AR_Term__c-fr.objectTranslation-meta.xml"])
    assert _texts(term, "m:caseValues[m:plural='true']/m:value") == [
        "Conditions de paiement des CC"]
    field = parse(source_package[f"{base}/Account-fr/Intacct_ID__c.fieldTranslation-meta.xml"])
    assert [field.findtext(_q("label")), field.findtext(_q("name"))] == [
        "ID Intacct", "Intacct_ID__c"]


def test_rule_labels_override_catalog_labels(source_package: dict[str, bytes]) -> None:
    root = parse(source_package[f"{SRC}/objects/Intacct_AR_Term__c/"
                                "Intacct_AR_Term__c.object-meta.xml"])
    assert root.findtext(_q("pluralLabel")) == "AR Payment Terms"  # the ARTerm mapping's label


def test_package_xml_lists_exactly_the_files(source_package: dict[str, bytes]) -> None:
    manifest = _manifest(source_package, "manifest/package.xml")
    found: dict[str, set[str]] = {}
    for path, data in source_package.items():
        for kind, member in _members_of_source_path(path, data):
            found.setdefault(kind, set()).add(member)
    assert {k: set(v) for k, v in manifest.items()} == found
    assert all(v == sorted(v) for v in manifest.values())
    assert list(manifest) == sorted(manifest)


def _members_of_source_path(path: str, data: bytes) -> list[tuple[str, str]]:
    parts = path.removeprefix(f"{SRC}/").split("/")
    name = parts[-1].split(".")[0]
    if parts[0] == "objects" and parts[-1].endswith(".object-meta.xml"):
        return [("CustomObject", name)]
    if parts[0] == "objects":
        return [("CustomField", f"{parts[1]}.{name}")]
    if parts[0] == "objectTranslations" and parts[-1].endswith(".objectTranslation-meta.xml"):
        return [("CustomObjectTranslation", name)]
    if parts[0] == "quickActions":
        return [("QuickAction", parts[-1].removesuffix(".quickAction-meta.xml"))]
    if parts[0] == "translations":
        return [("Translations", name)]
    if parts[0] == "labels":
        return [("CustomLabel", n) for n in _texts(parse(data), "m:labels/m:fullName")]
    kinds = {"permissionsets": "PermissionSet", "flows": "Flow", "workflows": "Workflow"}
    return [(kinds[parts[0]], name)] if parts[0] in kinds else []


def test_mdapi_package_xml_matches_source(source_package: dict[str, bytes],
                                          mdapi_package: dict[str, bytes]) -> None:
    assert (_manifest(source_package, "manifest/package.xml")
            == _manifest(mdapi_package, "package.xml"))
    account = parse(mdapi_package["objects/Account.object"])
    assert "Intacct_ID__c" in _texts(account, "m:fields/m:fullName")
    assert account.find(_q("label")) is None  # a standard object: fields only
    translation = parse(mdapi_package["objectTranslations/Account-fr.objectTranslation"])
    assert "ID Intacct" in _texts(translation, "m:fields/m:label")


@pytest.mark.parametrize("fmt", ["source", "mdapi"])
def test_output_is_byte_identical_across_runs(tmp_path: Path, fmt: str) -> None:
    assert generate(tmp_path / "one", "--format", fmt) == 0
    assert generate(tmp_path / "two", "--format", fmt) == 0
    assert read_tree(tmp_path / "one") == read_tree(tmp_path / "two")


def test_every_mdapi_object_file_is_in_the_manifest(mdapi_package: dict[str, bytes]) -> None:
    manifest = parse(mdapi_package["package.xml"])
    members = {(t.findtext(f"{{{MD}}}name"), m.text) for t in manifest.iter(f"{{{MD}}}types")
               for m in t.iter(f"{{{MD}}}members")}
    objects = [p.removeprefix("objects/").removesuffix(".object")
               for p in mdapi_package if p.startswith("objects/")]
    assert "OpportunityLineItem" not in objects  # the rules add nothing to it
    for name in objects:
        listed = ("CustomObject", name) in members or any(
            kind == "CustomField" and (member or "").startswith(f"{name}.")
            for kind, member in members)
        assert listed, name
