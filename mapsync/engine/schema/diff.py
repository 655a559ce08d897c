"""Drift between a schema snapshot and the live orgs: fields added, removed or retyped, and
pick-list values added or removed.

    changes = diff_documents(snapshot_documents, live_documents)
    text = render_changes(changes, uses)           # removed fields name the rules that use them
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mapsync.engine.schema.pull import Use


@dataclass(frozen=True, slots=True)
class Change:
    """One difference: `kind` is added, removed, retyped, values or object-removed."""

    system: str
    obj: str
    kind: str
    field: str = ""
    detail: str = ""

    def text(self) -> str:
        """The change in one line, as `schema diff` prints it."""
        where = f"{self.system} {self.obj}"
        if self.kind == "object-removed":
            return f"{where}: object removed from the org"
        if self.kind == "object-added":
            return f"{where}: object not in the snapshot yet"
        return f"{where}: field {self.field} {self.kind}{': ' + self.detail if self.detail else ''}"


def _by_key(documents: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], Mapping[str, Any]]:
    return {(d["system"], d["object"]): d for d in documents}


def diff_documents(snapshot: Iterable[Mapping[str, Any]],
                   live: Iterable[Mapping[str, Any]]) -> list[Change]:
    """What changed from `snapshot` to `live`, sorted by system, object and field."""
    old, new = _by_key(snapshot), _by_key(live)
    changes: list[Change] = []
    for key in sorted(old.keys() | new.keys()):
        system, obj = key
        if key not in new:
            changes.append(Change(system, obj, "object-removed"))
        elif key not in old:
            changes.append(Change(system, obj, "object-added"))
        else:
            found = _field_changes(system, obj, old[key]["fields"], new[key]["fields"])
            # A declared file lists only the fields the admin added: the rest is not drift.
            declared = old[key].get("origin") == "declared"
            changes += [c for c in found if not (declared and c.kind == "added")]
    return changes


def _field_changes(system: str, obj: str, old: Mapping[str, Any],
                   new: Mapping[str, Any]) -> list[Change]:
    changes = []
    for name in sorted(old.keys() | new.keys()):
        if name not in new:
            changes.append(Change(system, obj, "removed", name))
        elif name not in old:
            changes.append(Change(system, obj, "added", name, new[name]["type"]))
        else:
            changes += _compare(system, obj, name, old[name], new[name])
    return changes


def _compare(system: str, obj: str, name: str, old: Mapping[str, Any],
             new: Mapping[str, Any]) -> list[Change]:
    changes = []
    if old["type"] != new["type"] or old.get("length") != new.get("length"):
        changes.append(Change(system, obj, "retyped", name,
                              f"{_type(old)} -> {_type(new)}"))
    before, after = old.get("values", []), new.get("values", [])
    added = [v for v in after if v not in before]
    removed = [v for v in before if v not in after]
    if added or removed:
        parts = [f"+{v!r}" for v in added] + [f"-{v!r}" for v in removed]
        changes.append(Change(system, obj, "values", name, "pick-list " + ", ".join(parts)))
    return changes


def _type(spec: Mapping[str, Any]) -> str:
    return f"{spec['type']}({spec['length']})" if spec.get("length") else str(spec["type"])


def render_changes(changes: Sequence[Change], uses: Sequence[Use]) -> str:
    """One line per change; a removed field or object lists each rule that still uses it."""
    lines = []
    for change in changes:
        lines.append(change.text())
        if change.kind in ("removed", "object-removed"):
            for use in uses:
                if (use.system, use.obj) == (change.system, change.obj) and (
                        change.kind == "object-removed" or use.path == change.field):
                    lines.append(f"  used at {use.span.path}:{use.span.line}:{use.span.column}")
    return "\n".join(lines) + ("\n" if lines else "")
