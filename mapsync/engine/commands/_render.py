"""Rendering run reports: a rich table on a terminal, plain lines otherwise, or JSON."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from mapsync.engine.runner.report import MappingReport, RunReport


def print_json(data: Any, stream: TextIO | None = None) -> None:
    """One JSON document, keys sorted, to stdout."""
    out = stream or sys.stdout
    out.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


COUNTS = ("created", "updated", "linked", "deleted", "skipped", "failed")
SIDE_NAMES = {"intacct": "Intacct", "salesforce": "SF"}


def _calls(m: MappingReport, side: str) -> int:
    return int(getattr(m, side).api_calls + m.planned_write_calls[side])


def _side_row(m: MappingReport, side: str) -> list[str]:
    counts = getattr(m, side)
    first = side == "intacct"
    return [m.name if first else "", SIDE_NAMES[side],
            *(str(getattr(counts, c) or "-") for c in COUNTS),
            str(m.conflicts or "-") if first else "", str(_calls(m, side))]


def summary_table(report: RunReport, width: int | None = None) -> str:
    """Two rows per mapping, Intacct then Salesforce; numeric columns with nothing in any
    row are left out so the table fits 80 columns. Stopped mappings are listed below it."""
    from mapsync.engine.commands._table import Column, render_table

    headings = ["mapping", "side", *COUNTS, "conflicts", "api calls"]
    rows = [_side_row(m, side) for m in report.mappings for side in ("intacct", "salesforce")]
    keep = [i for i, h in enumerate(headings)
            if i < 2 or h == "api calls" or any(r[i] not in ("-", "") for r in rows)]
    columns = [Column(headings[i], numeric=i >= 2) for i in keep]
    table = render_table(columns, [[r[i] for i in keep] for r in rows], width)
    stopped = "".join(f"{m.name}: stopped: {m.fatal}\n" for m in report.mappings if m.fatal)
    return table + stopped


def count_line(m: MappingReport) -> str:
    """One plain line per mapping, each number named by its side:
    `Customer (sync): intacct: updated=3 calls=2 · salesforce: created=1 calls=4`."""
    parts = []
    for side in ("intacct", "salesforce"):
        counts = getattr(m, side)
        cells = [f"{c}={getattr(counts, c)}" for c in COUNTS if getattr(counts, c)]
        calls = _calls(m, side)
        if cells or calls:
            parts.append(f"{side}: " + " ".join([*cells, f"calls={calls}"]))
    if m.conflicts:
        parts.append(f"conflicts={m.conflicts}")
    if m.fatal:
        parts.append(f"stopped: {m.fatal}")
    if not (m.changes or m.total("failed") or m.conflicts or m.fatal):
        parts.insert(0, "no changes")
    return f"{m.name} ({m.kind}): " + " · ".join(parts)


def print_summary(report: RunReport, title: str = "sync", stream: TextIO | None = None) -> None:
    """The per-mapping counts (a table on a terminal, one line per mapping otherwise) and a
    one-line total."""
    out = stream or sys.stdout
    if out.isatty():
        out.write(f"mapsync {title}\n" + summary_table(report))
    else:
        for m in report.mappings:
            out.write(count_line(m) + "\n")
    verdict = (
        "fatal: " + report.fatal
        if report.fatal
        else (f"{report.failed} record(s) failed{_where_errors(title)}" if report.failed else "ok")
    )
    out.write(f"{title}: {report.changes} change(s), {verdict}\n")


def print_table(title: str, headers: list[str], rows: list[list[str]], out: TextIO) -> None:
    """A titled table fitted to the terminal; columns whose cells are all numbers (or `-`)
    are numeric."""
    from mapsync.engine.commands._table import Column, render_table

    numeric = [all(_is_number(r[i]) for r in rows) and rows for i in range(len(headers))]
    columns = [Column(h, numeric=bool(numeric[i])) for i, h in enumerate(headers)]
    out.write(f"{title}\n" + render_table(columns, rows))


def _is_number(cell: str) -> bool:
    return cell == "-" or cell.replace(" / ", "").isdigit()


def _where_errors(title: str) -> str:
    # A plan stores no errors: the records it names fail when the sync tries them.
    return " (a sync would fail them)" if title == "plan" else "; see `mapsync errors`"


class Progress:
    """A progress bar per mapping on a terminal (rich); plain log lines otherwise."""

    def __init__(self, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.out = stream or sys.stderr
        self.enabled = enabled
        self.tty = self.out.isatty()
        self._progress: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> Progress:
        if self.enabled and self.tty:
            from rich.console import Console
            from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._progress = RichProgress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TimeElapsedColumn(),
                console=Console(file=self.out),
            )
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def set_total(self, total: int) -> None:
        """How many mappings the run has (shown in plain mode)."""
        self.total = total

    def __call__(self, name: str, outcome: MappingReport | None) -> None:
        if not self.enabled:
            return
        if self._progress is None:
            if outcome is None:
                self.out.write(f"mapsync: syncing {name}\n")
            else:
                self.out.write(
                    f"mapsync: {name}: {outcome.changes} change(s), "
                    f"{outcome.total('failed')} failed\n"
                )
            self.out.flush()
            return
        if outcome is None:
            self._tasks[name] = self._progress.add_task(f"{name}", total=None)
            return
        self._progress.update(
            self._tasks[name],
            total=1,
            completed=1,
            description=f"{name}: {outcome.changes} change(s)"
            + (f", {outcome.total('failed')} failed" if outcome.total("failed") else ""),
        )
