"""Every shipped catalog document is valid against schemas/catalog.schema.json."""

import pytest

from mapsync.engine.catalog import iter_catalog_documents, load_catalogs, validate_document

DOCUMENTS = list(iter_catalog_documents())


@pytest.mark.parametrize(("path", "data"), DOCUMENTS, ids=[p for p, _ in DOCUMENTS])
def test_catalog_document_is_valid(path: str, data: dict) -> None:
    validate_document(path, data)


def test_catalog_file_name_matches_object() -> None:
    for path, data in DOCUMENTS:
        assert path.endswith(f"/{data['system']}/{data['object']}.json")


def test_catalogs_load_both_systems() -> None:
    catalogs = load_catalogs()
    assert catalogs.get("intacct", "CUSTOMER") is not None
    assert catalogs.get("salesforce", "Account") is not None
    assert "NAME" in catalogs.intacct["CUSTOMER"].required_fields()


def test_salesforce_field_labels_fit_salesforce_limit() -> None:
    # Salesforce refuses field labels (and their translations) over 40 characters.
    too_long = [
        (data["object"], name, lang, label)
        for _, data in DOCUMENTS
        if data["system"] == "salesforce"
        for name, field in data["fields"].items()
        for lang, label in {"": field.get("label", ""), **field.get("labels", {})}.items()
        if len(label) > 40
    ]
    assert too_long == []
