"""Syntax errors as diagnostics: what was found, what the user could type instead, and
which block is still open."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from mapsync.engine.diagnostics import Diagnostic
from mapsync.engine.language.ast import Span

if TYPE_CHECKING:
    from lark import Lark, Token
    from lark.exceptions import UnexpectedInput

_DESCRIBED = {
    "NAME": "a name",
    "STRING": "a string",
    "NUMBER": "a number",
    "_NL": "end of line",
    "$END": "end of file",
    "COMPARE": "a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)",
    "_COMMA": "`,`",
}
_TOP_LEVEL = {"MAPPING", "MANAGED", "ACTION", "LANGUAGES"}
_TOP_LEVEL_WORDS = {"mapping", "managed", "action", "languages"}
_MAX_EXPECTED = 12


def syntax_diagnostic(exc: UnexpectedInput, parser: Lark, text: str, path: str) -> Diagnostic:
    """Translate one lark parse error into a diagnostic (syntax errors stop at the first)."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    if isinstance(exc, UnexpectedToken):
        return _unexpected_token(exc, parser, path)
    if isinstance(exc, UnexpectedCharacters):
        return _unexpected_character(exc, parser, text, path)
    return Diagnostic("syntax-error", "unexpected end of file", path, exc.line, exc.column)


def _unexpected_character(exc: UnexpectedInput, parser: Lark, text: str, path: str) -> Diagnostic:
    char = text[exc.pos_in_stream] if exc.pos_in_stream is not None else ""
    line, column = exc.line, exc.column
    if char == '"':
        return Diagnostic("unterminated-string", "string is not closed on this line", path,
                          line, column, (line, column + 1),
                          hints=('close it with `"`; write `\\"` for a quote inside',))
    shown = repr(char)[1:-1] if not char.isprintable() or char.isspace() else char
    allowed = getattr(exc, "allowed", None) or set()
    return Diagnostic("unexpected-character", f"unexpected character `{shown}`", path,
                      line, column, (line, column + 1), hints=_expected_hint(allowed, parser))


def _unexpected_token(exc: UnexpectedInput, parser: Lark, path: str) -> Diagnostic:
    token: Token = exc.token  # type: ignore[attr-defined]
    expected = _accepted(exc) or set(getattr(exc, "expected", ()))
    hints = _expected_hint(expected, parser)
    opened = _open_block(exc)
    if token.type == "$END":
        return _unexpected_end(exc, path, opened, hints)
    stray = _stray_keyword(exc)
    if opened and stray is not None:
        token = stray
    line, column = token.line or 0, token.column or 0
    end = (token.end_line or line, token.end_column or column + 1)
    if token.type == "_NL":
        end = (line, column + 1)
    message = f"unexpected {_describe_token(token)}"
    if opened and (token.type in _TOP_LEVEL or stray is not None):
        message += f" inside {opened}"
        hints = ("add `}` to close the block above",)
    return Diagnostic("syntax-error", message, path, line, column, end, hints=hints)


def _stray_keyword(exc: UnexpectedInput) -> Token | None:
    """A `mapping`/`managed`/`action`/`languages` lexed as a name inside an unclosed block."""
    state = getattr(exc, "state", None)
    stack = list(getattr(state, "value_stack", None) or ())
    top = stack[-1] if stack else None
    if getattr(top, "type", None) == "NAME" and str(top) in _TOP_LEVEL_WORDS:
        return top
    return None


def _unexpected_end(exc: UnexpectedInput, path: str, opened: str | None,
                    hints: tuple[str, ...]) -> Diagnostic:
    line, column = exc.line, exc.column
    if opened:
        return Diagnostic("unclosed-block", f"unexpected end of file inside {opened}", path,
                          line, column, hints=("add `}` to close it",))
    return Diagnostic("syntax-error", "unexpected end of file", path, line, column, hints=hints)


def _describe_token(token: Token) -> str:
    if token.type == "_NL":
        return "end of line"
    if token.type == "STRING":
        return f"string {token.value}"
    return f"`{token.value}`"


def _accepted(exc: UnexpectedInput) -> set[str]:
    """The terminals the parser would really take here (LALR's `expected` over-approximates)."""
    interactive = getattr(exc, "interactive_parser", None)
    if interactive is None:
        return set()
    try:
        return set(interactive.accepts())
    except Exception:  # noqa: BLE001 - a failed probe only loses precision; `expected` remains
        return set()


def _expected_hint(names: Iterable[str], parser: Lark) -> tuple[str, ...]:
    shown = sorted({_describe_terminal(n, parser) for n in names}, key=_expected_order)
    if not shown:
        return ()
    if len(shown) > _MAX_EXPECTED:
        shown = [*shown[:_MAX_EXPECTED], "…"]
    if len(shown) == 1:
        return (f"expected {shown[0]}",)
    return ("expected one of: " + ", ".join(shown),)


def _expected_order(text: str) -> tuple[int, str]:
    return (0 if text.startswith("`") else 1, text)


def _describe_terminal(name: str, parser: Lark) -> str:
    if name in _DESCRIBED:
        return _DESCRIBED[name]
    try:
        pattern = parser.get_terminal(name).pattern
    except KeyError:
        return name.lower()
    if pattern.type == "str":
        return f"`{pattern.value}`"
    return name.lower()


def _open_block(exc: UnexpectedInput) -> str | None:
    """`mapping Customer {` opened at 12:1, for the innermost block still open."""
    state = getattr(exc, "state", None)
    stack = list(getattr(state, "value_stack", None) or ())
    for index in range(len(stack) - 1, -1, -1):
        item = stack[index]
        if getattr(item, "type", None) == "LBRACE":
            return _block_header(stack[:index], item)
    return None


def _block_header(before: list[object], brace: Token) -> str | None:
    words: list[str] = []
    first: object | None = None
    for item in reversed(before):
        word = _word(item)
        if word is None:
            break
        words.insert(0, word)
        first = item
        if word in {"mapping", "managed", "action", "lines", "map"}:
            break
    if not words or first is None:
        return None
    line, column = _position(first)
    return f"`{' '.join(words)} {{` opened at {line}:{column}"


def _word(item: object) -> str | None:
    """The source word of a parser stack entry: a token, or a built (keyword, span) pair."""
    token_type = getattr(item, "type", None)
    if token_type is not None:
        return None if token_type in {"_NL", "LBRACE", "RBRACE"} else str(item)
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Span):
        return str(item[0])
    return None


def _position(item: object) -> tuple[int, int]:
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Span):
        return (item[1].line, item[1].column)
    return (getattr(item, "line", 0), getattr(item, "column", 0))
