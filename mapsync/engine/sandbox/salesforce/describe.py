"""Describe and describe-global bodies generated from the catalogs.

The key sets follow real describe responses (fixtures/salesforce/*.describe.json); values the
catalogs do not carry get the platform's usual defaults.
"""

from __future__ import annotations

from typing import Any

from mapsync.engine.catalog import FieldInfo
from mapsync.engine.sandbox.salesforce.schema import Schema, SObject

_DESCRIBE_TYPES = {"integer": "int", "decimal": "double"}
_SOAP_TYPES = {
    "id": "tns:ID", "reference": "tns:ID", "integer": "xsd:int", "decimal": "xsd:double",
    "currency": "xsd:double", "percent": "xsd:double", "boolean": "xsd:boolean",
    "date": "xsd:date", "datetime": "xsd:dateTime",
}
_SYSTEM_DEFAULTED = frozenset(
    {"Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById",
     "SystemModstamp"}
)
_STRINGISH = frozenset({"string", "textarea", "email", "phone", "url", "picklist",
                        "multipicklist"})


def _plural(name: str) -> str:
    base = name[:-3] if name.endswith("__c") else name
    plural = base[:-1] + "ies" if base.endswith("y") else base + "s"
    return plural + ("__r" if name.endswith("__c") else "")


def _length(info: FieldInfo) -> int:
    if info.type in ("id", "reference"):
        return 18
    if info.type in _STRINGISH:
        return info.length or (255 if info.type != "multipicklist" else 4099)
    return 0


def describe_field(obj: SObject, info: FieldInfo) -> dict[str, Any]:
    """One entry of `fields` in an sObject describe."""
    kind = _DESCRIBE_TYPES.get(info.type, info.type)
    numeric = info.type in ("decimal", "currency", "percent")
    writable = not info.readonly
    length = _length(info)
    return {
        "aggregatable": info.type not in ("textarea",), "aiPredictionField": False,
        "autoNumber": False, "byteLength": length * 3, "calculated": False,
        "calculatedFormula": None, "cascadeDelete": False, "caseSensitive": info.case_sensitive,
        "compoundFieldName": None, "controllerName": None, "createable": writable,
        "custom": info.name.endswith("__c"),
        "defaultValue": False if info.type == "boolean" and info.default is None else info.default,
        "defaultValueFormula": None,
        "defaultedOnCreate": info.name in _SYSTEM_DEFAULTED or info.type == "boolean",
        "dependentPicklist": False, "deprecatedAndHidden": False,
        "digits": 9 if info.type == "integer" else 0, "displayLocationInDecimal": False,
        "encrypted": False, "externalId": info.external_id, "extraTypeInfo": None,
        "filterable": info.type != "textarea" or (info.length or 0) <= 255,
        "filteredLookupInfo": None, "formulaTreatNullNumberAsZero": False,
        "groupable": not numeric and info.type not in ("textarea", "datetime"),
        "highScaleNumber": False, "htmlFormatted": False,
        "idLookup": info.name == "Id" or info.external_id, "inlineHelpText": None,
        "label": info.label or info.name, "length": length, "mask": None, "maskType": None,
        "name": info.name, "nameField": info.name == obj.info.name_field,
        "namePointing": False,
        "nillable": not info.required and info.type != "boolean" and info.name != "Id"
        and info.name not in _SYSTEM_DEFAULTED,
        "permissionable": writable and not info.required,
        "picklistValues": [
            {"active": True, "defaultValue": v == info.default, "label": v, "validFor": None,
             "value": v}
            for v in info.values
        ],
        "polymorphicForeignKey": len(info.references) > 1,
        "precision": 18 if numeric else 0, "queryByDistance": False,
        "referenceTargetField": None, "referenceTo": list(info.references),
        "relationshipName": info.relationship_name, "relationshipOrder": None,
        "restrictedDelete": False, "restrictedPicklist": bool(info.values),
        "scale": (info.scale if info.scale is not None else 2) if numeric else 0,
        "searchPrefilterable": False, "soapType": _SOAP_TYPES.get(info.type, "xsd:string"),
        "sortable": info.type != "textarea" or (info.length or 0) <= 255, "type": kind,
        "unique": info.unique and info.name != "Id", "updateable": writable,
        "writeRequiresMasterRead": False,
    }


def _urls(obj: SObject, version: str) -> dict[str, str]:
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    return {
        "compactLayouts": f"{base}/describe/compactLayouts", "rowTemplate": f"{base}/{{ID}}",
        "approvalLayouts": f"{base}/describe/approvalLayouts", "listviews": f"{base}/listviews",
        "describe": f"{base}/describe", "quickActions": f"{base}/quickActions",
        "layouts": f"{base}/describe/layouts", "sobject": base,
    }


def global_entry(obj: SObject, version: str) -> dict[str, Any]:
    """One entry of describe-global's `sobjects`."""
    custom = obj.name.endswith("__c")
    plural = obj.info.plural_labels.get("en_US") or _plural_label(obj.info.label)
    return {
        "activateable": False, "associateEntityType": None, "associateParentEntity": None,
        "createable": True, "custom": custom, "customSetting": False, "deepCloneable": False,
        "deletable": True, "deprecatedAndHidden": False, "feedEnabled": not custom,
        "hasSubtypes": False, "isInterface": False, "isSubtype": False,
        "keyPrefix": obj.prefix, "label": obj.info.label, "labelPlural": plural,
        "layoutable": True, "mergeable": obj.name in ("Account", "Contact", "Lead"),
        "mruEnabled": True, "name": obj.name, "queryable": True, "replicateable": True,
        "retrieveable": True, "searchable": True, "triggerable": True, "undeletable": True,
        "updateable": True, "urls": _urls(obj, version),
    }


def _plural_label(label: str) -> str:
    return label[:-1] + "ies" if label.endswith("y") else label + "s"


def describe_global(schema: Schema, version: str) -> dict[str, Any]:
    """GET /sobjects: every served object."""
    return {
        "encoding": "UTF-8", "maxBatchSize": 200,
        "sobjects": [global_entry(o, version) for o in schema.objects.values()],
    }


def _child_relationships(schema: Schema, obj: SObject) -> list[dict[str, Any]]:
    out = []
    for child in schema.objects.values():
        for info in child.fields.values():
            if info.type == "reference" and obj.name in info.references and info.name not in (
                "CreatedById", "LastModifiedById"
            ):
                out.append({
                    "cascadeDelete": False, "childSObject": child.name,
                    "deprecatedAndHidden": False,
                    "field": info.name, "junctionIdListNames": [], "junctionReferenceTo": [],
                    "relationshipName": _plural(child.name) if child is not obj else
                    "Child" + _plural(obj.name),
                    "restrictedDelete": False,
                })
    return out


def describe_sobject(schema: Schema, obj: SObject, version: str, instance_url: str
                     ) -> dict[str, Any]:
    """GET /sobjects/{Obj}/describe."""
    entry = global_entry(obj, version)
    entry.pop("urls")
    base_urls = _urls(obj, version)
    base_urls.update(
        uiDetailTemplate=f"{instance_url}/{{ID}}", uiEditTemplate=f"{instance_url}/{{ID}}/e",
        uiNewRecord=f"{instance_url}/{obj.prefix}/e",
        defaultValues=f"{base_urls['sobject']}/defaultValues?recordTypeId&fields",
    )
    return {
        **{k: entry[k] for k in entry if k not in ("associateEntityType",
                                                    "associateParentEntity")},
        "actionOverrides": [], "childRelationships": _child_relationships(schema, obj),
        "compactLayoutable": True, "customSetting": False, "defaultImplementation": None,
        "extendedBy": None, "extendsInterfaces": None,
        "fields": [describe_field(obj, f) for f in obj.fields.values()],
        "implementedBy": None, "implementsInterfaces": None, "listviewable": None,
        "lookupLayoutable": None, "namedLayoutInfos": [], "networkScopeFieldName": None,
        "recordTypeInfos": [{
            "active": True, "available": True, "defaultRecordTypeMapping": True,
            "developerName": "Master", "master": True, "name": "Master",
            "recordTypeId": "012000000000000AAA",
            "urls": {"layout": f"{base_urls['sobject']}/describe/layouts/012000000000000AAA"},
        }],
        "searchLayoutable": True,
        "supportedScopes": [{"label": f"All {_plural_label(obj.info.label).lower()}",
                             "name": "everything"}],
        "urls": base_urls,
    }


def basic_info(obj: SObject, version: str) -> dict[str, Any]:
    """GET /sobjects/{Obj}/: the object's global entry and (no) recent items."""
    return {"objectDescribe": global_entry(obj, version), "recentItems": []}
