"""Checks of the values a mapping writes into its keys.

A mapping's Intacct key is copied into its Salesforce key field, a unique external ID that
Salesforce compares without case unless the field is marked case-sensitive. Two things make
such a key collide or fail, and both are visible before any record is read:

- the value can be longer than the Intacct key field or the Salesforce key field
  (`key-length`): a Salesforce Id (18 characters), a constant, `prefix`/`suffix` text, the
  key mapsync derives for a record it creates in Intacct from Salesforce (the 18-character
  Id, `engine.salesforce_ids`), or an Intacct key field longer than the external ID;
- the value tells records apart only by letter case (`key-case`): a Salesforce Id cut to
  its 15 case-sensitive characters, or a field the catalog marks case-sensitive, written
  into a key that compares without case.

Free text of a declared length is not flagged: its real values are checked per record by
the services. `check_keys` returns diagnostics; the checker adds them to its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from mapsync.engine.catalog import FieldInfo, ObjectInfo
from mapsync.engine.diagnostics import Diagnostic
from mapsync.engine.language import ast
from mapsync.engine.salesforce_ids import NEW_KEY_LENGTH

_ID_TYPES = frozenset({"id", "reference"})
_CASE_FOLDING = frozenset({"upper", "lower"})


@dataclass(frozen=True, slots=True)
class _Value:
    """What is known of a value: its greatest length and whether case alone tells it apart."""

    length: int | None
    case_sensitive: bool
    what: str
    is_id: bool = False


@dataclass(frozen=True, slots=True)
class _Target:
    """A key field a value ends up in."""

    owner: str
    field: FieldInfo

    @property
    def case_blind(self) -> bool:
        return self.field.unique and not self.field.case_sensitive


def check_keys(
    block: ast.Block, intacct: ObjectInfo | None, salesforce: ObjectInfo | None
) -> list[Diagnostic]:
    """Problems with the values `block` writes into its Intacct key and Salesforce key field."""
    if block.kind != "mapping" or intacct is None or salesforce is None:
        return []
    i_decl = ast.object_decl(block.statements, "intacct")
    s_decl = ast.object_decl(block.statements, "salesforce")
    i_key = _key_field(intacct, i_decl)
    s_key = _key_field(salesforce, s_decl)
    if i_key is None or s_key is None or i_decl is None:
        return []
    found: list[Diagnostic] = []
    targets = (_Target(f"{intacct.name}.{i_key.name}", i_key),
               _Target(f"{salesforce.name}.{s_key.name}", s_key))
    if i_key.name != intacct.record_id and _longer(i_key.length, s_key.length):
        found.append(_diagnostic(
            "key-length",
            f"{intacct.name}.{i_key.name} holds up to {i_key.length} characters but its copy, "
            f"{salesforce.name}.{s_key.name}, only {s_key.length}",
            i_decl.key.span if i_decl.key else i_decl.span,
            "lengthen the external ID field, or key the mapping on a shorter field",
        ))
    for rule in ast.statements_of(block.statements, ast.FieldRule):
        value = _rule_value(rule, i_key.name, s_key.name, intacct, salesforce)
        if value is not None:
            found.extend(_problems(value, targets, rule.span))
    create = next(iter(ast.statements_of(block.statements, ast.CreateDecl)), None)
    if create is not None and "intacct" in create.sides and i_key.name != intacct.record_id:
        derived = _Value(NEW_KEY_LENGTH, False, "the key derived from the Salesforce Id")
        found.extend(_problems(derived, targets, create.span))
    return found


def _key_field(info: ObjectInfo, decl: ast.ObjectDecl | None) -> FieldInfo | None:
    name = decl.key.path if decl is not None and decl.key is not None else info.key
    return info.field(name) if name else None


def _rule_value(
    rule: ast.FieldRule, i_key: str, s_key: str, intacct: ObjectInfo, salesforce: ObjectInfo
) -> _Value | None:
    """The value a rule writes into a key, when it writes one."""
    if rule.arrow in ("<-", "<->") and _path(rule.intacct) == i_key:
        return _follow(_source(rule.salesforce, salesforce), rule.steps)
    if rule.arrow in ("->", "<->") and _path(rule.salesforce) == s_key:
        return _follow(_source(rule.intacct, intacct), rule.steps)
    return None


def _path(side: ast.Operand) -> str | None:
    return side.path if isinstance(side, ast.FieldRef) else None


def _source(side: ast.Operand, info: ObjectInfo) -> _Value:
    if isinstance(side, ast.Constant):
        text = str(side.value)
        return _Value(len(text), False, f"the constant \"{text}\"")
    path = _path(side)
    field = info.field(path) if path else None
    if field is None:
        return _Value(None, False, "the value")
    if field.type in _ID_TYPES:
        return _Value(NEW_KEY_LENGTH, False, f"{info.name}.{field.name}", is_id=True)
    return _Value(None, field.case_sensitive, f"{info.name}.{field.name}")


def _follow(value: _Value, steps: tuple[ast.Step, ...]) -> _Value:
    """The value after the pipeline, as far as its length and case are known."""
    length, case, what = value.length, value.case_sensitive, value.what
    for step in steps:
        name = step.name if isinstance(step, ast.CallStep) else None
        args = [a.value for a in step.args] if isinstance(step, ast.CallStep) else []
        if name == "truncate" and args and isinstance(args[0], int):
            if value.is_id and args[0] < NEW_KEY_LENGTH:
                # The first 15 characters are the case-sensitive Id; the checksum makes it safe.
                case = True
                what = f"{what} cut to {args[0]} characters"
            length = args[0] if length is None else min(length, args[0])
        elif name in ("prefix", "suffix") and args and length is not None:
            length += len(str(args[0]))
        elif name in _CASE_FOLDING:
            case = False
        elif name not in ("trim", "prefix", "suffix", "strip_prefix", "strip_suffix"):
            length = None
    return _Value(length, case, what)


def _problems(value: _Value, targets: tuple[_Target, ...], span: ast.Span) -> list[Diagnostic]:
    """At most one `key-length` (the tightest key) and one `key-case` for one value."""
    found: list[Diagnostic] = []
    short = [t for t in targets if _longer(value.length, t.field.length)]
    if short:
        tightest = min(short, key=lambda t: t.field.length or 0)
        found.append(_diagnostic(
            "key-length",
            f"{value.what} has up to {value.length} characters; key {tightest.owner} holds "
            f"{tightest.field.length}",
            span,
            "write a shorter key, or key the mapping on a field long enough for it",
        ))
    blind = [t for t in targets if t.case_blind]
    if value.case_sensitive and blind:
        found.append(_diagnostic(
            "key-case",
            f"{value.what} tells records apart by letter case, but key {blind[-1].owner} is "
            "unique without regard to case, so two records can collide",
            span,
            f"use the 18-character Id (it is case-safe), or mark {blind[-1].owner} "
            "case-sensitive",
        ))
    return found


def _longer(length: int | None, limit: int | None) -> bool:
    return length is not None and limit is not None and length > limit


def _diagnostic(code: str, message: str, span: ast.Span, hint: str) -> Diagnostic:
    return Diagnostic(code, message, span.path, span.line, span.column, span.end, hints=(hint,))
