"""Schema snapshots: the org's own objects and fields, beside the rule set, reviewed in git.

    schema/intacct/CUSTOMER.json        one file per object, in the catalog document format
    schema/salesforce/Account.json      (schemas/catalog.schema.json), pulled or declared

`find_snapshot(paths)` finds the `schema/` folder of a rule set (in the rules folder or the
folder holding it); `read_snapshot(root)` reads and validates every file, turning a broken
one into a diagnostic with file and line (never a traceback); `catalogs_for(paths)` lays the
snapshot over the shipped catalogs. `dump_document()` is the one deterministic JSON form
written by `schema pull`; `write_snapshot()` replaces the folder only once it is complete.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mapsync.engine.catalog import (
    SYSTEMS,
    Catalogs,
    catalog_schema,
    load_catalogs,
    overlay,
)
from mapsync.engine.diagnostics import Diagnostic

SNAPSHOT_DIR = "schema"
_TOP_ORDER = ("system", "object", "label", "origin", "source", "custom", "readonly", "record_id",
              "key", "name_field", "modified_field", "description")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a snapshot folder holds: valid documents, problems, and each file's text."""

    root: Path | None
    documents: tuple[tuple[str, dict[str, Any]], ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    sources: dict[str, str] = field(default_factory=dict, compare=False)


def find_snapshot(paths: Sequence[str | Path]) -> Path | None:
    """The `schema/` folder beside the rule set named by `paths`, or None."""
    for given in paths[:1]:
        folder = Path(given) if Path(given).is_dir() else Path(given).parent
        for candidate in (folder / SNAPSHOT_DIR, folder.parent / SNAPSHOT_DIR):
            if any((candidate / system).is_dir() for system in SYSTEMS):
                return candidate
    return None


def read_snapshot(root: Path) -> Snapshot:
    """Every object document under `root`, validated; broken files become diagnostics."""
    documents: list[tuple[str, dict[str, Any]]] = []
    problems: list[Diagnostic] = []
    sources: dict[str, str] = {}
    for system in SYSTEMS:
        folder = root / system
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            shown = str(path)
            text = path.read_text("utf-8", errors="replace")
            sources[shown] = text
            data, found = parse_document(shown, text, system, path.stem)
            problems += found
            if data is not None and not found:
                documents.append((shown, data))
    return Snapshot(root, tuple(documents), tuple(problems), sources)


def parse_document(shown: str, text: str, system: str,
                   stem: str) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    """One snapshot file's document and its problems (file, line and a hint each)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [Diagnostic("schema-json", f"not valid JSON: {exc.msg}", shown, exc.lineno,
                                 exc.colno, hints=("a snapshot file is one JSON object; see "
                                                   "docs/schema.md for the format",))]
    if not isinstance(data, dict):
        return None, [Diagnostic("schema-invalid", "a snapshot file holds one JSON object",
                                 shown, 1, 1)]
    problems = _schema_problems(shown, text, data)
    if not problems:
        problems += _placement_problems(shown, text, data, system, stem)
    return data, problems


def _schema_problems(shown: str, text: str, data: Mapping[str, Any]) -> list[Diagnostic]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(catalog_schema())
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = [str(p) for p in error.absolute_path]
        line, column = locate(text, where)
        message, hints = _explain(error, where)
        problems.append(Diagnostic("schema-invalid", message, shown, line, column,
                                   hints=tuple(hints)))
    return problems


def field_types() -> tuple[str, ...]:
    """The field types a catalog or snapshot document may name."""
    return tuple(catalog_schema()["$defs"]["field"]["properties"]["type"]["enum"])


def _explain(error: Any, where: list[str]) -> tuple[str, list[str]]:
    pointer = "/".join(where) or "(top level)"
    if where[-1:] == ["type"] and len(where) >= 3 and where[0] == "fields":
        types = field_types()
        close = difflib.get_close_matches(str(error.instance), types, n=1)
        hints = [f"did you mean `{close[0]}`?"] if close else []
        return (f"field `{where[1]}`: unknown type {json.dumps(error.instance)}",
                hints + ["types: " + ", ".join(types)])
    return f"{pointer}: {error.message}", ["the format is schemas/catalog.schema.json; "
                                           "see docs/schema.md"]


def _placement_problems(shown: str, text: str, data: Mapping[str, Any], system: str,
                        stem: str) -> list[Diagnostic]:
    problems = []
    if data["system"] != system:
        line, column = locate(text, ["system"])
        problems.append(Diagnostic("schema-invalid", f"`system` is {data['system']!r} but the "
                                   f"file is under {system}/", shown, line, column))
    if data["object"] != stem:
        line, column = locate(text, ["object"])
        problems.append(Diagnostic("schema-invalid", f"`object` is {data['object']!r} but the "
                                   f"file is named {stem}.json", shown, line, column,
                                   hints=(f"name the file {data['object']}.json",)))
    return problems


def locate(text: str, where: Sequence[str]) -> tuple[int, int]:
    """(line, column) of the JSON key path `where` in `text` (the object's start if not found)."""
    offset = text.find("{")
    offset = max(offset, 0)
    for key in where:
        if key.isdigit():
            continue
        found = re.compile(r'"' + re.escape(key) + r'"\s*:').search(text, offset)
        if found is None:
            break
        offset = found.start()
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def catalogs_for(paths: Sequence[str | Path],
                 schema_dir: str | Path | None = None) -> tuple[Catalogs, Snapshot]:
    """The shipped catalogs with the rule set's snapshot (or `schema_dir`) laid over them."""
    root = Path(schema_dir) if schema_dir is not None else find_snapshot(paths)
    if root is None:
        return load_catalogs(), Snapshot(None)
    return overlay_snapshot(load_catalogs(), root)


def overlay_snapshot(base: Catalogs, root: Path) -> tuple[Catalogs, Snapshot]:
    """`base` with the snapshot folder `root` laid over it (`base` alone when the folder
    holds no valid document), and the snapshot as read."""
    snapshot = read_snapshot(root)
    if not snapshot.documents:
        return base, snapshot
    count = len(snapshot.documents)
    origin = (f"the schema snapshot in {root} ({count} object{'s' * (count != 1)}) over "
              f"{base.origin}")
    return overlay(base, snapshot.documents, origin, str(root)), snapshot


def snapshot_stamp(root: Path) -> tuple[tuple[str, int, int], ...]:
    """(file, modification time, size) of every document under `root`: what changes when
    the snapshot is edited or pulled again, for callers that keep an overlay."""
    stamps = []
    for path in sorted(root.glob("*/*.json")):
        try:
            status = path.stat()
        except OSError:
            continue
        stamps.append((str(path), status.st_mtime_ns, status.st_size))
    return tuple(stamps)


def in_org(snapshot: Snapshot, system: str) -> dict[str, frozenset[str]]:
    """What the snapshot says one org has: object -> its fields (pulled or declared)."""
    return {data["object"]: frozenset(data["fields"]) for _path, data in snapshot.documents
            if data["system"] == system}


def dump_document(data: Mapping[str, Any]) -> str:
    """The deterministic JSON text of one snapshot document: fixed key order, sorted fields."""
    ordered: dict[str, Any] = {k: data[k] for k in _TOP_ORDER if k in data}
    ordered.update({k: data[k] for k in sorted(data) if k not in ordered and k != "fields"})
    ordered["fields"] = {name: {k: spec[k] for k in sorted(spec)}
                         for name, spec in sorted(data["fields"].items())}
    return json.dumps(ordered, indent=2, ensure_ascii=False) + "\n"


def write_snapshot(root: Path, documents: Sequence[Mapping[str, Any]]) -> list[Path]:
    """Write `documents` under `root` (other objects' files are kept) all at once.

    The new folder is built beside `root` and swapped in by rename, so a failure part way
    leaves the previous snapshot as it was.
    """
    root = Path(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}-", dir=root.parent))
    try:
        if root.is_dir():
            shutil.copytree(root, staging, dirs_exist_ok=True)
        written = []
        for data in documents:
            target = staging / data["system"] / f"{data['object']}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(dump_document(data), "utf-8")
            written.append(root / data["system"] / target.name)
        _swap(staging, root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def _swap(staging: Path, root: Path) -> None:
    if not root.exists():
        os.replace(staging, root)
        return
    retired = root.with_name(f".{root.name}-old-{os.getpid()}")
    os.replace(root, retired)
    try:
        os.replace(staging, root)
    except OSError:
        os.replace(retired, root)
        raise
    shutil.rmtree(retired, ignore_errors=True)
