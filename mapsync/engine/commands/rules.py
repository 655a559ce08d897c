"""`mapsync rules list [--lang CODE] [PATH ...]`: a table of the mappings of a rule set, and
`mapsync rules init DIR [--force]`: a copy of the standard rules to make one's own.

One row per mapping, in write order: its label in the chosen language, kind, the Intacct
and Salesforce objects, how many fields flow each way, and the locked Intacct fields.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mapsync.engine.commands._rules_args import USAGE_ERROR, compile_or_report, rule_paths

if TYPE_CHECKING:
    from mapsync.engine.plan import Plan, PlanField, PlanMapping, PlanSide

DEFAULT_LANGUAGE = "en_US"

# Column headings of the table, per language; other languages fall back to en_US.
HEADINGS: Mapping[str, tuple[str, ...]] = {
    "en_US": ("Mapping", "Kind", "Intacct object", "Salesforce object", "To SF",
              "To Intacct", "Both", "Off", "Locked fields"),
    "fr": ("Correspondance", "Type", "Objet Intacct", "Objet Salesforce", "Vers SF",
           "Vers Intacct", "Les deux", "Désactivés", "Champs verrouillés"),
    "de": ("Zuordnung", "Art", "Intacct-Objekt", "Salesforce-Objekt", "Nach SF",
           "Nach Intacct", "Beide", "Aus", "Gesperrte Felder"),
    "es": ("Asignación", "Tipo", "Objeto de Intacct", "Objeto de Salesforce", "A SF",
           "A Intacct", "Ambos", "Desactivados", "Campos bloqueados"),
}

KINDS: Mapping[str, Mapping[str, str]] = {
    "en_US": {"sync": "sync", "managed": "managed", "action": "action"},
    "fr": {"sync": "synchronisation", "managed": "liste gérée", "action": "action"},
    "de": {"sync": "Synchronisierung", "managed": "verwaltete Liste", "action": "Aktion"},
    "es": {"sync": "sincronización", "managed": "lista administrada", "action": "acción"},
}

DIRECTIONS = ("to_salesforce", "to_intacct", "both", "off")


@dataclass(frozen=True, slots=True)
class Row:
    """One mapping as the table shows it."""

    name: str
    label: str
    kind: str
    intacct: str
    salesforce: str
    counts: tuple[int, int, int, int]
    locked: tuple[str, ...]


def register(subparsers: Any) -> None:
    """Add the `rules` sub-command and its `list` action."""
    parser = subparsers.add_parser(
        "rules", help="inspect a rule set",
        description="Inspect the mappings of a rule set.")
    actions = parser.add_subparsers(dest="rules_action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list", help="table of the mappings",
        description="Print a table of the mappings: objects, kind, fields per direction and "
                    "locked fields, labelled in the chosen language.")
    listing.add_argument("paths", nargs="*", metavar="PATH",
                         help="rule files or folders of .map files (default: rules/)")
    listing.add_argument("--lang", default=DEFAULT_LANGUAGE, metavar="CODE",
                         help="language of the labels, one the rule set declares "
                              f"(default: {DEFAULT_LANGUAGE})")
    listing.set_defaults(handler=handle_list)
    init = actions.add_parser(
        "init", help="copy the standard rules into a folder of yours",
        description="Write the standard rules shipped with mapsync into DIR, to edit and "
                    "keep in git; point `rules:` in mapsync.yaml at it.")
    init.add_argument("folder", metavar="DIR", help="the folder to write the .map files into")
    init.add_argument("--force", action="store_true", help="replace files that exist")
    init.set_defaults(handler=handle_init)


def handle_init(args: argparse.Namespace) -> int:
    """Run `rules init`; returns the exit code (0 written, 1 files exist or cannot be written)."""
    from pathlib import Path

    from mapsync.engine.resources import rules_dir

    folder = Path(args.folder)
    shipped = sorted(rules_dir().glob("*.map"))
    existing = [folder / p.name for p in shipped if (folder / p.name).exists()]
    if existing and not args.force:
        for path in existing:
            print(f"mapsync: error: {path} exists; use --force to replace it", file=sys.stderr)
        return 1
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path in shipped:
            (folder / path.name).write_bytes(path.read_bytes())
    except OSError as exc:
        print(f"mapsync: error: cannot write {folder}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote the {len(shipped)} standard rule files to {folder}; they are yours to edit.")
    print(f"check them with `mapsync validate {folder}` and set `rules: {folder}` in "
          "mapsync.yaml to sync with them.")
    return 0


def handle_list(args: argparse.Namespace) -> int:
    """Run `rules list`; returns the exit code (0 table, 1 rule errors, 2 usage)."""
    paths = rule_paths(args.paths)
    if paths is None:
        return USAGE_ERROR
    plan = compile_or_report(paths)
    if plan is None:
        return 1
    if plan.languages and args.lang not in plan.languages:
        declared = ", ".join(plan.languages)
        print(f"mapsync: error: the rule set has no labels in `{args.lang}`; "
              f"it declares {declared}", file=sys.stderr)
        return USAGE_ERROR
    print_table(rows(plan, args.lang), args.lang)
    return 0


def rows(plan: Plan, lang: str) -> list[Row]:
    """The table rows of `plan`, in write order, labelled in `lang`."""
    return [_row(mapping, lang) for mapping in plan.mappings]


def _row(mapping: PlanMapping, lang: str) -> Row:
    fields = _all_fields(mapping)
    return Row(
        name=mapping.name,
        label=_label(mapping.labels, lang) or mapping.name,
        kind=mapping.kind,
        intacct=_intacct_text(mapping.intacct),
        salesforce=mapping.salesforce.object or "",
        counts=_counts(fields),
        locked=tuple(_locked(mapping)),
    )


def _label(labels: Mapping[str, str], lang: str) -> str:
    return labels.get(lang) or labels.get(DEFAULT_LANGUAGE) or ""


def _intacct_text(side: PlanSide) -> str:
    name = side.function or side.object or ""
    docparid = side.docparid
    return f"{name} ({docparid})" if docparid else name


def _all_fields(mapping: PlanMapping) -> list[PlanField]:
    fields = list(mapping.fields)
    for lines in mapping.lines:
        fields += lines.fields
    return fields


def _counts(fields: Iterable[PlanField]) -> tuple[int, int, int, int]:
    directions = [f.direction for f in fields]
    to_sf, to_ia, both, off = (directions.count(d) for d in DIRECTIONS)
    return (to_sf, to_ia, both, off)


def _locked(mapping: PlanMapping) -> list[str]:
    names = [_side_text(f.intacct) for f in mapping.fields if f.locked]
    for lines in mapping.lines:
        names += [f"{lines.name}.{_side_text(f.intacct)}" for f in lines.fields if f.locked]
    return list(dict.fromkeys(names))


def _side_text(side: str | Sequence[str] | None) -> str:
    if side is None:
        return "(constant)"
    return side if isinstance(side, str) else "+".join(side)


def print_table(table_rows: Sequence[Row], lang: str) -> None:
    """The rows as a plain table fitted to the terminal (80 columns in a pipe)."""
    from mapsync.engine.commands._table import Column, render_table

    headings = HEADINGS.get(lang, HEADINGS[DEFAULT_LANGUAGE])
    kinds = KINDS.get(lang, KINDS[DEFAULT_LANGUAGE])
    # Prose (labels, the locked list) narrows before object names do.
    give = (1.0, 0.8, 0.6, 0.6, 0, 0, 0, 0, 1.0)
    columns = [Column(h, numeric=4 <= i <= 7, give=give[i]) for i, h in enumerate(headings)]
    cells = [[row.label, kinds.get(row.kind, row.kind), row.intacct, row.salesforce,
              *(str(n) for n in row.counts), ", ".join(row.locked)] for row in table_rows]
    sys.stdout.write(render_table(columns, cells))
