"""Compare both services through the cross-reference: what is missing, what differs.

    report = reconcile(plan, intacct, salesforce, state, only=["Customer"])
    report.in_step, report.to_dict()

For every `sync` and `managed` mapping (actions are skipped) both sides are read in full
(one streaming read each; the Intacct side with the mapping's docparid), records outside
the mapping's filters set aside, and the rest joined through the cross-reference:

- an Intacct record without a link is missing in Salesforce when the mapping creates
  Salesforce records, and "not synced by rule" otherwise; the same the other way;
- a link whose record is gone on one side is missing on that side;
- the lines of linked headers are matched by their Intacct key and compared the same way;
- for a linked pair, every rule that runs is evaluated on its source record and compared,
  canonically, with the target record's value (`to_intacct` rules from Salesforce, the
  others from Intacct); a rule that cannot run (a `ref` not linked, a failing pipeline)
  is a difference carrying its message.

Fields a sync never writes (the keys, read-only fields) are not compared. Reconcile only
reads: nothing is written to either service or to the state store.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from mapsync.engine.catalog import Catalogs, load_catalogs
from mapsync.engine.connectors.base import IntacctAPI, Record, SalesforceAPI
from mapsync.engine.errors import RUN_STOPPERS, SyncError
from mapsync.engine.plan import Plan
from mapsync.engine.program import (
    CompiledMapping,
    FieldRule,
    LineSet,
    ObjectSide,
    RefPending,
    TransformError,
    compile_mapping,
)
from mapsync.engine.program.canonical import shadow_value
from mapsync.engine.runner.pairing import chunks, is_tombstone, text
from mapsync.engine.runner.reconcile_report import MappingCheck, ReconcileReport
from mapsync.engine.runner.run import selected
from mapsync.engine.state import StateStore

__all__ = ["MappingCheck", "ReconcileReport", "reconcile"]

CHUNK = 500
FATAL = RUN_STOPPERS


def reconcile(
    plan: Plan,
    intacct: IntacctAPI,
    salesforce: SalesforceAPI,
    state: StateStore,
    *,
    only: Collection[str] | None = None,
    timezone: str = "UTC",
    sample: int = 20,
    catalogs: Catalogs | None = None,
) -> ReconcileReport:
    """Compare each selected `sync`/`managed` mapping of `plan` (unknown names: UnknownMapping).

    A mapping whose reads fail is reported with its `error` and the others still run;
    an authentication error or a spent API budget stops the whole comparison (`fatal`).
    """
    catalogs = catalogs or load_catalogs()
    resolver = state.ref_resolver()
    report = ReconcileReport()
    for mapping in selected(plan.mappings, only):
        if mapping.kind == "action":
            continue
        check = MappingCheck(mapping.name, mapping.kind, sample)
        report.mappings.append(check)
        try:
            compiled = compile_mapping(mapping, catalogs, resolver, timezone=timezone)
            _Comparison(compiled, intacct, salesforce, state, check).run()
        except FATAL as exc:
            check.error = report.fatal = str(exc)
            break
        except SyncError as exc:
            check.error = str(exc)
    return report


def _applies(rule: FieldRule, intacct: Record, salesforce: Record) -> bool:
    """The rule's `when` conditions hold for the pair (as in a sync)."""
    if rule.applies_to_intacct is not None and not rule.applies_to_intacct(intacct):
        return False
    return rule.applies_to_salesforce is None or rule.applies_to_salesforce(salesforce)


def _writable(side: ObjectSide, fields: tuple[str, ...]) -> bool:
    """A sync may write at least one of these fields on updates (keys are never renamed)."""
    return any(f != side.key and f not in side.readonly for f in fields)


class _Comparison:
    """Compares one compiled mapping; fills `check`."""

    def __init__(
        self,
        mapping: CompiledMapping,
        intacct: IntacctAPI,
        salesforce: SalesforceAPI,
        state: StateStore,
        check: MappingCheck,
    ) -> None:
        self.m = mapping
        self.intacct = intacct
        self.salesforce = salesforce
        self.state = state
        self.check = check
        self.intacct_seen: set[str] = set()
        self.salesforce_seen: set[str] = set()
        self.headers: dict[str, str] = {}  # linked headers: Intacct key -> Salesforce Id

    def run(self) -> None:
        """Read both sides, join them, compare the pairs, then look for links left behind."""
        unpaired = self.read_salesforce()
        for chunk in chunks(self.read_intacct(), CHUNK):
            self.compare_intacct(chunk, unpaired)
        self.compare_salesforce(unpaired)
        self.count_stale_links()
        for lines in self.m.lines:
            self.compare_lines(lines)

    # --- reading ------------------------------------------------------------------------

    def read_salesforce(self) -> dict[str, Record]:
        """Every Salesforce record within the mapping's filter, by Id."""
        side = self.m.salesforce
        records: dict[str, Record] = {}
        for record in self.salesforce.read_changed(side.object, side.read_fields, None):
            sf_id = str(record["Id"])
            self.salesforce_seen.add(sf_id)
            if side.filter is not None and not side.filter.test(record):
                self.check.out_of_scope["salesforce"] += 1
                continue
            records[sf_id] = record
        self.check.salesforce_records = len(records)
        return records

    def read_intacct(self) -> Iterator[Record]:
        """Every Intacct record with a key within the mapping's filter (streamed)."""
        side = self.m.intacct
        for record in self.intacct.read_changed(
            side.object, side.read_fields, None, docparid=side.docparid
        ):
            key = text(record.get(side.key))
            if key is not None:
                self.intacct_seen.add(key)
            if key is None or (side.filter is not None and not side.filter.test(record)):
                self.check.out_of_scope["intacct"] += 1
                continue
            self.check.intacct_records += 1
            yield record

    # --- joining ------------------------------------------------------------------------

    def compare_intacct(self, chunk: list[Record], unpaired: dict[str, Record]) -> None:
        """Pair a chunk of Intacct records with their linked Salesforce records."""
        keys = [str(r[self.m.intacct.key]) for r in chunk]
        links = self.state.links_by_intacct_keys(self.m.name, keys)
        for record, key in zip(chunk, keys, strict=True):
            link = links.get(key)
            if link is None:
                self.unlinked_intacct(key)
                continue
            if is_tombstone(link.salesforce_id):
                self.check.not_synced_by_rule["intacct"] += 1  # deleted in Salesforce
                continue
            partner = unpaired.pop(link.salesforce_id, None)
            if partner is not None:
                self.check.linked += 1
                self.compare_pair(key, record, partner)
                if self.m.lines:
                    self.headers[key] = link.salesforce_id
            elif link.salesforce_id not in self.salesforce_seen:
                self.check.missing_in_salesforce.add(key)
            # else the partner is outside the Salesforce filter: the pair is not compared

    def unlinked_intacct(self, key: str) -> None:
        if "salesforce" in self.m.create:
            self.check.missing_in_salesforce.add(key)
        else:
            self.check.not_synced_by_rule["intacct"] += 1

    def compare_salesforce(self, unpaired: dict[str, Record]) -> None:
        """Salesforce records no Intacct record claimed: unlinked, or linked to a gone one."""
        ids = list(unpaired)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            links = self.state.links_by_salesforce_ids(self.m.name, chunk)
            for sf_id in chunk:
                link = links.get(sf_id)
                if link is not None and link.intacct_key in self.intacct_seen:
                    continue  # its Intacct partner is outside the mapping's filter
                if link is not None or "intacct" in self.m.create:
                    self.check.missing_in_intacct.add(sf_id)
                else:
                    self.check.not_synced_by_rule["salesforce"] += 1

    def count_stale_links(self) -> None:
        """Links whose records are gone on both sides (nothing left to sync)."""
        for link in self.state.all_links(self.m.name):
            if is_tombstone(link.salesforce_id):
                continue
            gone_i = link.intacct_key not in self.intacct_seen
            if gone_i and link.salesforce_id not in self.salesforce_seen:
                self.check.stale_links += 1

    def compare_lines(self, lines: LineSet) -> None:
        """The lines of linked headers, matched by the line's Intacct key (as a sync upserts
        them): lines missing in Salesforce, lines Intacct no longer has, differing values.
        Line keys are reported as `header/line`."""
        i_side, s_side = lines.intacct, lines.salesforce
        if not self.headers or i_side.parent is None or s_side.parent is None:
            return
        by_key: dict[str, Record] = {}
        for row in self.salesforce.read_by_keys(
            s_side.object, s_side.parent, list(self.headers.values()), s_side.read_fields
        ):
            key = text(row.get(s_side.key))
            if key is not None:
                by_key[key] = row
        owner = {sf_id: key for key, sf_id in self.headers.items()}
        for row in self.intacct.read_by_keys(
            i_side.object, i_side.parent, list(self.headers), i_side.read_fields
        ):
            line_key = f"{row.get(i_side.parent)}/{row.get(i_side.key)}"
            partner = by_key.pop(str(row.get(i_side.key)), None)
            if partner is None:
                self.check.missing_in_salesforce.add(line_key)
                continue
            for rule in lines.rules:
                if rule.direction in ("to_salesforce", "both") and _writable(
                    s_side, rule.salesforce_fields
                ):
                    self.compare_rule(line_key, rule, "salesforce", row, partner)
        for row in by_key.values():
            header = owner.get(str(row.get(s_side.parent)), "?")
            self.check.missing_in_intacct.add(f"{header}/{row.get('Id')}")

    # --- comparing ----------------------------------------------------------------------

    def compare_pair(self, key: str, intacct: Record, salesforce: Record) -> None:
        """Every rule that runs for this pair, evaluated and compared."""
        for rule in self.m.rules:
            if not _applies(rule, intacct, salesforce):
                continue
            target = self.target(rule)
            if target is not None:
                self.compare_rule(key, rule, target, intacct, salesforce)

    def target(self, rule: FieldRule) -> str | None:
        """The side a sync writes this rule's value to on updates, or None (never written)."""
        to_sf = _writable(self.m.salesforce, rule.salesforce_fields)
        to_int = _writable(self.m.intacct, rule.intacct_fields)
        if rule.direction in ("to_salesforce", "both") and to_sf:
            return "salesforce"
        if rule.direction in ("to_intacct", "both") and to_int:
            return "intacct"
        return None

    def compare_rule(
        self, key: str, rule: FieldRule, target: str, intacct: Record, salesforce: Record
    ) -> None:
        source = intacct if target == "salesforce" else salesforce
        fields = rule.salesforce_fields if target == "salesforce" else rule.intacct_fields
        actual_i, actual_s = rule.intacct_value(intacct), rule.salesforce_value(salesforce)
        difference: dict[str, Any] = {
            "key": key,
            "rule": rule.id,
            "source": rule.source,
            "target": target,
            "intacct": actual_i,
            "salesforce": actual_s,
        }
        try:
            values = rule.push(target, source)
        except (RefPending, TransformError) as exc:
            difference.update(expected=None, error=str(exc))
            self.check.differences.add(difference)
            return
        expected = shadow_value(values, fields)
        if expected != (actual_s if target == "salesforce" else actual_i):
            difference["expected"] = expected
            self.check.differences.add(difference)
