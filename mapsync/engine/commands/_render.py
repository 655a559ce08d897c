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


def _row(m: MappingReport) -> list[str]:
    def pair(count: str) -> str:
        i, s = getattr(m.intacct, count), getattr(m.salesforce, count)
        return f"{i} / {s}" if i or s else "-"

    planned = m.planned_write_calls
    calls = (
        f"{m.intacct.api_calls + planned['intacct']} / "
        f"{m.salesforce.api_calls + planned['salesforce']}"
    )
    status = f"stopped: {m.fatal}" if m.fatal else ""
    return [
        m.name,
        m.kind,
        pair("created"),
        pair("updated"),
        pair("linked"),
        pair("deleted"),
        pair("skipped"),
        pair("failed"),
        str(m.conflicts or "-"),
        calls,
        status,
    ]


HEADERS = [
    "mapping",
    "kind",
    "created",
    "updated",
    "linked",
    "deleted",
    "skipped",
    "failed",
    "conflicts",
    "api calls",
    "status",
]


def print_table(title: str, headers: list[str], rows: list[list[str]], out: TextIO) -> None:
    """A rich table on a terminal stream."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for header in headers:
        table.add_column(header)
    for row in rows:
        table.add_row(*row)
    Console(file=out).print(table)


def print_summary(report: RunReport, title: str = "sync", stream: TextIO | None = None) -> None:
    """The per-mapping table (counts as Intacct / Salesforce) and a one-line total."""
    out = stream or sys.stdout
    rows = [_row(m) for m in report.mappings]
    if out.isatty():
        print_table(f"mapsync {title} (Intacct / Salesforce)", HEADERS, rows, out)
    else:
        for row in rows:
            cells = [
                f"{h}={c}" for h, c in zip(HEADERS[2:], row[2:], strict=True) if c not in ("-", "")
            ]
            out.write(f"{row[0]} ({row[1]}): {' '.join(cells) or 'no changes'}\n")
    verdict = (
        "fatal: " + report.fatal
        if report.fatal
        else (f"{report.failed} record(s) failed; see `mapsync errors`" if report.failed else "ok")
    )
    out.write(f"{title}: {report.changes} change(s), {verdict}\n")


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
