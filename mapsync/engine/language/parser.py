"""Parsing rule files: bytes -> text -> lark tree -> `RuleFile`.

The LALR parser is built on first use (never at import time) and cached by lark
between processes, so `mapsync validate` starts fast.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from mapsync.engine.diagnostics import Diagnostic
from mapsync.engine.language.ast import Block, LanguagesDecl, RuleFile
from mapsync.engine.language.errors import LanguageError
from mapsync.engine.resources import grammar_file

MAX_SOURCE_BYTES = 4 * 1024 * 1024  # the shipped rules total about 40 KB

if TYPE_CHECKING:
    from lark import Lark


@lru_cache(maxsize=1)
def get_parser() -> Lark:
    """The LALR parser for `grammar/mapping.lark`, building the AST as it parses.

    Built once per process on first use; lark caches the analysed grammar on disk
    (keyed by the grammar's hash), so later processes load it instead of rebuilding it.
    """
    from lark import Lark

    from mapsync.engine.language.transformer import Builder

    return Lark(
        grammar_file().read_text("utf-8"),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=False,
        transformer=Builder(),
        cache=True,
    )


def decode_source(data: bytes, path: str) -> str:
    """The text of a rule file; raises LanguageError for binary, oversize or non-UTF-8 content."""
    if len(data) > MAX_SOURCE_BYTES:
        message = f"the file is {len(data)} bytes; the limit is {MAX_SOURCE_BYTES}"
        raise LanguageError([Diagnostic("file-too-large", message, path, 1, 1)])
    if b"\x00" in data:
        raise LanguageError([_at_offset(data, data.index(b"\x00"), path, "binary-file",
                                        "this is a binary file, not a UTF-8 rule file")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        raise LanguageError([_at_offset(data, exc.start, path, "bad-encoding", message)]) from None


def normalise_newlines(text: str) -> str:
    """CRLF, CR, U+2028 and U+2029 as `\\n`, so that no file reads as one long comment.

    Line numbers stay those an editor shows (and that `str.splitlines` counts).
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\u2028", "\n").replace("\u2029", "\n")


def _at_offset(data: bytes, offset: int, path: str, code: str, message: str) -> Diagnostic:
    before = data[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
    return Diagnostic(code=code, message=message, path=path, line=line, column=column,
                      end=(line, column + 1))


def parse_text(text: str, path: str = "<text>", name: str | None = None) -> RuleFile:
    """Parse one rule file's text; raises LanguageError with the first syntax error."""
    from lark.exceptions import UnexpectedInput

    from mapsync.engine.language.transformer import current_path

    text = normalise_newlines(text.removeprefix("\ufeff"))
    source = text if text.endswith("\n") else text + "\n"
    parser = get_parser()
    token = current_path.set(path)
    try:
        items: list[Block | LanguagesDecl] = parser.parse(source)  # type: ignore[assignment]
    except UnexpectedInput as exc:
        from mapsync.engine.language.syntax import syntax_diagnostic  # only on the error path

        raise LanguageError([syntax_diagnostic(exc, parser, source, path)]) from None
    finally:
        current_path.reset(token)
    return RuleFile(path=path, name=name if name is not None else path, items=tuple(items))


def parse_file(path: str | Path, name: str | None = None) -> RuleFile:
    """Read and parse one `.map` file; raises LanguageError for unreadable or invalid files."""
    shown = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise LanguageError([Diagnostic("unreadable-file", f"cannot read: {reason}", shown)]) \
            from None
    return parse_text(decode_source(data, shown), shown, name)
