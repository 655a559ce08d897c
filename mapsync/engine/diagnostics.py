"""Diagnostics: one record shape for every problem mapsync reports about rule files.

A `Diagnostic` has a stable `code`, a position (`path`, 1-based `line`/`column` and an
optional exclusive `end`), a message and hints. `render()` turns a list of them into
text for people (`path:line:col: error[CODE]: message`, the source line, a caret, the
hints), JSON for machines, or GitHub workflow commands for CI annotations.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
Format = Literal["text", "json", "github"]
FORMATS: tuple[Format, ...] = ("text", "json", "github")
DEFAULT_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in a rule file; `end` is the exclusive (line, column) of its span."""

    code: str
    message: str
    path: str
    line: int = 0
    column: int = 0
    end: tuple[int, int] | None = None
    severity: Severity = "error"
    hints: tuple[str, ...] = ()

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order of reporting: by file, position, then code and message."""
        return (self.path, self.line, self.column, self.code, self.message)

    def to_dict(self) -> dict[str, object]:
        """The JSON record of this diagnostic."""
        end_line, end_column = self.end if self.end else (None, None)
        return {
            "code": self.code,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": end_line,
            "end_column": end_column,
            "message": self.message,
            "hint": "\n".join(self.hints) or None,
            "hints": list(self.hints),
        }


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics sorted by position, duplicates removed."""
    return sorted(set(diagnostics), key=Diagnostic.sort_key)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    """True when any diagnostic is an error (warnings do not fail validation)."""
    return any(d.severity == "error" for d in diagnostics)


def render(
    diagnostics: Sequence[Diagnostic],
    fmt: Format = "text",
    sources: Mapping[str, str] | None = None,
    limit: int | None = DEFAULT_LIMIT,
) -> str:
    """Render diagnostics as `text`, `json` or `github`; text and github stop after `limit`."""
    if fmt == "json":
        return json.dumps([d.to_dict() for d in diagnostics], indent=2, ensure_ascii=False) + "\n"
    one: Callable[[Diagnostic], str] = _github if fmt == "github" else _text_renderer(sources or {})
    shown = diagnostics if limit is None else diagnostics[:limit]
    parts = [one(d) for d in shown]
    hidden = len(diagnostics) - len(shown)
    if hidden:
        parts.append(f"… and {hidden} more")
    return "".join(p if p.endswith("\n") else p + "\n" for p in parts)


def summary(diagnostics: Sequence[Diagnostic]) -> str:
    """A one-line count, e.g. `2 errors, 1 warning`."""
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    words = [_plural(errors, "error")]
    if warnings:
        words.append(_plural(warnings, "warning"))
    return ", ".join(words)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _text_renderer(sources: Mapping[str, str]) -> Callable[[Diagnostic], str]:
    lines_cache: dict[str, list[str]] = {}

    def source_line(path: str, line: int) -> str | None:
        if path not in sources:
            return None
        lines = lines_cache.setdefault(path, sources[path].splitlines())
        return lines[line - 1] if 0 < line <= len(lines) else None

    def one(diagnostic: Diagnostic) -> str:
        return _text(diagnostic, source_line(diagnostic.path, diagnostic.line))

    return one


def _location(d: Diagnostic) -> str:
    if d.line <= 0:
        return d.path
    return f"{d.path}:{d.line}:{d.column}"


def _text(d: Diagnostic, line_text: str | None) -> str:
    out = [f"{_location(d)}: {d.severity}[{d.code}]: {d.message}"]
    if line_text is not None:
        out.extend(_excerpt(d, line_text))
    out.extend(f"  = hint: {hint}" for hint in d.hints)
    return "\n".join(out)


def _excerpt(d: Diagnostic, line_text: str) -> list[str]:
    shown = line_text.expandtabs(1).rstrip()
    gutter = " " * len(str(d.line))
    start = max(d.column, 1)
    if d.end and d.end[0] == d.line and d.end[1] > start:
        width = d.end[1] - start
    else:
        width = 1
    width = max(1, min(width, len(shown) + 1 - start))
    caret = " " * (start - 1) + "^" * width
    return [f" {d.line} | {shown}", f" {gutter} | {caret}"]


def _github(d: Diagnostic) -> str:
    props = [f"file={_escape_property(d.path)}"]
    if d.line > 0:
        props += [f"line={d.line}", f"col={d.column}"]
        if d.end:
            props += [f"endLine={d.end[0]}", f"endColumn={d.end[1]}"]
    props.append(f"title={_escape_property(d.code)}")
    text = d.message + "".join(f"\nhint: {h}" for h in d.hints)
    return f"::{d.severity} {','.join(props)}::{_escape_data(text)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
