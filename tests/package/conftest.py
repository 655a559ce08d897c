"""The package generated once from the shipped rules, and the tools to read it back."""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from mapsync.cli import main
from mapsync.engine.resources import rules_dir

MD = "http://soap.sforce.com/2006/04/metadata"
XSD = "http://www.w3.org/2001/XMLSchema"
ROOT_TYPES = ("CustomField", "CustomObject", "CustomObjectTranslation", "CustomFieldTranslation",
              "Translations", "QuickAction", "CustomLabels", "Package", "Workflow", "Flow",
              "PermissionSet")


def safe_parser() -> etree.XMLParser:
    """The house parser: no entities, no network, no DTD."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False)


def parse(data: bytes) -> etree._Element:
    """Parse one generated file; a DOCTYPE or entity fails the test."""
    tree = etree.fromstring(data, safe_parser()).getroottree()
    assert tree.docinfo.doctype == ""
    root: etree._Element = tree.getroot()
    return root


def generate(out: Path, *args: str) -> int:
    """Run `mapsync package` on the shipped rules into `out`."""
    return main(["package", str(rules_dir()), "-o", str(out), *args])


def read_tree(out: Path) -> dict[str, bytes]:
    """Every file under `out`, by `/`-separated relative path."""
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def source_package(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("package") / "source"
    assert generate(out) == 0
    return read_tree(out)


@pytest.fixture(scope="session")
def mdapi_package(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("package") / "mdapi"
    assert generate(out, "--format", "mdapi") == 0
    return read_tree(out)


@pytest.fixture(scope="session")
def plan() -> dict[str, Any]:
    from mapsync.engine.commands._context import load_plan

    return load_plan(rules_dir()).to_dict()  # the test reads the JSON form on its own


@pytest.fixture(scope="session")
def metadata_schema() -> etree.XMLSchema:
    """The Metadata API schema from the WSDL simple-salesforce ships (not copied into the
    repository: it is Salesforce's), with a global element for each root type we write."""
    wsdl = importlib.resources.files("simple_salesforce") / "metadata.wsdl"
    if not wsdl.is_file():
        pytest.skip("simple_salesforce ships no metadata.wsdl")
    tree = etree.fromstring(wsdl.read_bytes(), safe_parser())
    source = next(s for s in tree.iter(f"{{{XSD}}}schema") if s.get("targetNamespace") == MD)
    schema = etree.Element(f"{{{XSD}}}schema", nsmap={"xsd": XSD, "tns": MD})
    for key, value in source.attrib.items():
        schema.set(key, value)
    for child in source:
        schema.append(child)
    for name in ROOT_TYPES:
        etree.SubElement(schema, f"{{{XSD}}}element", name=name, type=f"tns:{name}")
    return etree.XMLSchema(schema)
