"""Actions: a Salesforce record and its line items become one Intacct transaction.

The Create Sales Order button sets `Intacct_Create_Sales_Order__c` on the Opportunity.
Each run picks up requested Opportunities that have no document yet, builds the
`create_sotransaction` header and lines through the action's rules, creates the documents
in batches, and writes each new document ID back to the action's `result` field (clearing
the request). The Opportunity Id travels as the document's EXTERNALID, so a run that
crashed after creating a document finds it instead of creating a second one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from mapsync.engine.catalog import load_catalogs
from mapsync.engine.connectors.base import IntacctAPI, Record, SalesforceAPI
from mapsync.engine.errors import SyncError
from mapsync.engine.plan import PlanLines, PlanMapping
from mapsync.engine.program import FieldRule, RefPending, RefResolver, TransformError
from mapsync.engine.program.canonical import jsonable
from mapsync.engine.program.mapping import compile_rules
from mapsync.engine.runner.cost import Limits, Planner
from mapsync.engine.runner.pairing import Options
from mapsync.engine.runner.report import MappingReport
from mapsync.engine.runner.status import StatusBoard
from mapsync.engine.state import StateStore

REQUEST_FIELD = "Intacct_Create_Sales_Order__c"
EXTERNAL_ID = "EXTERNALID"
PARENT_FIELDS = {"OpportunityLineItems": ("OpportunityLineItem", "OpportunityId")}


def _intacct_values(rules: Sequence[FieldRule], record: Record) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for rule in rules:
        if rule.direction in ("to_intacct", "both"):
            out.update(rule.push("intacct", record))
    return out


class ActionRunner:
    """Runs one `action` mapping of the plan."""

    def __init__(
        self,
        mapping: PlanMapping,
        intacct: IntacctAPI,
        salesforce: SalesforceAPI,
        state: StateStore,
        *,
        run_id: int | None,
        options: Options,
        resolver: RefResolver,
        timezone: str = "UTC",
        quiet: bool = False,
    ) -> None:
        self.plan = mapping
        # The run's probe found no Opportunity asking for a document (runner/probe.py).
        self.quiet = quiet
        self.intacct = intacct
        self.salesforce = salesforce
        self.state = state
        self.run_id = run_id
        self.options = options
        self.report = MappingReport(mapping.name, "action")
        self.rules = compile_rules(mapping.fields, resolver, timezone)
        self.lines: list[tuple[PlanLines, tuple[FieldRule, ...]]] = [
            (line, compile_rules(line.fields, resolver, timezone)) for line in mapping.lines
        ]
        self.sf_object = mapping.salesforce.object or ""
        self.result_field = mapping.result
        self.docparid = mapping.intacct.docparid
        self.status = StatusBoard.for_plan(salesforce, mapping, self.rules)
        self.cost = Planner(self.report, Limits.of(intacct, salesforce))  # dry runs

    def sf_fields(self, rules: Sequence[FieldRule], extra: Sequence[str]) -> list[str]:
        """Salesforce fields the rules read, known to the catalog."""
        info = load_catalogs().get("salesforce", self.sf_object)
        wanted = ["Id", *extra, *(f for r in rules for f in r.salesforce_fields)]
        return [f for f in dict.fromkeys(wanted) if info is None or f in info.fields]

    def requested(self) -> list[Record]:
        """Opportunities whose button was pressed and that have no document yet."""
        info = load_catalogs().get("salesforce", self.sf_object)
        if info is None or REQUEST_FIELD not in info.fields:
            return []
        extra = [
            REQUEST_FIELD,
            "SystemModstamp",
            *([self.result_field] if self.result_field else []),
        ]
        fields = self.sf_fields(self.rules, extra)
        # A constant condition on a catalog field name: nothing user-supplied to escape.
        rows = self.salesforce.read_changed(
            self.sf_object, fields, None, where=f"{REQUEST_FIELD} = true"
        )
        if self.options.relationship == "one-to-many":
            return [r for r in rows if r.get(REQUEST_FIELD)]
        return [r for r in rows if r.get(REQUEST_FIELD) and not r.get(self.result_field or "")]

    def run(self) -> MappingReport:
        """Create the requested documents; record failures per Opportunity."""
        before = (self.intacct.counter.by_this_thread, self.salesforce.counter.by_this_thread)
        requests = [] if self.quiet else self.requested()
        self.report.read["salesforce"] = len(requests)
        if requests:
            self.process(requests)
        self.report.intacct.api_calls = self.intacct.counter.by_this_thread - before[0]
        self.report.salesforce.api_calls = self.salesforce.counter.by_this_thread - before[1]
        return self.report

    def existing_documents(self, ids: list[str]) -> dict[str, str]:
        """Documents already created for these Opportunity Ids (a crashed run's work)."""
        rows = self.intacct.read_by_keys(
            "SODOCUMENT", EXTERNAL_ID, ids, ["DOCID", EXTERNAL_ID], docparid=self.docparid
        )
        return {str(r[EXTERNAL_ID]): str(r["DOCID"]) for r in rows if r.get("DOCID")}

    def line_items(self, ids: list[str]) -> dict[str, list[Record]]:
        out: dict[str, list[Record]] = {i: [] for i in ids}
        for line, rules in self.lines:
            relationship = line.salesforce.relationship or ""
            obj, parent = PARENT_FIELDS.get(relationship, (None, None))
            if obj is None or parent is None:
                continue
            fields = [parent, *(f for r in rules for f in r.salesforce_fields)]
            for row in self.salesforce.read_by_keys(obj, parent, ids, list(dict.fromkeys(fields))):
                out.setdefault(str(row[parent]), []).append(row)
        return out

    def request_id(self, record: Record) -> str:
        """The document's EXTERNALID: the Opportunity Id, or with one-to-many documents the
        Id plus the time the button was pressed, so each press makes exactly one document."""
        if self.options.relationship != "one-to-many":
            return str(record["Id"])
        stamp = record.get("SystemModstamp")
        text = stamp.strftime("%Y%m%d%H%M%S") if isinstance(stamp, dt.datetime) else str(stamp)
        return f"{record['Id']}@{text}"

    def build(self, record: Record, items: list[Record]) -> tuple[dict[str, Any], list[Any]]:
        header = _intacct_values(self.rules, record)
        header[EXTERNAL_ID] = self.request_id(record)
        if self.docparid:
            header.setdefault("DOCPARID", self.docparid)
        line_rules = self.lines[0][1] if self.lines else ()
        lines = [_intacct_values(line_rules, item) for item in items]
        return header, lines

    def process(self, requests: list[Record]) -> None:
        ids = [str(r["Id"]) for r in requests]
        request_ids = {self.request_id(r): str(r["Id"]) for r in requests}
        if self.options.dry_run:
            self.cost.lookup("intacct", len(request_ids))
        found = {} if self.options.dry_run else self.existing_documents(list(request_ids))
        done = {request_ids[k]: v for k, v in found.items() if k in request_ids}
        items = self.line_items(ids)
        todo: list[tuple[Record, dict[str, Any], list[Any]]] = []
        for record in requests:
            sf_id = str(record["Id"])
            if sf_id in done:
                continue
            try:
                header, lines = self.build(record, items.get(sf_id, []))
            except (RefPending, TransformError) as exc:
                self.fail(sf_id, exc, record)
                continue
            if not lines:
                self.fail(sf_id, SyncError("the opportunity has no products to order"), record)
                continue
            todo.append((record, header, lines))
        if self.options.dry_run:
            self.report.intacct.created += len(todo)
            self.cost.write("intacct", "SODOCUMENT", "create_sotransaction", len(todo))
            if self.result_field:
                self.cost.write("salesforce", self.sf_object, "update", len(todo))
            return
        results = self.intacct.create_sotransactions([(h, ls) for _, h, ls in todo])
        for (record, header, _), result in zip(todo, results, strict=True):
            if result.ok and result.key:
                done[str(record["Id"])] = result.key
                self.report.intacct.created += 1
            else:
                self.fail(str(record["Id"]), result.error, header)
        self.write_back(done)
        self.status.flush()

    def write_back(self, documents: dict[str, str]) -> None:
        if not documents or not self.result_field:
            return
        ids = list(documents)
        payloads: list[dict[str, Any]] = [
            {"Id": sf_id, self.result_field: documents[sf_id], REQUEST_FIELD: False}
            for sf_id in ids
        ]
        results = self.salesforce.update(self.sf_object, self.status.stamp(payloads))
        for sf_id, payload, result in zip(ids, payloads, results, strict=True):
            if result.ok:
                self.report.salesforce.updated += 1
                self.state.resolve_errors(self.plan.name, "salesforce", [sf_id])
            else:
                self.fail(sf_id, result.error, payload)

    def fail(self, sf_id: str, exc: BaseException | None, payload: Mapping[str, Any]) -> None:
        self.report.intacct.failed += 1
        if self.options.dry_run:
            return
        error = exc or SyncError("unknown failure")
        self.state.record_exception(
            self.run_id,
            self.plan.name,
            "salesforce",
            sf_id,
            error,
            rule=getattr(exc, "source", None),
            payload=jsonable(dict(payload)),
        )
        self.status.failed(sf_id, error)
