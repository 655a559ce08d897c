"""A test-only catalog document covering every field type, plus the shipped Account."""

from __future__ import annotations

from typing import Any

from mapsync.engine.catalog import ObjectInfo, load_catalogs, object_from_json

GADGET: dict[str, Any] = {
    "system": "salesforce", "object": "Gadget__c", "label": "Gadget", "custom": True,
    "key": "Code__c", "name_field": "Name",
    "fields": {
        "Name": {"type": "string", "length": 80, "required": True},
        "Code__c": {"type": "string", "length": 20, "external_id": True, "unique": True},
        "Batch__c": {"type": "string", "length": 20, "external_id": True},
        "Serial__c": {"type": "string", "length": 20, "external_id": True, "unique": True,
                      "case_sensitive": True},
        "Account__c": {"type": "reference", "references": ["Account"],
                       "relationship_name": "Account__r"},
        "Count__c": {"type": "integer"},
        "Price__c": {"type": "currency", "scale": 2},
        "Ratio__c": {"type": "percent"},
        "Active__c": {"type": "boolean"},
        "Ship__c": {"type": "date"},
        "Seen__c": {"type": "datetime"},
        "Email__c": {"type": "email", "length": 80},
        "Color__c": {"type": "picklist", "values": ["Red", "Green", "Blue"]},
        "Tags__c": {"type": "multipicklist", "values": ["a", "b", "c"]},
        "Notes__c": {"type": "textarea", "length": 1000},
    },
}


def gadget_objects() -> list[ObjectInfo]:
    """The shipped Account and the test-only Gadget__c."""
    return [load_catalogs().salesforce["Account"], object_from_json(GADGET)]
