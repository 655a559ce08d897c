"""The canonical layout of a rule file (`mapsync fmt`).

The formatter only moves whitespace; it never adds, removes or reorders lines, tokens or
comments, so a diagnostic's line number means the same before and after. The layout:

- four spaces per open `{`; a `label` line that labels the field rule above it stays
  indented one step deeper than that rule (the parser attaches it by being deeper);
- one space between tokens, none where the source had none (`decimal(2)`), ` | ` around
  pipes; trailing whitespace dropped, one newline at the end;
- in a run of consecutive field rules at one depth (blank lines, comments and other
  statements end a run, labels do not), the arrows line up, and so do the pipelines of
  the rules that have one; a rule whose left side is longer than `WIDE` is left out of
  the alignment and ends the run, so one long tuple does not push every arrow away;
- `intacct` and `salesforce` declarations on consecutive lines line up their object names;
- trailing comments on consecutive lines line up, two spaces after the longest code.

`format_text` checks its own work: the result must parse to the same AST (positions
aside), or it raises `FormatError` and the file is left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from mapsync.engine.errors import MapsyncError
from mapsync.engine.language.parser import normalise_newlines

INDENT = "    "
WIDE = 40
ARROWS = ("<->", "->", "<-", "off")
STATEMENT_WORDS = frozenset({"intacct", "salesforce", "label", "create", "conflict", "match",
                             "delete", "when", "after", "result", "lines", "mapping", "managed",
                             "action", "languages", "}"})
SYSTEM_WIDTH = len("salesforce")


class FormatError(MapsyncError):
    """The formatter could not lay a file out without changing its meaning; report it as a
    bug with the file attached (the file is left unchanged)."""


@dataclass(frozen=True, slots=True)
class Token:
    """A token of one line, and whether whitespace preceded it in the source."""

    text: str
    spaced: bool


@dataclass(slots=True)
class Line:
    """One source line, split into its layout parts."""

    indent: str
    tokens: list[Token]
    comment: str
    depth: int = 0
    kind: str = "other"  # blank, comment, rule, label, object, other
    continuation: bool = False
    parts: list[str] = field(default_factory=list)

    @property
    def code(self) -> str:
        return "".join(self.parts) if self.parts else _join(self.tokens)


def format_text(text: str, check: bool = True) -> str:
    """`text` in the canonical layout; with `check`, proves the AST is unchanged."""
    # The parser's own line breaks (CR, CRLF, U+2028...), or a lone CR would be a space here
    # and a line break there, and every rule after it would move.
    text = normalise_newlines(text.removeprefix("\ufeff"))
    lines = [_split(raw) for raw in text.split("\n")]
    _classify(lines)
    _align_rules(lines)
    _align_objects(lines)
    out = _render(lines)
    if check:
        _same_meaning(text, out)
    return out


# ---- reading lines ----------------------------------------------------------------------


def _split(raw: str) -> Line:
    """Tokens and comment of one line; strings and comments are kept byte for byte."""
    stripped = raw.lstrip(" \t")
    indent = raw[: len(raw) - len(stripped)]
    tokens: list[Token] = []
    i, spaced, n = 0, False, len(stripped)
    while i < n:
        c = stripped[i]
        if c in " \t\r\f\v":
            spaced, i = True, i + 1
            continue
        if c == "#":
            return Line(indent, tokens, stripped[i:].rstrip())
        end = _token_end(stripped, i)
        tokens.append(Token(stripped[i:end], spaced))
        spaced, i = False, end
    return Line(indent, tokens, "")


def _token_end(s: str, i: int) -> int:
    if s[i] == '"':
        j = i + 1
        while j < len(s) and s[j] != '"':
            j += 2 if s[j] == "\\" else 1
        return min(j + 1, len(s))
    if s[i] in "(){}[],|:":
        return i + 1
    j = i
    while j < len(s) and s[j] not in ' \t\r\f\v"#(){}[],|:':
        j += 1
    return j


def _classify(lines: list[Line]) -> None:
    """Depth, kind and label continuation of every line."""
    depth = 0
    rule: Line | None = None  # the field rule whose labels may follow
    for line in lines:
        opens = sum(t.text == "{" for t in line.tokens)
        closes = sum(t.text == "}" for t in line.tokens)
        leading = 1 if line.tokens and line.tokens[0].text == "}" else 0
        line.depth = max(depth - leading, 0)
        line.kind = _kind(line)
        if line.kind == "label" and rule is not None and len(line.indent) > len(rule.indent):
            line.continuation = True
        elif line.kind == "rule":
            rule = line
        elif line.kind not in ("blank", "comment") and not (rule and line.depth > rule.depth):
            rule = None
        depth = max(depth + opens - closes, 0)


def _kind(line: Line) -> str:
    if not line.tokens:
        return "comment" if line.comment else "blank"
    first = line.tokens[0].text
    if first == "label":
        return "label"
    if first in ("intacct", "salesforce") and len(line.tokens) > 1:
        return "object"
    if first not in STATEMENT_WORDS and _arrow_at(line.tokens) is not None:
        return "rule"
    return "other"


def _arrow_at(tokens: list[Token]) -> int | None:
    depth = 0
    for index, token in enumerate(tokens):
        if token.text in "([{":
            depth += 1
        elif token.text in ")]}":
            depth -= 1
        elif depth == 0 and token.text in ARROWS:
            return index
    return None


# ---- alignment -----------------------------------------------------------------------------


def _align_rules(lines: list[Line]) -> None:
    for run in _runs(lines):
        cut = [_rule_parts(line) for line in run]
        left = max(len(c[0]) for c in cut)
        arrow = max(len(c[1]) for c in cut)
        right = max((len(c[2]) for c in cut if c[3] or c[4]), default=0)
        pipes = max((len(c[3]) for c in cut if c[4]), default=0)
        for line, (lhs, arr, rhs, pipeline, locked) in zip(run, cut, strict=True):
            text = f"{lhs.ljust(left)} {arr.ljust(arrow)} {rhs}"
            if pipeline or locked:
                text = f"{lhs.ljust(left)} {arr.ljust(arrow)} {rhs.ljust(right)}"
            if pipeline:
                text += " " + (pipeline.ljust(pipes) if locked else pipeline)
            elif locked and pipes:
                text += " " + "".ljust(pipes)
            line.parts = [f"{text} {locked}" if locked else text]


def _runs(lines: list[Line]) -> Iterator[list[Line]]:
    """Consecutive field rules at one depth, labels between them allowed."""
    run: list[Line] = []
    for line in lines:
        if line.kind == "label" and line.continuation and run:
            continue
        wide = line.kind == "rule" and len(_rule_parts(line)[0]) > WIDE
        if line.kind == "rule" and not wide and (not run or run[0].depth == line.depth):
            run.append(line)
            continue
        if run:
            yield run
        run = [line] if line.kind == "rule" and not wide else []
    if run:
        yield run


def _rule_parts(line: Line) -> tuple[str, str, str, str, str]:
    """Left side, arrow, right side, pipeline (with `when`) and `locked` of a rule line."""
    at = _arrow_at(line.tokens)
    assert at is not None
    rest = line.tokens[at + 1:]
    stop = next((i for i, t in enumerate(rest) if _depth_before(rest, i) == 0
                 and t.text in ("|", "when", "locked")), len(rest))
    tail = rest[stop:]
    locked = bool(tail) and tail[-1].text == "locked" and _depth_before(tail, len(tail) - 1) == 0
    pipeline = tail[:-1] if locked else tail
    return (_join(line.tokens[:at]), line.tokens[at].text, _join(rest[:stop]),
            _join(pipeline), "locked" if locked else "")


def _depth_before(tokens: list[Token], index: int) -> int:
    depth = 0
    for token in tokens[:index]:
        depth += token.text in "([{"
        depth -= token.text in ")]}"
    return depth


def _align_objects(lines: list[Line]) -> None:
    group: list[Line] = []
    for line in [*lines, Line("", [], "")]:
        if line.kind == "object" and (not group or group[0].depth == line.depth):
            group.append(line)
            continue
        if len(group) > 1:
            width = max(len(g.tokens[1].text) for g in group)
            for g in group:
                system, name, rest = g.tokens[0].text, g.tokens[1].text, _join(g.tokens[2:])
                g.parts = [f"{system.ljust(SYSTEM_WIDTH)} {name.ljust(width)} {rest}".rstrip()]
        group = [line] if line.kind == "object" else []


# ---- writing -------------------------------------------------------------------------------


def _join(tokens: list[Token]) -> str:
    """Tokens with single spaces where the source had whitespace, and around pipes."""
    out: list[str] = []
    previous = ""
    for token in tokens:
        space = token.spaced or token.text == "|" or previous == "|"
        if out and space:
            out.append(" ")
        out.append(token.text)
        previous = token.text
    return "".join(out)


def _render(lines: list[Line]) -> str:
    codes = [(_indent(line) + line.code) if line.tokens else "" for line in lines]
    comment_at = _comment_columns(lines, codes)
    out: list[str] = []
    for line, code, column in zip(lines, codes, comment_at, strict=True):
        if line.kind == "comment":
            out.append(_indent(line) + line.comment)
        elif line.comment:
            out.append(code.ljust(column) + line.comment)
        else:
            out.append(code)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n" if out else ""


def _indent(line: Line) -> str:
    return INDENT * (line.depth + line.continuation)


def _comment_columns(lines: list[Line], codes: list[str]) -> list[int]:
    """Where each trailing comment starts: aligned over consecutive commented code lines."""
    columns = [0] * len(lines)
    start = 0
    while start < len(lines):
        if not (lines[start].tokens and lines[start].comment):
            start += 1
            continue
        end = start
        while end < len(lines) and lines[end].tokens and lines[end].comment:
            end += 1
        width = max(len(c) for c in codes[start:end]) + 2
        columns[start:end] = [width] * (end - start)
        start = end
    return columns


def _same_meaning(before: str, after: str) -> None:
    from mapsync.engine.language.errors import LanguageError
    from mapsync.engine.language.parser import parse_text

    old = parse_text(before, "before.map").items  # a syntax error reaches the caller
    try:
        new = parse_text(after, "after.map").items
    except LanguageError as exc:
        raise FormatError("the formatted text does not parse") from exc
    if old != new:
        raise FormatError("the formatted text parses to different rules")
