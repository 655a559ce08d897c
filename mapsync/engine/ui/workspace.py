"""What the page shows and edits: the configuration and the rule set as they are on disk.

    ws = Workspace.load(Path("mapsync.yaml"), rules=None)
    ws.mappings            # MappingView per block, fields with their arrow and lock reason
    ws.diagnostics         # the checker's findings (the page opens even when there are errors)
    ws.version             # fingerprint of every file read; a save checks it is unchanged

Nothing here decides what rules mean: the checker and the compiler do (`validate_texts`,
`compile_texts`); this module only arranges their results for the page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mapsync.engine.language import ast

if TYPE_CHECKING:
    from mapsync.engine.catalog import Catalogs
    from mapsync.engine.config import Config
    from mapsync.engine.diagnostics import Diagnostic
    from mapsync.engine.plan import Plan, PlanField

ARROWS = ("->", "<-", "<->", "off")
DEFAULT_LANGUAGE = "en_US"


@dataclass(frozen=True, slots=True)
class RuleFileText:
    """One rule file: where it is, how it is shown and named, and its text when loaded."""

    path: Path
    shown: str
    name: str
    text: str


@dataclass(frozen=True, slots=True)
class FieldView:
    """One field rule as the page shows it; `index` numbers the rules of its mapping."""

    index: int
    intacct: str
    salesforce: str
    arrow: str
    labels: dict[str, str]
    lock: str | None  # "required", "locked" or None
    lines: str | None
    file: str
    line: int
    arrow_span: ast.Span
    catalog_labels: Mapping[str, str] = field(default_factory=dict)

    def label(self, language: str) -> str:
        """The rule's label in `language`, else its Salesforce field's (from the catalog the
        generated package translates), else English, else the field's name."""
        for labels in (self.labels, self.catalog_labels):
            if labels.get(language):
                return labels[language]
        return (self.labels.get(DEFAULT_LANGUAGE) or self.catalog_labels.get(DEFAULT_LANGUAGE)
                or self.salesforce)


@dataclass(frozen=True, slots=True)
class MappingView:
    """One mapping, managed list or action, with its policies and fields."""

    name: str
    kind: str
    labels: dict[str, str]
    intacct: str
    salesforce: str
    create: tuple[str, ...] | None
    conflict: str | None
    conflict_span: ast.Span | None
    file: str
    line: int
    fields: tuple[FieldView, ...]

    def label(self, language: str) -> str:
        """The mapping's label in `language`, else English, else its name."""
        return self.labels.get(language) or self.labels.get(DEFAULT_LANGUAGE) or self.name

    def field(self, index: int) -> FieldView | None:
        """The field rule numbered `index`, or None."""
        return self.fields[index] if 0 <= index < len(self.fields) else None


@dataclass
class Workspace:
    """The configuration and rule files read at one moment, checked and arranged."""

    config_path: Path
    config_text: str | None
    config: Config | None
    config_issues: list[Diagnostic]
    rules: Path
    files: list[RuleFileText]
    diagnostics: list[Diagnostic]
    plan: Plan | None
    mappings: list[MappingView] = field(default_factory=list)

    @classmethod
    def load(cls, config_path: Path, rules: Path | None = None) -> Workspace:
        """Read everything now; problems become issues and diagnostics, never exceptions."""
        from mapsync.engine.config import ConfigError, parse_config
        from mapsync.engine.resources import rules_dir

        config_text = _read_text(config_path)
        config: Config | None = None
        issues: list[Diagnostic] = []
        if config_text is not None:
            try:
                config = parse_config(config_text, config_path)
            except ConfigError as exc:
                issues = exc.diagnostics
        folder = rules or (config.rules if config else rules_dir())
        files = read_rule_files(folder)
        return cls.from_texts(config_path, config_text, config, issues, folder, files)

    @classmethod
    def from_texts(cls, config_path: Path, config_text: str | None, config: Config | None,
                   issues: list[Diagnostic], rules: Path,
                   files: list[RuleFileText]) -> Workspace:
        """Check and compile rule texts (read from disk or edited) into a workspace."""
        from mapsync.engine.language import compile_texts

        plan, loaded = compile_texts([(f.shown, f.name, f.text) for f in files])
        ws = cls(config_path, config_text, config, issues, rules, files,
                 list(loaded.diagnostics), plan)
        ws.mappings = build_views(loaded.rule_set, plan)
        return ws

    @property
    def version(self) -> str:
        """A fingerprint of the configuration and every rule file as read."""
        digest = hashlib.sha256()
        digest.update((self.config_text or "").encode())
        for f in self.files:
            digest.update(f"\0{f.shown}\0".encode() + f.text.encode())
        return digest.hexdigest()[:32]

    @property
    def languages(self) -> tuple[str, ...]:
        """The label languages the rule set declares."""
        return self.plan.languages if self.plan else ()

    @property
    def read_only(self) -> bool:
        """True for the rules shipped inside mapsync: they are not edited in place."""
        from mapsync.engine.resources import rules_dir

        return self.rules.resolve() == rules_dir().resolve()

    def mapping(self, name: str) -> MappingView | None:
        """The mapping called `name`, or None."""
        return next((m for m in self.mappings if m.name == name), None)

    def file(self, shown: str) -> RuleFileText:
        """The rule file shown as `shown`."""
        return next(f for f in self.files if f.shown == shown)

    def enabled(self, name: str) -> bool:
        """Whether the configuration runs mapping `name` (all run when it names none)."""
        selected = self.config.mappings if self.config else None
        return selected is None or name in selected

    def options(self) -> dict[str, Any]:
        """The configuration's `options` as written (empty without a valid configuration)."""
        if self.config is None:
            return {}
        o = self.config.options
        return {"price_source": o.price_source,
                "create_intacct_customers_from_accounts":
                    o.create_intacct_customers_from_accounts,
                "sales_document_relationship": o.sales_document_relationship,
                "overlap_seconds": o.overlap_seconds}


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        return None


def read_rule_files(folder: Path) -> list[RuleFileText]:
    """The rule files of a folder (or one file) with their text."""
    from mapsync.engine.language.loader import find_rule_files

    found, _ = find_rule_files([folder])
    out = []
    for item in found:
        try:
            text = item.path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""  # the checker reports the file itself when it is checked from disk
        out.append(RuleFileText(item.path, item.shown, item.name, text))
    return out


def _side_text(side: ast.Operand) -> str:
    if isinstance(side, ast.FieldRef):
        return side.path
    if isinstance(side, ast.FieldTuple):
        return "(" + ", ".join(p.path for p in side.paths) + ")"
    return repr(side.value) if not isinstance(side.value, str) else f'"{side.value}"'


def _plan_fields(plan: Plan | None) -> dict[tuple[str, int, int], PlanField]:
    found: dict[tuple[str, int, int], PlanField] = {}
    for mapping in plan.mappings if plan else ():
        groups = [mapping.fields, *(lines.fields for lines in mapping.lines)]
        for group in groups:
            for f in group:
                found[(f.source.path, f.source.line, f.source.column)] = f
    return found


Located = tuple[str | None, str | None, ast.FieldRule]  # lines name, Salesforce object, rule


def _rules_of(block: ast.Block) -> list[Located]:
    top = ast.object_decl(block.statements, "salesforce")
    rules: list[Located] = []
    for statement in block.statements:
        if isinstance(statement, ast.FieldRule):
            rules.append((None, top.name if top else None, statement))
        elif isinstance(statement, ast.LinesDecl):
            inner = ast.object_decl(statement.statements, "salesforce")
            rules += [(statement.name, inner.name if inner else None, r)
                      for r in ast.statements_of(statement.statements, ast.FieldRule)]
    return rules


def _catalog_labels(catalogs: Catalogs, obj: str | None, side: ast.Operand) -> Mapping[str, str]:
    info = catalogs.get("salesforce", obj) if obj else None
    found = info.field(side.path) if info and isinstance(side, ast.FieldRef) else None
    if found is None:
        return {}
    return {**found.labels, DEFAULT_LANGUAGE: found.labels.get(DEFAULT_LANGUAGE) or found.label}


def build_views(rule_set: ast.RuleSet, plan: Plan | None) -> list[MappingView]:
    """A view of every block, with each field's lock from the compiled plan (when there is one:
    without it only rules marked `locked` are known to be locked)."""
    from mapsync.engine.catalog import load_catalogs

    catalogs = load_catalogs()
    planned = _plan_fields(plan)
    names = {f.path: f.name for f in rule_set.files}
    views = []
    for block in rule_set.blocks():
        fields = []
        for index, (lines, obj, rule) in enumerate(_rules_of(block)):
            span = rule.span
            compiled = planned.get((names.get(span.path, span.path), span.line, span.column))
            lock = "required" if compiled is not None and compiled.required else (
                "locked" if rule.locked else None)
            fields.append(FieldView(index, _side_text(rule.intacct), _side_text(rule.salesforce),
                                    rule.arrow, {lb.language: lb.text for lb in rule.labels},
                                    lock, lines, span.path, span.line, rule.arrow_span,
                                    _catalog_labels(catalogs, obj, rule.salesforce)))
        views.append(_mapping_view(block, tuple(fields)))
    return views


def _last_word(span: ast.Span, word: str) -> ast.Span:
    """The span of `word` ending a one-line statement (`conflict newest` -> `newest`)."""
    return ast.Span(span.path, span.end_line, span.end_column - len(word), span.end_line,
                    span.end_column)


def _mapping_view(block: ast.Block, fields: tuple[FieldView, ...]) -> MappingView:
    labels = {lb.language: lb.text for d in ast.statements_of(block.statements, ast.LabelDecl)
              for lb in d.labels}
    intacct = ast.object_decl(block.statements, "intacct")
    salesforce = ast.object_decl(block.statements, "salesforce")
    create = next(iter(ast.statements_of(block.statements, ast.CreateDecl)), None)
    conflict = next(iter(ast.statements_of(block.statements, ast.ConflictDecl)), None)
    docparid = f' "{intacct.docparid}"' if intacct and intacct.docparid else ""
    return MappingView(
        name=block.name, kind=block.kind, labels=labels,
        intacct=(intacct.name + docparid) if intacct else "",
        salesforce=salesforce.name if salesforce else "",
        create=create.sides if create else None,
        conflict=conflict.policy if conflict else None,
        conflict_span=_last_word(conflict.span, conflict.policy) if conflict else None,
        file=block.name_span.path, line=block.name_span.line, fields=fields)
