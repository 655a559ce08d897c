"""Plain-text tables that fit the terminal: the same columns on a terminal and in a pipe.

Numbers are never wrapped or cut: a numeric column is as wide as its widest value (its
heading may wrap between words). Text columns share what is left and wrap between words
(breaking a word only when it alone is wider than its column). The width is the
terminal's, `COLUMNS` when set, and 80 in a pipe, so `mapsync rules list | cat` prints what
the terminal shows.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_WIDTH = 80
MIN_TEXT = 8
BREAKS = re.compile(r"(?<=[_.,/])(?=[^_.,/])|(?<=[a-z])(?=[A-Z])")


@dataclass(frozen=True, slots=True)
class Column:
    """A heading, whether the column holds numbers (right-aligned, never wrapped), and how
    readily it gives up width when the table is too wide (names less than prose)."""

    heading: str
    numeric: bool = False
    give: float = 1.0


def table_width() -> int:
    """How wide a table may be: the terminal's width, `COLUMNS`, or 80 in a pipe."""
    return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns


def render_table(columns: Sequence[Column], rows: Sequence[Sequence[str]],
                 width: int | None = None, notes: Sequence[str] = ()) -> str:
    """The table as lines of text no wider than `width` (unless the numbers alone are).
    `notes` (one per row, may be empty) are printed under their row, indented and wrapped
    to the full width: room for a long message that no column could hold."""
    limit = width or table_width()
    widths, gap = _fit(columns, rows, limit)
    headings = [_wrap(c.heading, w) for c, w in zip(columns, widths, strict=True)]
    out = _lines(columns, headings, widths, gap)
    out.append((" " * gap).join("-" * w for w in widths))
    for index, row in enumerate(rows):
        cells = [[cell] if column.numeric else _wrap(cell, w)
                 for column, cell, w in zip(columns, row, widths, strict=True)]
        out += _lines(columns, cells, widths, gap)
        note = notes[index] if index < len(notes) else ""
        out += ["    " + line for line in _wrap(note, max(limit - 4, MIN_TEXT))] if note else []
    return "\n".join(line.rstrip() for line in out) + "\n"


def _fit(columns: Sequence[Column], rows: Sequence[Sequence[str]],
         limit: int) -> tuple[list[int], int]:
    natural = [max([len(c.heading), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    widths = list(natural)
    for gap in (2, 1):
        room = limit - gap * (len(columns) - 1)
        if sum(widths) <= room:
            return widths, gap
        for i, column in enumerate(columns):
            if column.numeric:
                widths[i] = _numeric_minimum(column, rows, i)
        _shrink_text(columns, widths, natural, room)
        if sum(widths) <= room:
            return widths, gap
    # Last resort: numeric headings break inside words too; the values still never do.
    room = limit - (len(columns) - 1)
    for i in sorted((i for i, c in enumerate(columns) if c.numeric), key=lambda i: -widths[i]):
        values = max([1, *(len(r[i]) for r in rows)])
        widths[i] = max(values, widths[i] - (sum(widths) - room))
    return widths, 1


def _numeric_minimum(column: Column, rows: Sequence[Sequence[str]], index: int) -> int:
    """The widest value, or the widest part of the heading (it wraps between words and after
    `_`), whichever is wider."""
    parts = [p for word in column.heading.split() for p in BREAKS.split(word)] or [""]
    return max([max(len(p) for p in parts), *(len(r[index]) for r in rows)])


def _shrink_text(columns: Sequence[Column], widths: list[int], natural: list[int],
                 room: int) -> None:
    """Narrow the text column that is widest for its `give`, one character at a time, down
    to its minimum."""
    floors = [w if c.numeric else min(n, MIN_TEXT)
              for c, w, n in zip(columns, widths, natural, strict=True)]
    while sum(widths) > room:
        candidates = [i for i, c in enumerate(columns)
                      if not c.numeric and widths[i] > floors[i]]
        if not candidates:
            return
        widest = max(candidates, key=lambda i: widths[i] * columns[i].give)
        widths[widest] -= 1


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width`: breaks between words, else inside a name after `_`, `.` or
    `,` or between camel-case parts (`Intacct_Billing_` / `Template__c`, `SalesOrder` /
    `Lines`), else anywhere."""
    lines: list[str] = []
    for word in text.split():
        pieces = _pieces(word, width)
        for piece in pieces:
            joined = f"{lines[-1]} {piece}" if lines and piece is pieces[0] else None
            if joined is not None and len(joined) <= width:
                lines[-1] = joined
            elif lines and piece is not pieces[0] and len(lines[-1]) + len(piece) <= width:
                lines[-1] += piece
            else:
                lines.append(piece)
    return lines or [""]


def _pieces(word: str, width: int) -> list[str]:
    parts = [p for p in BREAKS.split(word) if p]
    out: list[str] = []
    for part in parts:
        while len(part) > width:
            out.append(part[:width])
            part = part[width:]
        out.append(part)
    return out


def _lines(columns: Sequence[Column], cells: Sequence[list[str]], widths: Sequence[int],
           gap: int) -> list[str]:
    height = max(len(c) for c in cells)
    out = []
    for n in range(height):
        parts = []
        for column, cell, w in zip(columns, cells, widths, strict=True):
            text = cell[n] if n < len(cell) else ""
            parts.append(text.rjust(w) if column.numeric else text.ljust(w))
        out.append((" " * gap).join(parts))
    return out
