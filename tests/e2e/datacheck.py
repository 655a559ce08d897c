"""What the fault tests check in the sandboxes' data: duplicates, and equality with a clean run.

`snapshot()` is every record of both sandboxes with what a run generates taken out:
Salesforce Ids become a label (object and external id, or the Id itself for seeded records,
which are the same in every seeded directory); Intacct RECORDNOs, system timestamps and
bookkeeping fields are dropped (Intacct references are business keys). Two runs that did the
same work have equal snapshots whatever order their writes took.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mapsync.engine.catalog import load_catalogs
from mapsync.engine.commands._context import RunContext
from mapsync.engine.commands.demo import write_config
from mapsync.engine.runner.reconcile import reconcile
from mapsync.engine.sandbox.launcher import Sandboxes

EXTERNAL_ID = "Intacct_ID__c"
# Written by the sandbox or by the sync on every write, so they differ between any two runs;
# and the copy of Intacct's RECORDNO (dropped on the Intacct side too): Intacct numbers
# records in the order creates reach it, which mappings running side by side interleave.
VOLATILE = {"Intacct_Last_Sync__c", "Intacct_Record_No__c"}


def _salesforce_objects() -> dict[str, Any]:
    return {name: info for name, info in load_catalogs().salesforce.items()}


def _intacct_objects() -> dict[str, Any]:
    return {name: info for name, info in load_catalogs().intacct.items()}


def _dropped(info: Any) -> set[str]:
    """Fields whose values a run generates: timestamps, record numbers, Ids."""
    names = {f.name for f in info.fields.values() if f.type == "datetime"}
    return names | {info.record_id} | VOLATILE


def salesforce_records(boxes: Sandboxes) -> dict[str, list[dict[str, Any]]]:
    """Every live Salesforce record, by object (objects without records left out)."""
    store = boxes.salesforce.store
    found = {name: store.list(name) for name in _salesforce_objects()}
    return {name: rows for name, rows in found.items() if rows}


def intacct_records(boxes: Sandboxes) -> dict[str, list[dict[str, Any]]]:
    """Every Intacct record, by object (objects without records left out)."""
    store = boxes.intacct.store
    return {name: store.list(name) for name in store.objects()}


def duplicates(boxes: Sandboxes) -> list[str]:
    """What is stored twice: an external id on two Salesforce records of one object, or an
    Intacct business key on two records of one object (per document type for documents)."""
    problems: list[str] = []
    for name, rows in salesforce_records(boxes).items():
        seen = Counter(str(r[EXTERNAL_ID]) for r in rows if r.get(EXTERNAL_ID))
        problems += [f"salesforce {name} {EXTERNAL_ID}={k} x{n}" for k, n in seen.items() if n > 1]
    catalogs = _intacct_objects()
    for name, rows in intacct_records(boxes).items():
        info = catalogs.get(name)
        if info is None or info.key == info.record_id:
            continue
        seen = Counter((r.get("DOCPARID"), str(r[info.key])) for r in rows if r.get(info.key))
        problems += [f"intacct {name} {info.key}={k} x{n}" for k, n in seen.items() if n > 1]
    return problems


def snapshot(boxes: Sandboxes) -> dict[str, list[str]]:
    """Both sandboxes' records, normalised as the module docstring says, sorted per object."""
    sf = salesforce_records(boxes)
    intacct = intacct_records(boxes)
    labels = _salesforce_labels(sf)
    out: dict[str, list[str]] = {}
    catalogs = {"salesforce": _salesforce_objects(), "intacct": _intacct_objects()}
    for system, data in (("salesforce", sf), ("intacct", intacct)):
        for name, rows in data.items():
            info = catalogs[system].get(name)
            dropped = _dropped(info) if info is not None else set()
            out[f"{system} {name}"] = sorted(_canonical(row, dropped, labels) for row in rows)
    return out


def _salesforce_labels(data: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """Id -> <object:external id>, or <object:Id> for records without one (seeded)."""
    return {
        str(row["Id"]): f"<{name}:{row.get(EXTERNAL_ID) or row['Id']}>"
        for name, rows in data.items()
        for row in rows
    }


def _canonical(row: dict[str, Any], dropped: set[str], labels: dict[str, str]) -> str:
    kept = {
        k: labels.get(v, v) if isinstance(v, str) else v for k, v in row.items() if k not in dropped
    }
    return json.dumps(kept, sort_keys=True, default=str)


def differences(clean: dict[str, list[str]], other: dict[str, list[str]]) -> list[str]:
    """Per object, the records only one snapshot has (empty when they are equal)."""
    lines: list[str] = []
    for name in sorted(set(clean) | set(other)):
        left, right = Counter(clean.get(name, [])), Counter(other.get(name, []))
        if left == right:
            continue
        lines.append(f"{name}: clean {sum(left.values())} records, other {sum(right.values())}")
        lines += [f"  only clean: {r}" for r in list((left - right).elements())[:3]]
        lines += [f"  only other: {r}" for r in list((right - left).elements())[:3]]
    return lines


def raw(boxes: Sandboxes) -> dict[str, list[dict[str, Any]]]:
    """Every record of both sandboxes exactly as stored, timestamps included: equal before
    and after a run only when that run wrote nothing."""
    out = {f"salesforce {k}": v for k, v in salesforce_records(boxes).items()}
    out.update({f"intacct {k}": v for k, v in intacct_records(boxes).items()})
    return out


@dataclass(frozen=True, slots=True)
class Inspection:
    """The end state of a sandbox directory, read with the sandboxes started without faults."""

    snapshot: dict[str, list[str]]
    identities: dict[str, list[str]]
    duplicates: list[str]
    reconcile: dict[str, Any]
    open_errors: int

    def out_of_step(self) -> list[str]:
        """Mappings reconcile finds out of step, with what it found."""
        return [
            f"{m['name']}: missing in salesforce {m['missing_in_salesforce']}, missing in "
            f"intacct {m['missing_in_intacct']}, differences {m['differences'][:3]}, "
            f"stale links {m['stale_links']}, error {m['error']}"
            for m in self.reconcile["mappings"]
            if not m["in_step"]
        ]


def inspect(directory: Path) -> Inspection:
    """Restart the sandboxes of `directory` without faults and read its end state: the data,
    its duplicates, `reconcile` through the directory's state store and its open errors."""
    with Sandboxes(directory) as boxes:
        config = write_config(directory, boxes.connection_info(), None)
        with RunContext.open(config) as ctx:
            check = reconcile(
                ctx.effective_plan(),
                ctx.intacct,
                ctx.salesforce,
                ctx.state,
                timezone=ctx.config.intacct.timezone,
            )
            errors = len(ctx.state.errors())
        return Inspection(
            snapshot(boxes), identities(boxes), duplicates(boxes), check.to_dict(), errors
        )


def identities(boxes: Sandboxes) -> dict[str, list[str]]:
    """Which records exist, per object: Salesforce external ids (Ids of records without
    one), Intacct business keys (the name field for RECORDNO-keyed objects), sorted."""
    out: dict[str, list[str]] = {}
    for name, rows in salesforce_records(boxes).items():
        out[f"salesforce {name}"] = sorted(str(r.get(EXTERNAL_ID) or r["Id"]) for r in rows)
    catalogs = _intacct_objects()
    for name, rows in intacct_records(boxes).items():
        info = catalogs.get(name)
        field = (info.name_field if info.key == info.record_id else info.key) if info else None
        out[f"intacct {name}"] = sorted(str(r.get(field or "RECORDNO")) for r in rows)
    return out
