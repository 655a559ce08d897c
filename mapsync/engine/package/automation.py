"""What makes the button act at once, and who may see and write what: outbound messages, the
record-triggered Flows that send them, and the two permission sets.

    specs = outbound_specs(actions, Trigger("https://sync.example.com/?token=…", "int@acme.com"))
    sets = permission_sets(plan, objects, actions)
    yield from automation_files(model, "source", members)

For each action (Create Sales Order) the package holds an outbound message on its object
(Workflow metadata: the message itself, sent as the integration user to `mapsync listen`) and
an active record-triggered Flow that sends it after save when the request checkbox *becomes*
true. The outbound message needs the listener's URL and the integration user's username, so
both are generated only when `mapsync package --listen-url … --integration-user …` gives them.

`Intacct_Integration` gives the integration user edit access to every custom field the rules
write (and the request checkbox, which the action clears) and read access to those they only
read, plus read/create/edit and view-all on the objects; `Intacct_Sync_Status` gives end users
read access to the sync status fields and the action's result, and edit access to the
request checkbox that the button sets. Required fields are left out: Salesforce grants them
to everyone and rejects permissions on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lxml import etree

from mapsync.engine.package import render
from mapsync.engine.package.model import (
    BOOKKEEPING_FIELDS,
    ActionSpec,
    FieldSpec,
    ObjectSpec,
    PackageModel,
)
from mapsync.engine.plan import FieldSide, Plan

Members = dict[str, list[str]]
INTEGRATION_SET, STATUS_SET = "Intacct_Integration", "Intacct_Sync_Status"
OUTBOUND_ORDER = ("fullName", "apiVersion", "description", "endpointUrl", "fields",
                  "includeSessionId", "integrationUser", "name", "protected",
                  "useDeadLetterQueue")
WORKFLOW_ORDER = ("fullName", "outboundMessages")
FLOW_ORDER = ("fullName", "actionCalls", "apiVersion", "description", "label", "processType",
              "start", "status")
START_ORDER = ("locationX", "locationY", "connector", "doesRequireRecordChangedToMeetCriteria",
               "filterLogic", "filters", "object", "recordTriggerType", "triggerType")
ACTION_CALL_ORDER = ("name", "label", "locationX", "locationY", "actionName", "actionType")
FILTER_ORDER = ("field", "operator", "value")
PERMISSION_SET_ORDER = ("fullName", "description", "fieldPermissions", "hasActivationRequired",
                        "label", "objectPermissions")
FIELD_PERMISSION_ORDER = ("editable", "field", "readable")
OBJECT_PERMISSION_ORDER = ("allowCreate", "allowDelete", "allowEdit", "allowRead",
                           "modifyAllRecords", "object", "viewAllFields", "viewAllRecords")


@dataclass(frozen=True, slots=True)
class Trigger:
    """Where outbound messages go (the listener's public HTTPS URL, with its `?token=`) and
    the username they are sent as."""

    listen_url: str
    integration_user: str


@dataclass(frozen=True, slots=True)
class OutboundSpec:
    """One outbound message and the Flow that sends it."""

    action: ActionSpec
    fields: tuple[str, ...]
    trigger: Trigger

    @property
    def flow_name(self) -> str:
        """The Flow's API name."""
        return f"Intacct_{self.action.name}"


@dataclass(frozen=True, slots=True)
class FieldAccess:
    """Access to one field: `Object.Field`, editable or read-only."""

    field: str
    editable: bool


@dataclass(frozen=True, slots=True)
class PermissionSetSpec:
    """A permission set: name, label, description, field and object access."""

    name: str
    label: str
    description: str
    fields: tuple[FieldAccess, ...]
    objects: tuple[str, ...] = ()


def outbound_specs(actions: Iterable[ActionSpec],
                   trigger: Trigger | None) -> tuple[OutboundSpec, ...]:
    """An outbound message per action, when the listener's URL and user are known."""
    if trigger is None:
        return ()
    return tuple(OutboundSpec(a, ("Id", "Name", a.field), trigger) for a in actions)


def permission_sets(plan: Plan, objects: Iterable[ObjectSpec],
                    actions: Iterable[ActionSpec]) -> tuple[PermissionSetSpec, ...]:
    """The integration user's set and the end users' set."""
    objects = tuple(objects)
    written = _written_fields(plan, actions)
    grantable = {f"{o.name}.{f.name}": f for o in objects for f in o.fields if _grantable(f)}
    integration = tuple(FieldAccess(name, name in written) for name in sorted(grantable))
    viewer = sorted(
        [FieldAccess(name, False) for name, f in grantable.items()
         if f.name in BOOKKEEPING_FIELDS or name in _results(plan)]
        + [FieldAccess(f"{a.object}.{a.field}", True) for a in actions],
        key=lambda access: access.field,
    )
    return (
        PermissionSetSpec(INTEGRATION_SET, "Intacct Integration",
                          "For the user mapsync signs in as: the fields and objects the rules "
                          "read and write, and the Create Sales Order request.",
                          integration, tuple(sorted(o.name for o in objects))),
        PermissionSetSpec(STATUS_SET, "Intacct Sync Status",
                          "For users who press Create Sales Order and read the Intacct sync "
                          "status and errors on records.", tuple(viewer)),
    )


def _grantable(field: FieldSpec) -> bool:
    return not field.info.required and not field.info.readonly


def _results(plan: Plan) -> set[str]:
    return {f"{m.salesforce.object}.{m.result}" for m in plan.mappings if m.result}


def _written_fields(plan: Plan, actions: Iterable[ActionSpec]) -> set[str]:
    """`Object.Field` of every Salesforce field a run writes."""
    out = {f"{a.object}.{a.field}" for a in actions} | _results(plan)
    for mapping in plan.mappings:
        blocks = [(mapping.salesforce, mapping.fields),
                  *((line.salesforce, line.fields) for line in mapping.lines)]
        for side, fields in blocks:
            obj = side.object
            out |= {f"{obj}.{key}" for key in (side.key, side.parent) if key}
            out |= {f"{obj}.{name}" for name in BOOKKEEPING_FIELDS}
            for rule in fields:
                if rule.direction in ("to_salesforce", "both"):
                    out |= {f"{obj}.{_field(p)}" for p in _paths(rule.salesforce)}
    return out


def _paths(side: FieldSide) -> tuple[str, ...]:
    if side is None:
        return ()
    return (side,) if isinstance(side, str) else tuple(side)


def _field(path: str) -> str:
    head = path.split(".", 1)[0]
    return head[:-3] + "__c" if "." in path and head.endswith("__r") else head


# --- files -------------------------------------------------------------------------------

def automation_files(model: PackageModel, fmt: str,
                     members: Members) -> Iterator[tuple[str, bytes]]:
    """The workflow (outbound message), flow and permission set files of the package."""
    suffix = "-meta.xml" if fmt == "source" else ""
    by_object: dict[str, list[OutboundSpec]] = {}
    for spec in model.outbound:
        by_object.setdefault(spec.action.object, []).append(spec)
    for obj, specs in sorted(by_object.items()):
        members["Workflow"].append(obj)
        yield f"workflows/{obj}.workflow{suffix}", render.to_bytes(workflow(obj, specs))
    for spec in model.outbound:
        members["Flow"].append(spec.flow_name)
        yield f"flows/{spec.flow_name}.flow{suffix}", render.to_bytes(flow(spec))
    for pset in model.permission_sets:
        members["PermissionSet"].append(pset.name)
        yield (f"permissionsets/{pset.name}.permissionset{suffix}",
               render.to_bytes(permission_set(pset)))


def workflow(obj: str, specs: Iterable[OutboundSpec]) -> render.Element:
    """A Workflow holding only outbound messages (the Flows send them)."""
    messages = [render._detached("outboundMessages", OUTBOUND_ORDER, {
        "fullName": s.action.name, "apiVersion": render.API_VERSION,
        "description": "Sends the request to mapsync listen, which creates the order at once.",
        "endpointUrl": s.trigger.listen_url, "fields": [_text("fields", f) for f in s.fields],
        "includeSessionId": False, "integrationUser": s.trigger.integration_user,
        "name": s.action.labels.get("en_US", s.action.name), "protected": False,
    }) for s in specs]
    return render._element("Workflow", WORKFLOW_ORDER, {"fullName": obj,
                                                         "outboundMessages": messages})


def flow(spec: OutboundSpec) -> render.Element:
    """An active record-triggered Flow: after save, when the request becomes true, send."""
    call = render._detached("actionCalls", ACTION_CALL_ORDER, {
        "name": "Send_to_mapsync", "label": "Send to mapsync", "locationX": 176,
        "locationY": 323, "actionName": f"{spec.action.object}.{spec.action.name}",
        "actionType": "outboundMessage",
    })
    value = render._detached("value", ("booleanValue",), {"booleanValue": True})
    condition = render._detached("filters", FILTER_ORDER, {
        "field": spec.action.field, "operator": "EqualTo", "value": value,
    })
    connector = render._detached("connector", ("targetReference",),
                                 {"targetReference": "Send_to_mapsync"})
    start = render._detached("start", START_ORDER, {
        "locationX": 50, "locationY": 0, "connector": connector,
        "doesRequireRecordChangedToMeetCriteria": True, "filterLogic": "and",
        "filters": condition, "object": spec.action.object,
        "recordTriggerType": "CreateAndUpdate", "triggerType": "RecordAfterSave",
    })
    return render._element("Flow", FLOW_ORDER, {
        "actionCalls": call, "apiVersion": render.API_VERSION,
        "description": f"Sends {spec.action.labels.get('en_US', spec.action.name)} to mapsync "
                       "listen when the button is pressed.",
        "label": f"Intacct: {spec.action.labels.get('en_US', spec.action.name)}",
        "processType": "AutoLaunchedFlow", "start": start, "status": "Active",
    })


def permission_set(spec: PermissionSetSpec) -> render.Element:
    """One PermissionSet document."""
    fields = [render._detached("fieldPermissions", FIELD_PERMISSION_ORDER, {
        "editable": a.editable, "field": a.field, "readable": True}) for a in spec.fields]
    objects = [render._detached("objectPermissions", OBJECT_PERMISSION_ORDER, {
        "allowCreate": True, "allowDelete": False, "allowEdit": True, "allowRead": True,
        "modifyAllRecords": False, "object": name, "viewAllRecords": True})
        for name in spec.objects]
    return render._element("PermissionSet", PERMISSION_SET_ORDER, {
        "description": spec.description, "fieldPermissions": fields,
        "hasActivationRequired": False, "label": spec.label, "objectPermissions": objects,
    })


def _text(tag: str, value: str) -> render.Element:
    element = etree.Element(tag)
    element.text = value
    return element
