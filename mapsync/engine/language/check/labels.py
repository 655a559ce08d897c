"""Checks of languages and labels: known Salesforce codes, no duplicates, and a translation
for every language the rule set declares."""

from __future__ import annotations

from collections.abc import Sequence

from mapsync.engine.language import ast
from mapsync.engine.language.check.context import (
    Context,
    code_list,
    did_you_mean,
    first_at,
    rule_text,
)
from mapsync.engine.language.languages import SALESFORCE_LANGUAGES, is_language


def check_languages(ctx: Context) -> None:
    decls = ctx.rule_set.languages()
    for extra in decls[1:]:
        ctx.error("duplicate-declaration", "`languages` is declared more than once",
                  extra.span, [first_at(decls[0].span)])
    if not decls:
        return
    seen: set[str] = set()
    for code in decls[0].codes:
        check_language_code(ctx, code.value, code.span)
        if code.value in seen:
            ctx.error("duplicate-declaration", f"language `{code.value}` is listed twice",
                      code.span)
        seen.add(code.value)
    ctx.declared = tuple(c.value for c in decls[0].codes if is_language(c.value))


def check_language_code(ctx: Context, code: str, span: ast.Span) -> bool:
    if is_language(code):
        return True
    ctx.error("unknown-language", f"`{code}` is not a Salesforce language code", span,
              did_you_mean(code, SALESFORCE_LANGUAGES)
              or ("use codes such as `en_US`, `fr`, `de`, `es`, `it`, `ja`",))
    return False


def check_labels(ctx: Context, labels: Sequence[ast.Label], where: ast.Span, what: str) -> None:
    seen: dict[str, ast.Label] = {}
    for label in labels:
        check_language_code(ctx, label.language, label.span)
        if label.language in seen:
            ctx.error("duplicate-declaration",
                      f"label of {what} has `{label.language}` twice", label.span,
                      [first_at(seen[label.language].span)])
        seen.setdefault(label.language, label)
    if not labels or not ctx.declared:
        return
    missing = [code for code in ctx.declared if code not in seen]
    if missing:
        ctx.error("missing-translation",
                  f"label of {what} has no translation for {code_list(missing)}",
                  labels[0].span, ["every label needs each language the rule set "
                                   "declares in `languages`"])


def block_labels(ctx: Context, block: ast.Block) -> list[ast.Label]:
    """The labels of `block` itself. A second `label` line right under a field rule but not
    indented deeper than it was meant for that rule: one error with that hint, rather than a
    duplicate per language."""
    labels: list[ast.Label] = []
    previous: ast.Statement | None = None
    declared = len(ast.statements_of(block.statements, ast.LabelDecl))
    for statement in block.statements:
        if isinstance(statement, ast.LabelDecl):
            if declared > 1 and isinstance(previous, ast.FieldRule):
                _misplaced(ctx, statement, previous, block)
            else:
                labels += statement.labels
        previous = statement
    return labels


def _misplaced(ctx: Context, label: ast.LabelDecl, rule: ast.FieldRule,
               block: ast.Block) -> None:
    ctx.error("duplicate-declaration",
              f"this `label` line labels `{block.name}` a second time, because it is not "
              f"indented deeper than the field rule above it", label.span,
              [f"indent it deeper than `{rule_text(rule)}` (line {rule.span.line}) to "
               "label that rule"])
