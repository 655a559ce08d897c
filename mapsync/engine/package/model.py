"""What to deploy: the Salesforce objects, fields and actions a compiled plan uses.

`build_model(plan, catalogs)` walks the plan (mappings, lines, filters, actions) for every
Salesforce object and field it names, keeps the custom ones (`*__c`), adds the custom
objects their lookups point to and the integration's bookkeeping fields, and merges the
labels of the catalogs with those the rules give (the rules win).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mapsync.engine.catalog import Catalogs, FieldInfo, ObjectInfo
from mapsync.engine.errors import MapsyncError
from mapsync.engine.plan import FieldSide, Plan, PlanCondition, PlanField, PlanMatch, PlanSide
from mapsync.engine.program.expr import condition_paths

if TYPE_CHECKING:
    from mapsync.engine.package.automation import OutboundSpec, PermissionSetSpec, Trigger

DEFAULT_LANGUAGE = "en_US"
# The checkbox the Create Sales Order button sets; the runner polls for it.
REQUEST_FIELD = "Intacct_Create_Sales_Order__c"
# Written on every synced record (DESIGN §1: "sync status and errors"), whatever the rules say.
BOOKKEEPING_FIELDS = ("Intacct_Last_Sync__c", "Intacct_Sync_Error__c", "Intacct_Sync_Status__c")

Labels = Mapping[str, str]


class PackageError(MapsyncError):
    """The plan and the catalogs do not describe deployable metadata; the message names why."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One custom field to deploy, with its labels by language."""

    info: FieldInfo
    labels: Labels
    relationship_name: str | None = None

    @property
    def name(self) -> str:
        """The field's API name (`Intacct_ID__c`)."""
        return self.info.name


@dataclass(frozen=True, slots=True)
class ObjectSpec:
    """One Salesforce object that receives metadata: custom objects are created whole,
    standard ones only receive fields and translations."""

    info: ObjectInfo
    labels: Labels
    plural_labels: Labels
    fields: tuple[FieldSpec, ...]

    @property
    def name(self) -> str:
        """The object's API name."""
        return self.info.name

    @property
    def custom(self) -> bool:
        """True for objects the package creates (`*__c`)."""
        return self.info.custom

    @property
    def name_field_labels(self) -> Labels:
        """Labels of the record name field (`Name`) by language."""
        name = self.info.fields.get(self.info.name_field or "Name")
        return _labels_of(name) if name is not None else {}


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """A button on a Salesforce object that requests an action by setting a checkbox."""

    name: str
    object: str
    field: str
    labels: Labels


@dataclass(frozen=True, slots=True)
class PackageModel:
    """Everything the package holds, sorted by name."""

    default_language: str
    languages: tuple[str, ...]
    objects: tuple[ObjectSpec, ...]
    actions: tuple[ActionSpec, ...]
    outbound: tuple[OutboundSpec, ...] = ()
    permission_sets: tuple[PermissionSetSpec, ...] = ()

    def object(self, name: str) -> ObjectSpec | None:
        """The object called `name`, or None."""
        return next((o for o in self.objects if o.name == name), None)


def build_model(plan: Plan, catalogs: Catalogs, trigger: Trigger | None = None,
                in_org: Mapping[str, frozenset[str]] | None = None) -> PackageModel:
    """The model of what to deploy for `plan`; with a `trigger` (the listener's URL and
    user) also the outbound messages that send the actions.

    `in_org` names what the org already has (object -> its fields, from the rule set's
    schema snapshot): those objects are not created again and those fields not emitted.
    """
    from mapsync.engine.package.automation import outbound_specs, permission_sets

    used = _used_fields(plan)
    for action in _actions(plan):
        used.setdefault(action.object, {}).setdefault(action.field, {})
    _add_lookup_targets(used, catalogs)
    specs = (
        _object_spec(_catalog_object(catalogs, name), used[name], _mapping_labels(plan, name))
        for name in sorted(used)
    )
    objects = tuple(_missing_only(spec, in_org or {}) for spec in specs)
    objects = tuple(o for o in objects if o.custom or o.fields or o.name not in (in_org or {}))
    languages = tuple(sorted(set(plan.languages) - {DEFAULT_LANGUAGE}))
    actions = tuple(sorted(_actions(plan), key=lambda a: (a.object, a.name)))
    return PackageModel(DEFAULT_LANGUAGE, languages, objects, actions,
                        outbound_specs(actions, trigger),
                        permission_sets(plan, objects, actions))


def _catalog_object(catalogs: Catalogs, name: str) -> ObjectInfo:
    info = catalogs.get("salesforce", name)
    if info is None:
        raise PackageError(f"the plan uses Salesforce object {name}, which no catalog describes")
    return info


# --- which fields the plan uses ------------------------------------------------------------

UsedFields = dict[str, dict[str, dict[str, str]]]  # object -> field -> labels from the rules


def _used_fields(plan: Plan) -> UsedFields:
    used: UsedFields = {}
    for mapping in plan.mappings:
        _collect_side(used, mapping.salesforce, mapping.match, mapping.fields)
        if mapping.result:
            _use(used, mapping.salesforce.object or "", mapping.result, {})
        for line in mapping.lines:
            _collect_side(used, line.salesforce, line.match, line.fields)
    return used


def _collect_side(
    used: UsedFields,
    side: PlanSide,
    match: tuple[PlanMatch, ...],
    fields: tuple[PlanField, ...],
) -> None:
    """The fields one mapping or line collection names on its Salesforce object."""
    obj = side.object or ""
    used.setdefault(obj, {})
    for key in (side.key, side.parent):
        if key:
            _use(used, obj, key, {})
    for path in _expression_paths(side.filter):
        _use(used, obj, path, {})
    for pair in match:
        _use(used, obj, pair.salesforce, {})
    for rule in fields:
        for path in _side_paths(rule.salesforce):
            _use(used, obj, path, rule.labels)
        for path in _expression_paths(rule.when):
            _use(used, obj, path, {})


def _use(used: UsedFields, obj: str, path: str, labels: Labels) -> None:
    field = _field_of_path(path)
    known = used.setdefault(obj, {}).setdefault(field, {})
    for language, text in labels.items():
        known.setdefault(language, text)  # the first rule that labels a field names it


def _field_of_path(path: str) -> str:
    """`Intacct_Project__r.Name` -> `Intacct_Project__c`; a plain field stays itself."""
    head = path.split(".", 1)[0]
    return head[:-3] + "__c" if "." in path and head.endswith("__r") else head


def _side_paths(side: FieldSide) -> tuple[str, ...]:
    if side is None:
        return ()
    return (side,) if isinstance(side, str) else tuple(side)


def _expression_paths(condition: PlanCondition | None) -> Iterator[str]:
    if condition:
        side, paths = condition_paths(condition)
        if side == "salesforce":
            yield from paths


def _add_lookup_targets(used: UsedFields, catalogs: Catalogs) -> None:
    """Custom objects that used lookups point to must exist too (transitively)."""
    pending = sorted(used)
    while pending:
        info = _catalog_object(catalogs, pending.pop())
        for name in sorted(used[info.name]):
            field = info.fields.get(name)
            for target in field.references if field and _is_custom(name) else ():
                if _is_custom(target) and target not in used:
                    used[target] = {}
                    pending.append(target)


# --- specs -------------------------------------------------------------------------------

def _object_spec(info: ObjectInfo, used: Mapping[str, Labels], plural: Labels) -> ObjectSpec:
    names = {n for n in used if _is_custom(n)}
    names |= {n for n in BOOKKEEPING_FIELDS if n in info.fields}
    fields = tuple(_field_spec(info, n, used.get(n, {})) for n in sorted(names))
    labels = _with_default(info.labels, info.label)
    plural_labels = {**_with_default(info.plural_labels, info.label), **plural}
    return ObjectSpec(info, labels, plural_labels, fields)


def _missing_only(spec: ObjectSpec, in_org: Mapping[str, frozenset[str]]) -> ObjectSpec:
    """`spec` without what the org has: an existing custom object only receives fields."""
    present = in_org.get(spec.name)
    if present is None:
        return spec
    info = dataclasses.replace(spec.info, custom=False) if spec.custom else spec.info
    fields = tuple(f for f in spec.fields if f.name not in present)
    return dataclasses.replace(spec, info=info, fields=fields)


def _field_spec(info: ObjectInfo, name: str, rule_labels: Labels) -> FieldSpec:
    field = info.fields.get(name)
    if field is None:
        raise PackageError(f"the plan uses {info.name}.{name}, which its catalog does not list")
    relationship = _relationship_name(info.name, name) if field.type == "reference" else None
    return FieldSpec(field, {**_labels_of(field), **rule_labels}, relationship)


def _relationship_name(obj: str, field: str) -> str:
    """The child relationship's name as the parent object lists it: unique per parent, so it
    names both the child object and the field (`Contract_Bill_To_Contact`), not the field's
    `__r` path (`Bill_To_Contact__r`), which two objects pointing to Account would share."""
    child = obj.removesuffix("__c")
    if obj.endswith("__c"):
        child = child.removeprefix("Intacct_")
    name = f"{child}_{field.removesuffix('__c').removeprefix('Intacct_')}"
    return name[:40].rstrip("_")


def _labels_of(field: FieldInfo) -> Labels:
    return _with_default(field.labels, field.label)


def _with_default(labels: Labels, label: str) -> dict[str, str]:
    return {DEFAULT_LANGUAGE: label, **labels}


def _mapping_labels(plan: Plan, obj: str) -> Labels:
    """A custom object's plural labels as the mapping that fills it names it."""
    if not _is_custom(obj):
        return {}  # "Customers" names the Customer mapping, not Salesforce's Account object
    for mapping in plan.mappings:
        if mapping.kind != "action" and mapping.salesforce.object == obj:
            return mapping.labels
    return {}


def _actions(plan: Plan) -> Iterator[ActionSpec]:
    for mapping in plan.mappings:
        if mapping.kind == "action":
            labels = mapping.labels
            yield ActionSpec(
                name=_api_name(mapping.name),
                object=mapping.salesforce.object or "",
                field=REQUEST_FIELD,
                labels=_with_default(labels, labels.get(DEFAULT_LANGUAGE, mapping.name)),
            )


def _api_name(name: str) -> str:
    """`CreateSalesOrder` -> `Create_Sales_Order` (a Salesforce developer name)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)


def _is_custom(name: str) -> bool:
    return name.endswith("__c")
