"""Semantic checks of a rule set against the object catalogs.

`check(rule_set, catalogs)` returns every problem found, sorted by position, as
`Diagnostic` records with stable codes (listed in docs/language.md, "Diagnostics").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mapsync.engine.catalog import Catalogs, FieldInfo, ObjectInfo
from mapsync.engine.diagnostics import Diagnostic, sort_diagnostics
from mapsync.engine.language import ast, model
from mapsync.engine.language import steps as st
from mapsync.engine.language.languages import SALESFORCE_LANGUAGES, is_language

_SYSTEM_NAME = {"intacct": "Intacct", "salesforce": "Salesforce"}
_ALLOWED_ARROWS = {"mapping": {"->", "<-", "<->", "off"}, "managed": {"->", "off"},
                   "action": {"<-", "off"}}
_NOT_IN: dict[str, dict[type, str]] = {
    "mapping": {ast.ResultDecl: "`result` belongs to actions"},
    "managed": {ast.ConflictDecl: "managed mappings are one way, so they have no conflicts",
                ast.ResultDecl: "`result` belongs to actions",
                ast.LinesDecl: "managed mappings have no line collections"},
    "action": {ast.ConflictDecl: "actions are one way, so they have no conflicts",
               ast.MatchDecl: "actions always create; they do not match records",
               ast.DeleteDecl: "actions do not delete", ast.CreateDecl: "actions always create"},
}
_KIND_WORDS = {
    st.TEXT: "text", st.NUMBER: "a number", st.BOOLEAN: "a boolean", st.DATE: "a date",
    st.DATETIME: "a date-time", st.ID: "a Salesforce Id", st.TUPLE: "several values",
    st.I_BOOLEAN: "an Intacct boolean (`true`/`false` text)",
    st.I_DATE: "an Intacct date (MM/DD/YYYY)", st.I_DATETIME: "an Intacct date-time",
}
_FIXES = {
    (st.I_DATE, st.DATE): "add `| date`", (st.DATE, st.I_DATE): "add `| date`",
    (st.I_DATETIME, st.DATETIME): "add `| datetime`",
    (st.DATETIME, st.I_DATETIME): "add `| datetime`",
    (st.I_BOOLEAN, st.BOOLEAN): "add `| bool`", (st.BOOLEAN, st.I_BOOLEAN): "add `| bool`",
    (st.TEXT, st.NUMBER): "add `| number`", (st.TUPLE, st.TEXT): "add `| join(\" \")`",
    (st.TEXT, st.TUPLE): "add `| split(\" \")`",
}


_CLEAR_MATCH = 0.9  # one suggestion is enough when it is this close


def check(rule_set: ast.RuleSet, catalogs: Catalogs) -> list[Diagnostic]:
    """Every semantic problem of `rule_set`, sorted by file and position."""
    checker = _Checker(rule_set, catalogs)
    checker.run()
    return sort_diagnostics(checker.found)


def close_matches(word: str, candidates: Iterable[str]) -> list[str]:
    """Likely intended names for `word`: same spelling in another case first, then similar."""
    import difflib

    pool = sorted(set(candidates))
    same = [c for c in pool if c.lower() == word.lower() and c != word]
    if same:
        return same
    found = difflib.get_close_matches(word, pool, n=3, cutoff=0.6)
    if found and difflib.SequenceMatcher(None, word, found[0]).ratio() >= _CLEAR_MATCH:
        return found[:1]
    return found


def did_you_mean(word: str, candidates: Iterable[str]) -> tuple[str, ...]:
    """A "did you mean" hint, or nothing when no name is close."""
    found = close_matches(word, candidates)
    if not found:
        return ()
    if len(found) == 1:
        return (f"did you mean `{found[0]}`?",)
    return ("did you mean one of " + ", ".join(f"`{f}`" for f in found) + "?",)


@dataclass(slots=True)
class _Scope:
    """The objects field rules of one block (or line collection) refer to."""

    kind: str
    intacct: ObjectInfo | None
    salesforce: ObjectInfo | None
    master: _Master


@dataclass(frozen=True, slots=True)
class _Master:
    """Which way a block's locked fields must flow, and the reason a message gives for it."""

    to_intacct: bool
    reason: str

    @property
    def arrows(self) -> tuple[str, ...]:
        return ("<-", "<->") if self.to_intacct else ("->", "<->")

    @property
    def way(self) -> str:
        return "to Intacct" if self.to_intacct else "from Intacct"


@dataclass(slots=True)
class _Writes:
    """Which rule writes each field of one scope, to find conflicting rules."""

    by_field: dict[tuple[str, str], ast.FieldRule] = field(default_factory=dict)


class _Checker:
    def __init__(self, rule_set: ast.RuleSet, catalogs: Catalogs) -> None:
        self.rule_set = rule_set
        self.catalogs = catalogs
        self.found: list[Diagnostic] = []
        self.blocks: dict[str, ast.Block] = {}
        self.declared: tuple[str, ...] = ()

    def error(self, code: str, message: str, span: ast.Span, hints: Sequence[str] = ()) -> None:
        self.found.append(Diagnostic(code, message, span.path, span.line, span.column,
                                     span.end, hints=tuple(hints)))

    def run(self) -> None:
        self.check_languages()
        self.index_blocks()
        for block in self.rule_set.blocks():
            self.check_block(block)
        self.check_order()

    # ---- rule-set level -----------------------------------------------------------

    def check_languages(self) -> None:
        decls = self.rule_set.languages()
        for extra in decls[1:]:
            self.error("duplicate-declaration", "`languages` is declared more than once",
                       extra.span, [_first_at(decls[0].span)])
        if not decls:
            return
        seen: set[str] = set()
        for code in decls[0].codes:
            self.check_language_code(code.value, code.span)
            if code.value in seen:
                self.error("duplicate-declaration", f"language `{code.value}` is listed twice",
                           code.span)
            seen.add(code.value)
        self.declared = tuple(c.value for c in decls[0].codes if is_language(c.value))

    def check_language_code(self, code: str, span: ast.Span) -> bool:
        if is_language(code):
            return True
        self.error("unknown-language", f"`{code}` is not a Salesforce language code", span,
                   did_you_mean(code, SALESFORCE_LANGUAGES)
                   or ("use codes such as `en_US`, `fr`, `de`, `es`, `it`, `ja`",))
        return False

    def index_blocks(self) -> None:
        pairs: dict[tuple[str, str | None, str], ast.Block] = {}
        for block in self.rule_set.blocks():
            first = self.blocks.get(block.name)
            if first is not None:
                self.error("duplicate-mapping", f"`{block.name}` is defined more than once",
                           block.name_span, [_first_at(first.name_span)])
                continue
            self.blocks[block.name] = block
            pair = _object_pair(block)
            if pair is None or block.kind == "action":
                continue
            other = pairs.setdefault(pair, block)
            if other is not block and not (_filtered(other) and _filtered(block)):
                self.error("duplicate-mapping",
                           f"`{block.name}` maps {_pair_text(pair)} again", block.name_span,
                           [f"`{other.name}` already maps them ({_position(other.name_span)})"])

    def check_order(self) -> None:
        _, left = model.write_order(self.blocks)
        if not left:
            return
        cycle = model.find_cycle(self.blocks, left)
        names = " -> ".join([cycle[0].source, *(d.target for d in cycle)])
        self.error("ref-cycle", f"mappings depend on each other in a cycle: {names}",
                   cycle[0].span, ["no write order exists; break the cycle by making one of "
                                   "these rules one way or removing an `after`"])

    # ---- blocks --------------------------------------------------------------------

    def check_block(self, block: ast.Block) -> None:
        self.check_statements_allowed(block.kind, block.statements)
        self.check_single(block.statements)
        scope = self.block_scope(block)
        self.check_header(block, scope)
        writes = _Writes()
        for statement in block.statements:
            if isinstance(statement, ast.FieldRule):
                self.check_rule(statement, scope, writes)
            elif isinstance(statement, ast.LinesDecl):
                self.check_lines(block, statement, scope)

    def check_statements_allowed(self, kind: str, statements: tuple[ast.Statement, ...]) -> None:
        banned = _NOT_IN[kind]
        for statement in statements:
            reason = banned.get(type(statement))
            if reason:
                self.error("not-allowed", f"not allowed in a `{kind}` block: {reason}",
                           statement.span)
            if isinstance(statement, ast.CreateDecl) and kind == "managed" \
                    and statement.sides != ("salesforce",):
                self.error("not-allowed", "managed mappings only create Salesforce records",
                           statement.span, ["write `create salesforce from intacct` or drop it"])

    def check_single(self, statements: tuple[ast.Statement, ...]) -> None:
        first: dict[Any, ast.Statement] = {}
        for statement in statements:
            key: Any = type(statement)
            if isinstance(statement, ast.ObjectDecl):
                key = (key, statement.system)
            elif not isinstance(statement, ast.CreateDecl | ast.ConflictDecl | ast.DeleteDecl
                                | ast.ResultDecl):
                continue
            if key in first:
                self.error("duplicate-declaration", f"`{_keyword(statement)}` is given twice",
                           statement.span, [_first_at(first[key].span)])
            first.setdefault(key, statement)

    def block_scope(self, block: ast.Block) -> _Scope:
        intacct = self.resolve_object(block.kind, block.statements, "intacct", block.name_span)
        salesforce = self.resolve_object(block.kind, block.statements, "salesforce",
                                         block.name_span)
        return _Scope(block.kind, intacct, salesforce, _master(block))

    def resolve_object(self, kind: str, statements: tuple[ast.Statement, ...],
                       system: ast.System, where: ast.Span) -> ObjectInfo | None:
        decl = ast.object_decl(statements, system)
        if decl is None:
            self.error("missing-declaration", f"no `{system}` object is declared", where,
                       [f"add a line such as `{_example_decl(system, kind)}`"])
            return None
        if system == "intacct":
            info = model.resolve_intacct(self.catalogs, kind, decl.name)
            names = model.intacct_names(self.catalogs, kind)
        else:
            info = self.catalogs.get(system, decl.name)
            names = list(self.catalogs.salesforce)
        if info is None:
            self.error("unknown-object",
                       f"unknown {_SYSTEM_NAME[system]} object `{decl.name}`", decl.name_span,
                       did_you_mean(decl.name, names) or _catalog_hint(system))
        return info

    def check_header(self, block: ast.Block, scope: _Scope) -> None:
        for system, info in (("intacct", scope.intacct), ("salesforce", scope.salesforce)):
            decl = ast.object_decl(block.statements, system)  # type: ignore[arg-type]
            if decl is not None and info is not None:
                self.check_object_decl(block.kind, decl, info)
        for statement in block.statements:
            self.check_header_statement(block, statement, scope)
        labels = [label for d in ast.statements_of(block.statements, ast.LabelDecl)
                  for label in d.labels]
        self.check_labels(labels, block.name_span, f"`{block.name}`")

    def check_object_decl(self, kind: str, decl: ast.ObjectDecl, info: ObjectInfo) -> None:
        if decl.key is not None:
            self.check_field(info, decl.key)
            if (decl.system == "salesforce" and kind != "action" and info.field(decl.key.path)
                    and not _is_upsert_key(info, decl.key.path)):
                external = sorted(n for n, f in info.fields.items() if f.external_id)
                self.error("bad-key", f"`{decl.key.path}` is not an external ID field of "
                           f"{info.name}, so records cannot be upserted by it", decl.key.span,
                           [f"use {_names(external)}"] if external else [])
        elif kind != "action" and not (decl.system == "intacct" and info.key) \
                and not (decl.system == "salesforce" and info.key):
            self.error("missing-declaration", f"{info.name} has no key; write `key FIELD`",
                       decl.span)
        if decl.parent is not None:
            self.check_field(info, decl.parent)
        if decl.docparid is not None:
            self.check_docparid(decl, info)

    def check_docparid(self, decl: ast.ObjectDecl, info: ObjectInfo) -> None:
        if decl.docparid in info.docparids:
            return
        if not info.docparids:
            self.error("unknown-docparid", f"{info.name} has no transaction definitions",
                       decl.span, ["remove `docparid`"])
            return
        self.error("unknown-docparid",
                   f"unknown transaction definition \"{decl.docparid}\" for {info.name}",
                   decl.span, did_you_mean(decl.docparid or "", info.docparids)
                   or [f"known: {_names(info.docparids)}"])

    def check_header_statement(self, block: ast.Block, statement: ast.Statement,
                               scope: _Scope) -> None:
        if isinstance(statement, ast.MatchDecl):
            self.check_field(scope.intacct, statement.intacct)
            self.check_field(scope.salesforce, statement.salesforce)
        elif isinstance(statement, ast.DeleteDecl):
            self.check_delete(statement, scope)
        elif isinstance(statement, ast.WhenDecl):
            self.check_condition(statement.condition, scope)
        elif isinstance(statement, ast.AfterDecl):
            for name in statement.names:
                self.check_mapping_name(name.value, name.span, "`after`")
        elif isinstance(statement, ast.ResultDecl):
            self.check_field(scope.salesforce, statement.field)

    def check_delete(self, decl: ast.DeleteDecl, scope: _Scope) -> None:
        if decl.mode == "deactivate" and decl.field is None:
            self.error("missing-declaration", "`delete deactivate` needs a field and a value",
                       decl.span, ['write e.g. `delete deactivate STATUS "inactive"`'])
        if decl.mode != "deactivate" and decl.field is not None:
            self.error("not-allowed", f"`delete {decl.mode}` takes no field", decl.field.span)
        if decl.field is not None:
            info = self.check_field(scope.intacct, decl.field)
            if info is not None and info.values and decl.value not in info.values:
                self.error("unknown-picklist-value",
                           f"\"{decl.value}\" is not a value of {decl.field.path}", decl.span,
                           did_you_mean(decl.value or "", info.values)
                           or [f"values: {_names(info.values)}"])

    def check_mapping_name(self, name: str, span: ast.Span, used_by: str) -> ast.Block | None:
        target = self.blocks.get(name)
        if target is None:
            self.error("unknown-mapping", f"{used_by} names unknown mapping `{name}`", span,
                       did_you_mean(name, self.blocks))
            return None
        if target.kind == "action":
            self.error("unknown-mapping", f"{used_by} names `{name}`, which is an action",
                       span, ["refer to a `mapping` or `managed` block"])
            return None
        return target

    # ---- labels --------------------------------------------------------------------

    def check_labels(self, labels: Sequence[ast.Label], where: ast.Span, what: str) -> None:
        seen: dict[str, ast.Label] = {}
        for label in labels:
            self.check_language_code(label.language, label.span)
            if label.language in seen:
                self.error("duplicate-declaration",
                           f"label of {what} has `{label.language}` twice", label.span,
                           [_first_at(seen[label.language].span)])
            seen.setdefault(label.language, label)
        if not labels or not self.declared:
            return
        missing = [code for code in self.declared if code not in seen]
        if missing:
            self.error("missing-translation",
                       f"label of {what} has no translation for {_names(missing)}",
                       labels[0].span, ["every label needs each language the rule set "
                                        "declares in `languages`"])

    # ---- lines ---------------------------------------------------------------------

    def check_lines(self, block: ast.Block, lines: ast.LinesDecl, parent: _Scope) -> None:
        if block.kind == "mapping" and lines.relationship is not None:
            self.error("not-allowed", "`lines ... from ...` belongs to actions", lines.span,
                       ["declare the line objects with `intacct` and `salesforce` lines"])
        if block.kind == "action" and lines.relationship is None:
            self.error("not-allowed", "action lines are written `lines element from "
                       "Relationship`", lines.span,
                       ["e.g. `lines sotransitems from OpportunityLineItems {`"])
        self.check_statements_allowed_in_lines(block.kind, lines)
        scope = self.lines_scope(block, lines, parent)
        for statement in lines.statements:
            if isinstance(statement, ast.ObjectDecl) and statement.system == "intacct" \
                    and scope.intacct is not None:
                self.check_object_decl(block.kind, statement, scope.intacct)
            elif isinstance(statement, ast.ObjectDecl) and scope.salesforce is not None:
                self.check_object_decl(block.kind, statement, scope.salesforce)
            elif isinstance(statement, ast.MatchDecl):
                self.check_header_statement(block, statement, scope)
        writes = _Writes()
        for rule in ast.statements_of(lines.statements, ast.FieldRule):
            self.check_rule(rule, scope, writes)

    def check_statements_allowed_in_lines(self, kind: str, lines: ast.LinesDecl) -> None:
        allowed: tuple[type, ...] = (ast.FieldRule, ast.LabelDecl)
        if kind == "mapping":
            allowed += (ast.ObjectDecl, ast.MatchDecl)
        for statement in lines.statements:
            if not isinstance(statement, allowed):
                self.error("not-allowed",
                           f"`{_keyword(statement)}` is not allowed in a line collection",
                           statement.span)
        self.check_single(lines.statements)

    def lines_scope(self, block: ast.Block, lines: ast.LinesDecl, parent: _Scope) -> _Scope:
        if block.kind == "mapping":
            intacct = self.resolve_object(block.kind, lines.statements, "intacct", lines.span)
            salesforce = self.resolve_object(block.kind, lines.statements, "salesforce",
                                             lines.span)
            return _Scope(block.kind, intacct, salesforce, parent.master)
        intacct = self.action_child("intacct", parent.intacct, lines.name, lines.span)
        salesforce = self.action_child("salesforce", parent.salesforce,
                                       lines.relationship or "", lines.span)
        return _Scope(block.kind, intacct, salesforce, parent.master)

    def action_child(self, system: ast.System, parent: ObjectInfo | None, hint: str,
                     span: ast.Span) -> ObjectInfo | None:
        if parent is None:
            return None
        child = model.child_object(self.catalogs, system, parent, hint)
        if child is None:
            known = model.child_names(self.catalogs, system, parent)
            self.error("unknown-object", f"no {_SYSTEM_NAME[system]} line object of "
                       f"{parent.name} matches `{hint}`", span,
                       [f"line objects of {parent.name}: {_names(known)}"] if known
                       else [f"no catalog object names {parent.name} as its `parent`"])
        return child

    # ---- field rules ---------------------------------------------------------------

    def check_rule(self, rule: ast.FieldRule, scope: _Scope, writes: _Writes) -> None:
        if rule.arrow not in _ALLOWED_ARROWS[scope.kind]:
            allowed = " or ".join(f"`{a}`" for a in sorted(_ALLOWED_ARROWS[scope.kind]))
            self.error("not-allowed", f"`{rule.arrow}` is not allowed in a `{scope.kind}` "
                       f"block", rule.arrow_span, [f"use {allowed}"])
        constants_ok = self.check_constants(rule)
        intacct = self.check_side(scope.intacct, rule.intacct)
        salesforce = self.check_side(scope.salesforce, rule.salesforce)
        self.check_targets(rule, scope, writes)
        self.check_lock(rule, scope)
        built = self.build_steps(rule)
        if rule.when is not None:
            self.check_condition(rule.when, scope)
        self.check_labels(rule.labels, rule.span, f"`{_rule_text(rule)}`")
        if built is None or rule.arrow == "off":
            return
        if rule.arrow == "<->":
            self.check_invertible(rule, built)
        if constants_ok and intacct is not False and salesforce is not False:
            self.check_flow(rule, scope, built)
            self.check_refs(rule, scope)

    def check_constants(self, rule: ast.FieldRule) -> bool:
        ok = True
        for side, target in ((rule.intacct, rule.arrow in ("<-", "<->")),
                             (rule.salesforce, rule.arrow in ("->", "<->"))):
            if not isinstance(side, ast.Constant):
                continue
            if rule.arrow == "off" or target:
                ok = False
                self.error("constant-side", "a constant can only be the source of a one-way "
                           "rule", side.span, ["write the constant on the side the arrow "
                                                "comes from, e.g. `\"USD\" -> CurrencyIsoCode`"])
        if isinstance(rule.intacct, ast.Constant) and isinstance(rule.salesforce, ast.Constant):
            ok = False
            self.error("constant-side", "both sides are constants", rule.span)
        return ok

    def check_side(self, info: ObjectInfo | None, side: ast.Side) -> bool | None:
        """False when a named field is unknown, None when the object itself is unknown."""
        if info is None:
            return None
        refs = side.paths if isinstance(side, ast.FieldTuple) else (
            (side,) if isinstance(side, ast.FieldRef) else ())
        return all(self.check_field(info, ref) is not None for ref in refs)

    def check_field(self, info: ObjectInfo | None, ref: ast.FieldRef) -> FieldInfo | None:
        if info is None:
            return None
        found = info.field(ref.path)
        if found is None:
            self.error("unknown-field", f"unknown {_SYSTEM_NAME[info.system]} field "
                       f"`{ref.path}` on {info.name}", ref.span,
                       did_you_mean(ref.path, info.fields))
        return found

    def check_targets(self, rule: ast.FieldRule, scope: _Scope, writes: _Writes) -> None:
        for system, info, side in _targets(rule, scope):
            for ref in _refs(side):
                found = info.field(ref.path) if info else None
                writes_function = scope.kind == "action" and system == "intacct"
                if found is not None and found.readonly and rule.arrow != "off" \
                        and not writes_function:
                    self.error("readonly-field", f"{_SYSTEM_NAME[system]} field `{ref.path}` "
                               "is read-only and cannot be written", ref.span,
                               ["make the rule one way from this side, or `off`"])
                if not self.record_write(rule, system, ref, writes):
                    return

    def record_write(self, rule: ast.FieldRule, system: str, ref: ast.FieldRef,
                     writes: _Writes) -> bool:
        """Note that `rule` writes `ref`; False (and an error) when another rule does too."""
        key = (system, ref.path)
        other = writes.by_field.get(key)
        if other is None:
            writes.by_field[key] = rule
            return True
        if rule.when is not None and other.when is not None and "off" not in (rule.arrow,
                                                                                other.arrow):
            return True
        self.error("duplicate-rule", f"{_SYSTEM_NAME[system]} field `{ref.path}` already has "
                   f"a rule", ref.span, [_first_at(other.span)] + (
                       ["two rules may write one field only when both have a `when`"]
                       if rule.arrow != "off" and other.arrow != "off" else []))
        return False

    def check_lock(self, rule: ast.FieldRule, scope: _Scope) -> None:
        """A locked rule (marked `locked`, or its Intacct field required) keeps its direction."""
        master = scope.master
        if rule.arrow in master.arrows or rule.arrow not in _ALLOWED_ARROWS[scope.kind]:
            return  # a disallowed arrow already has its own `not-allowed` error
        required = self.required_paths(rule, scope)
        if not required and not rule.locked:
            return
        if not required and rule.arrow != "off" and not _refs(rule.intacct):
            return  # a locked constant: `constant-side` decides its direction
        allowed = [a for a in master.arrows if a in _ALLOWED_ARROWS[scope.kind]]
        what = (f"`{required[0]}` is required by Intacct" if required
                else f"`{_locked_name(rule, scope)}` is marked `locked`")
        self.error("locked-field", f"{what} and {master.reason}, so it must flow "
                   f"{master.way}: use {_arrows(allowed)}", rule.arrow_span,
                   _lock_hints(rule, scope, bool(required)))

    def required_paths(self, rule: ast.FieldRule, scope: _Scope) -> list[str]:
        """`OBJECT.PATH` of each Intacct field of `rule` that the catalog requires."""
        if scope.intacct is None:
            return []
        return [f"{scope.intacct.name}.{ref.path}" for ref in _refs(rule.intacct)
                if (found := scope.intacct.field(ref.path)) is not None and found.required]

    def build_steps(self, rule: ast.FieldRule) -> tuple[tuple[str, st.Args], ...] | None:
        built: list[tuple[str, st.Args]] = []
        ok = True
        for step in rule.steps:
            made = self.build_step(step)
            ok = ok and made is not None
            if made is not None:
                built.append(made)
        return tuple(built) if ok else None

    def build_step(self, step: ast.Step) -> tuple[str, st.Args] | None:
        if isinstance(step, ast.RefStep):
            found = self.check_mapping_name(step.mapping, step.span, "`ref`")
            return ("ref", {"mapping": step.mapping}) if found else None
        if isinstance(step, ast.MapStep):
            return self.build_map(step)
        if step.name not in st.STEPS:
            self.error("unknown-step", f"unknown transform step `{step.name}`", step.span,
                       did_you_mean(step.name, [*st.STEPS, "map", "ref"]))
            return None
        try:
            return st.build_call(step.name, tuple(a.value for a in step.args))
        except st.StepArgumentError as exc:
            self.error("bad-argument", str(exc), step.span)
            return None

    def build_map(self, step: ast.MapStep) -> tuple[str, st.Args] | None:
        seen: dict[str, ast.Span] = {}
        for (key, _), span in zip(step.table, step.entry_spans, strict=False):
            if key in seen:
                self.error("duplicate-rule", f"value map has the key \"{key}\" twice", span,
                           [_first_at(seen[key])])
            seen.setdefault(key, span)
        otherwise = {"mode": step.otherwise, "value": step.otherwise_value}
        return ("map", {"table": dict(step.table), "else": otherwise})

    def check_invertible(self, rule: ast.FieldRule,
                         built: tuple[tuple[str, st.Args], ...]) -> None:
        index = st.first_non_invertible(built)
        if index is None:
            return
        step = rule.steps[index]
        text = _rule_text(rule)
        self.error("not-invertible", f"`<->` needs a pipeline that can run backwards, but "
                   f"`{_step_text(step)}` has no inverse", step.span,
                   [f"split it into two one-way rules: `{text.replace('<->', '->')} | ...` "
                    f"and `{text.replace('<->', '<-')} | ...`"])

    # ---- kinds and values ----------------------------------------------------------------

    def check_flow(self, rule: ast.FieldRule, scope: _Scope,
                   built: tuple[tuple[str, st.Args], ...]) -> None:
        forward = rule.arrow in ("->", "<->")
        source_system: ast.System = "intacct" if forward else "salesforce"
        source_side, target_side = ((rule.intacct, rule.salesforce) if forward
                                    else (rule.salesforce, rule.intacct))
        source_info = scope.intacct if forward else scope.salesforce
        target_info = scope.salesforce if forward else scope.intacct
        if source_info is None or target_info is None:
            return
        direction: st.Direction = "to_salesforce" if forward else "to_intacct"
        kind = _side_kind(source_system, source_info, source_side)
        for (op, _), step in zip(built, rule.steps, strict=True):
            spec = st.spec(op)
            out = spec.kinds(kind, direction) if spec else None
            if out is None:
                self.error("type-mismatch", f"`{_step_text(step)}` cannot take "
                           f"{_KIND_WORDS[kind]}", step.span, _fix_hint(kind, st.TEXT))
                return
            kind = out
        target_system: ast.System = "salesforce" if forward else "intacct"
        wanted = _side_kind(target_system, target_info, target_side)
        if isinstance(source_side, ast.Constant) and not rule.steps:
            self.check_constant_fits(source_side, wanted, target_side, target_info)
        elif not _fits(kind, wanted) and not _plain_id(kind, wanted, target_info, target_side):
            self.error("type-mismatch", f"{_side_text(target_system, target_side)} takes "
                       f"{_KIND_WORDS[wanted]} but this rule gives it {_KIND_WORDS[kind]}",
                       target_side.span, self.mismatch_hints(kind, wanted, rule, scope))
        self.check_values(rule, source_info, target_info, source_side, target_side, built)

    def mismatch_hints(self, kind: str, wanted: str, rule: ast.FieldRule,
                       scope: _Scope) -> list[str]:
        if (kind, wanted) in ((st.TEXT, st.ID), (st.ID, st.TEXT)):
            targets = self.ref_candidates(rule, scope)
            return [f"add `| ref {targets[0]}`"] if targets else ["add `| ref <Mapping>`"]
        return _fix_hint(kind, wanted)

    def ref_candidates(self, rule: ast.FieldRule, scope: _Scope) -> list[str]:
        if scope.intacct is None or not isinstance(rule.intacct, ast.FieldRef):
            return []
        info = scope.intacct.field(rule.intacct.path)
        objects = set(info.references) if info else set()
        return sorted(name for name, block in self.blocks.items()
                      if _intacct_name(block) in objects and block.kind != "action")

    def check_constant_fits(self, constant: ast.Constant, wanted: str, target: ast.Side,
                            target_info: ObjectInfo) -> None:
        value = constant.value
        fits = {bool: {st.BOOLEAN, st.I_BOOLEAN, st.TEXT},
                int: {st.NUMBER, st.TEXT}, float: {st.NUMBER, st.TEXT}}.get(type(value))
        if fits is not None and wanted not in fits:
            self.error("type-mismatch", f"the constant {_literal(value)} does not fit "
                       f"{_KIND_WORDS[wanted]}", constant.span)
            return
        field_info = _field_of(target_info, target)
        if isinstance(value, str) and field_info is not None and field_info.values \
                and value not in field_info.values:
            self.error("unknown-picklist-value", f"\"{value}\" is not a value of "
                       f"{field_info.name}", constant.span,
                       did_you_mean(value, field_info.values)
                       or [f"values: {_names(field_info.values)}"])

    def check_values(self, rule: ast.FieldRule, source_info: ObjectInfo,
                     target_info: ObjectInfo, source: ast.Side, target: ast.Side,
                     built: tuple[tuple[str, st.Args], ...]) -> None:
        maps = [(i, s) for i, s in enumerate(rule.steps) if isinstance(s, ast.MapStep)]
        if not maps:
            return
        source_field = _field_of(source_info, source)
        target_field = _field_of(target_info, target)
        first_index, first_map = maps[0]
        if first_index == 0 and source_field is not None:
            self.check_coverage(first_map, source_field, first_map.table, "key")
        last_index, last_map = maps[-1]
        if last_index == len(rule.steps) - 1 and target_field is not None:
            self.check_outputs(last_map, target_field)
            if rule.arrow == "<->" and last_index == 0:
                reverse = tuple((v, k) for k, v in last_map.table)
                self.check_coverage(last_map, target_field, reverse, "value")

    def check_coverage(self, step: ast.MapStep, info: FieldInfo,
                       table: tuple[tuple[str, str], ...], role: str) -> None:
        if step.otherwise != "fail" or not info.values:
            return
        missing = [v for v in info.values if v not in {k for k, _ in table}]
        if missing:
            self.error("incomplete-map", f"value map has no {role} for {_names(missing)} "
                       f"(pick-list values of {info.name})", step.span,
                       ["map them too, or end the map with `else \"...\"` or `else keep`"])

    def check_outputs(self, step: ast.MapStep, info: FieldInfo) -> None:
        if not info.values:
            return
        produced = [v for _, v in step.table]
        if step.otherwise == "value" and step.otherwise_value is not None:
            produced.append(step.otherwise_value)
        unknown = sorted({v for v in produced if v not in info.values})
        if unknown:
            self.error("unknown-picklist-value", f"value map produces {_names(unknown)}, "
                       f"not pick-list values of {info.name}", step.span,
                       [f"values: {_names(info.values)}"])

    def check_refs(self, rule: ast.FieldRule, scope: _Scope) -> None:
        for step in rule.steps:
            if not isinstance(step, ast.RefStep) or step.mapping not in self.blocks:
                continue
            target = self.blocks[step.mapping]
            self.check_ref_side(rule.intacct, scope.intacct, _intacct_name(target), step, rule,
                                scope)
            self.check_ref_side(rule.salesforce, scope.salesforce, _salesforce_name(target),
                                step, rule, scope)

    def check_ref_side(self, side: ast.Side, info: ObjectInfo | None, target: str | None,
                       step: ast.RefStep, rule: ast.FieldRule, scope: _Scope) -> None:
        field_info = _field_of(info, side) if info else None
        if field_info is None or target is None or not field_info.references:
            return
        if target not in field_info.references:
            candidates = self.ref_candidates(rule, scope)
            self.error("ref-mismatch", f"`ref {step.mapping}` links {target} records, but "
                       f"`{field_info.name}` refers to {_names(field_info.references)}",
                       step.span, [f"did you mean `ref {candidates[0]}`?"] if candidates else [])

    # ---- conditions -----------------------------------------------------------------

    def check_condition(self, condition: ast.Condition, scope: _Scope) -> None:
        info = scope.intacct if condition.side == "intacct" else scope.salesforce
        for path in _expr_paths(condition.expr):
            self.check_field(info, ast.FieldRef(path.path, path.span))


# ---- helpers ----------------------------------------------------------------------------


def _master(block: ast.Block) -> _Master:
    """Locked fields flow to Intacct when the block may create Intacct records; otherwise
    Intacct's records (and their required values) only ever come from Intacct itself."""
    if block.kind == "action":
        return _Master(True, "this action creates Intacct records")
    if block.kind == "managed":
        return _Master(False, "managed mappings create records only in Salesforce")
    decl = next(iter(ast.statements_of(block.statements, ast.CreateDecl)), None)
    sides = ("intacct", "salesforce") if decl is None else decl.sides
    if "intacct" in sides:
        return _Master(True, "this mapping may create Intacct records")
    if sides:
        return _Master(False, "this mapping creates records only in Salesforce")
    return _Master(False, "this mapping never creates Intacct records (`create none`)")


def _lock_hints(rule: ast.FieldRule, scope: _Scope, required: bool) -> list[str]:
    if required:
        return ["a field Intacct requires cannot be switched off" if rule.arrow == "off"
                else "`<->` sends it both ways (when its pipeline has an inverse)"]
    if rule.arrow == "off":
        return ["remove `locked` if this field may be switched off"]
    right = "<-" if scope.master.to_intacct else "->"
    return [f"to send it the other way too, keep `{_rule_text(rule, right)} ... locked` and "
            f"add a second rule without `locked`: `{_rule_text(rule)} ...`",
            "or remove `locked` if this field's direction may change"]


def _locked_name(rule: ast.FieldRule, scope: _Scope) -> str:
    refs = _refs(rule.intacct)
    if not refs:
        return _rule_text(rule)
    return f"{scope.intacct.name}.{refs[0].path}" if scope.intacct else refs[0].path


def _arrows(arrows: Sequence[str]) -> str:
    return " or ".join(f"`{a}`" for a in arrows)


def _filtered(block: ast.Block) -> bool:
    return bool(ast.statements_of(block.statements, ast.WhenDecl))


def _refs(side: ast.Side) -> tuple[ast.FieldRef, ...]:
    if isinstance(side, ast.FieldRef):
        return (side,)
    if isinstance(side, ast.FieldTuple):
        return side.paths
    return ()


def _targets(rule: ast.FieldRule,
             scope: _Scope) -> list[tuple[str, ObjectInfo | None, ast.Side]]:
    out: list[tuple[str, ObjectInfo | None, ast.Side]] = []
    if rule.arrow in ("<-", "<->", "off"):
        out.append(("intacct", scope.intacct, rule.intacct))
    if rule.arrow in ("->", "<->", "off"):
        out.append(("salesforce", scope.salesforce, rule.salesforce))
    return out


def _side_kind(system: ast.System, info: ObjectInfo, side: ast.Side) -> str:
    if isinstance(side, ast.FieldTuple):
        return st.TUPLE
    if isinstance(side, ast.Constant):
        value = side.value
        if isinstance(value, bool):
            return st.BOOLEAN if system == "salesforce" else st.I_BOOLEAN
        return st.NUMBER if isinstance(value, int | float) else st.TEXT
    found = info.field(side.path)
    return model.value_kind(system, found) if found else st.TEXT


def _fits(kind: str, wanted: str) -> bool:
    if kind == wanted or (kind, wanted) == (st.I_DATE, st.I_DATETIME):
        return True
    return wanted == st.TEXT and kind in (st.NUMBER, st.I_BOOLEAN, st.I_DATE, st.I_DATETIME)


def _plain_id(kind: str, wanted: str, info: ObjectInfo, side: ast.Side) -> bool:
    """A Salesforce Id stored as text in a field that refers to no Intacct object."""
    found = _field_of(info, side)
    return kind == st.ID and wanted == st.TEXT and found is not None and not found.references


def _fix_hint(kind: str, wanted: str) -> list[str]:
    fix = _FIXES.get((kind, wanted))
    return [fix] if fix else []


def _field_of(info: ObjectInfo | None, side: ast.Side) -> FieldInfo | None:
    if info is None or not isinstance(side, ast.FieldRef):
        return None
    return info.field(side.path)


def _expr_paths(expr: ast.Expr) -> list[ast.PathExpr]:
    if isinstance(expr, ast.PathExpr):
        return [expr]
    if isinstance(expr, ast.Compare):
        return _expr_paths(expr.left) + _expr_paths(expr.right)
    if isinstance(expr, ast.InList):
        return _expr_paths(expr.left)
    if isinstance(expr, ast.BoolOp):
        return [p for arg in expr.args for p in _expr_paths(arg)]
    if isinstance(expr, ast.Not):
        return _expr_paths(expr.arg)
    return []


def _object_pair(block: ast.Block) -> tuple[str, str | None, str] | None:
    intacct = ast.object_decl(block.statements, "intacct")
    salesforce = ast.object_decl(block.statements, "salesforce")
    if intacct is None or salesforce is None:
        return None
    return (intacct.name, intacct.docparid, salesforce.name)


def _pair_text(pair: tuple[str, str | None, str]) -> str:
    intacct, docparid, salesforce = pair
    where = f" (docparid \"{docparid}\")" if docparid else ""
    return f"{intacct}{where} and {salesforce}"


def _intacct_name(block: ast.Block) -> str | None:
    decl = ast.object_decl(block.statements, "intacct")
    return decl.name if decl else None


def _salesforce_name(block: ast.Block) -> str | None:
    decl = ast.object_decl(block.statements, "salesforce")
    return decl.name if decl else None


def _is_upsert_key(info: ObjectInfo, name: str) -> bool:
    found = info.field(name)
    return found is not None and (found.external_id or name == info.record_id)


def _position(span: ast.Span) -> str:
    return f"{span.path}:{span.line}:{span.column}"


def _first_at(span: ast.Span) -> str:
    return f"first given at {_position(span)}"


def _names(values: Iterable[str]) -> str:
    return ", ".join(f"`{v}`" for v in values)


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"\"{value}\""
    return str(value)


def _keyword(statement: ast.Statement) -> str:
    if isinstance(statement, ast.ObjectDecl):
        return statement.system
    return {ast.CreateDecl: "create", ast.ConflictDecl: "conflict", ast.DeleteDecl: "delete",
            ast.ResultDecl: "result", ast.MatchDecl: "match", ast.WhenDecl: "when",
            ast.AfterDecl: "after", ast.LinesDecl: "lines", ast.LabelDecl: "label",
            ast.FieldRule: "field rule"}.get(type(statement), "statement")


def _example_decl(system: str, kind: str) -> str:
    if system == "salesforce":
        return "salesforce Account key Intacct_ID__c"
    if kind == "action":
        return 'intacct create_sotransaction docparid "Sales Order"'
    return "intacct CUSTOMER key CUSTOMERID"


def _catalog_hint(system: str) -> list[str]:
    return [f"catalog objects live in schemas/catalog/{system}/; add one there to use it"]


def _side_text(system: str, side: ast.Side) -> str:
    if isinstance(side, ast.FieldRef):
        return f"{_SYSTEM_NAME[system]} field `{side.path}`"
    return f"the {_SYSTEM_NAME[system]} side"


def _side_source(side: ast.Side) -> str:
    if isinstance(side, ast.FieldRef):
        return side.path
    if isinstance(side, ast.FieldTuple):
        return "(" + ", ".join(p.path for p in side.paths) + ")"
    return _literal(side.value)


def _rule_text(rule: ast.FieldRule, arrow: str | None = None) -> str:
    return (f"{_side_source(rule.intacct)} {arrow or rule.arrow} "
            f"{_side_source(rule.salesforce)}")


def _step_text(step: ast.Step) -> str:
    if isinstance(step, ast.RefStep):
        return f"ref {step.mapping}"
    if isinstance(step, ast.MapStep):
        return "map" + ("" if step.otherwise == "fail" else f" ... else "
                        f"{'keep' if step.otherwise == 'keep' else _literal(step.otherwise_value)}")
    if not step.args:
        return step.name
    return f"{step.name}(" + ", ".join(_literal(a.value) for a in step.args) + ")"
