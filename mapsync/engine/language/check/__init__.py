"""Semantic checks of a rule set against the object catalogs.

`check(rule_set, catalogs)` returns every problem found, sorted by position, as
`Diagnostic` records with stable codes (listed in docs/language.md, "Diagnostics").

The checks are split by concern: `labels` (languages and translations), `references`
(mapping names, `ref`, `after`, write order), `header` (a block's declarations and line
collections), `rules` (field rules, pipelines, kinds and values) and `keys` (the values
written into a mapping's keys); `context` holds what they share.
"""

from __future__ import annotations

from mapsync.engine.catalog import Catalogs
from mapsync.engine.diagnostics import Diagnostic, sort_diagnostics
from mapsync.engine.language import ast
from mapsync.engine.language.check.context import Context, Writes, close_matches, did_you_mean
from mapsync.engine.language.check.header import (
    block_scope,
    check_header,
    check_lines,
    check_single,
    check_statements_allowed,
)
from mapsync.engine.language.check.keys import check_keys
from mapsync.engine.language.check.labels import check_languages
from mapsync.engine.language.check.references import check_order, index_blocks
from mapsync.engine.language.check.rules import check_rule

__all__ = ["check", "close_matches", "did_you_mean"]


def check(rule_set: ast.RuleSet, catalogs: Catalogs) -> list[Diagnostic]:
    """Every semantic problem of `rule_set`, sorted by file and position."""
    ctx = Context(rule_set, catalogs)
    run(ctx)
    return sort_diagnostics(ctx.found)


def run(ctx: Context) -> None:
    """Check the rule set as a whole, then each block, then the write order."""
    check_languages(ctx)
    index_blocks(ctx)
    for block in ctx.rule_set.blocks():
        check_block(ctx, block)
    check_order(ctx)


def check_block(ctx: Context, block: ast.Block) -> None:
    """Check one block: its statements, header and field rules."""
    check_statements_allowed(ctx, block.kind, block.statements)
    check_single(ctx, block.statements)
    scope = block_scope(ctx, block)
    check_header(ctx, block, scope)
    writes = Writes()
    for statement in block.statements:
        if isinstance(statement, ast.FieldRule):
            check_rule(ctx, statement, scope, writes)
        elif isinstance(statement, ast.LinesDecl):
            check_lines(ctx, block, statement, scope)
    ctx.found.extend(check_keys(block, scope.intacct, scope.salesforce))
