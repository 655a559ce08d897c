"""Tables fit 80 columns, wrap text but never numbers, and print the same columns in a pipe;
plain count lines say which side each number belongs to."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mapsync.cli import main
from mapsync.engine.commands._render import count_line, summary_table
from mapsync.engine.commands._table import Column, render_table
from mapsync.engine.commands.rules import rows
from mapsync.engine.language import compile_paths
from mapsync.engine.resources import rules_dir
from mapsync.engine.runner.report import MappingReport, RunReport, SideCounts

REPO = Path(__file__).resolve().parents[1]


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


def test_a_table_wraps_text_and_keeps_numbers_whole() -> None:
    columns = [Column("name"), Column("created", numeric=True), Column("note")]
    table = render_table(columns, [["Intacct_Billing_Template__c", "123456", "a " * 40],
                                   ["x", "7", ""]], width=30)
    lines = table.splitlines()
    assert widest(table) <= 30
    assert lines[0].split() == ["name", "created", "note"]
    assert "123456" in lines[2].split() and lines[2].startswith("Intacct_")
    assert "".join(line.split()[0] for line in lines[2:6]) == "Intacct_Billing_Template__c"
    assert lines[-1].split() == ["x", "7"]


def rules_list_in_a_pipe(lang: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    done = subprocess.run([sys.executable, "-m", "mapsync", "rules", "list", "--lang", lang,
                           str(rules_dir())], capture_output=True, text=True, env=env,
                          cwd=REPO, check=True)
    return done.stdout


@pytest.mark.parametrize("lang", ["en_US", "fr"])
def test_rules_list_fits_80_columns_in_a_pipe(lang: str) -> None:
    out = rules_list_in_a_pipe(lang)
    assert widest(out) <= 80
    lines = out.splitlines()
    separator = next(i for i, line in enumerate(lines) if line.startswith("-"))
    spans = [m.span() for m in re.finditer(r"-+", lines[separator])]
    assert len(spans) == 9 and all(end - start >= 2 for start, end in spans)
    numbers = [[line[a:b].strip() for a, b in spans[4:8]] for line in lines[separator + 1:]]
    shown = [cells for cells in numbers if any(cells)]
    plan, _ = compile_paths([rules_dir()])
    assert plan is not None
    assert shown == [[str(n) for n in row.counts] for row in rows(plan, lang)]


def test_the_pipe_prints_what_an_80_column_terminal_shows(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["rules", "list", "--lang", "fr", str(rules_dir())]) == 0
    assert capsys.readouterr().out == rules_list_in_a_pipe("fr")


def report() -> RunReport:
    long = MappingReport("SalesOrderDocumentLines", "sync",
                         intacct=SideCounts(created=0, updated=1234, api_calls=15),
                         salesforce=SideCounts(created=98765, linked=3, deleted=2, skipped=1,
                                               failed=4, api_calls=420), conflicts=7)
    quiet = MappingReport("ARTerm", "managed")
    stopped = MappingReport("Project", "sync", fatal="Salesforce refused the login")
    return RunReport(mappings=[long, quiet, stopped])


def test_the_sync_table_fits_80_columns_and_keeps_names() -> None:
    table = summary_table(report(), width=80)
    assert widest(table) <= 80
    first_row = table.splitlines()[3:]
    names = [line.split()[0] for line in first_row[:next(
        i for i, line in enumerate(first_row) if line.startswith(" "))]]
    assert "".join(names) == "SalesOrderDocumentLines" and "…" not in table
    for number in ("1234", "98765", "420", "15", "7"):
        assert number in table.split()
    assert "Project: stopped: Salesforce refused the login" in table


def test_count_lines_name_the_sides() -> None:
    long, quiet, stopped = report().mappings
    assert count_line(long) == (
        "SalesOrderDocumentLines (sync): intacct: updated=1234 calls=15 · salesforce: "
        "created=98765 linked=3 deleted=2 skipped=1 failed=4 calls=420 · conflicts=7")
    assert count_line(quiet) == "ARTerm (managed): no changes"
    assert count_line(stopped) == "Project (sync): stopped: Salesforce refused the login"


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as a console is."""

    def isatty(self) -> bool:
        return True


def reconcile_summary() -> dict[str, Any]:
    mapping = {"name": "BillingPriceBookEntry", "kind": "sync", "intacct_records": 120345,
               "salesforce_records": 120001, "linked": 119990, "missing_in_salesforce_count": 12,
               "missing_in_intacct_count": 0, "differences_count": 3456,
               "not_synced_by_rule": {"intacct": 7, "salesforce": 9}, "error": None,
               "in_step": False, "missing_in_salesforce": [], "missing_in_intacct": [],
               "differences": []}
    return {"mappings": [mapping], "fatal": None, "in_step": False}


def test_reconcile_and_errors_tables_fit_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    from mapsync.engine.commands.errors import print_errors
    from mapsync.engine.commands.reconcile import print_report

    monkeypatch.setenv("COLUMNS", "80")
    out = Terminal()
    print_report(reconcile_summary(), stream=out)
    table = out.getvalue()
    assert widest(table) <= 80
    for number in ("120345", "120001", "119990", "3456", "7 / 9"):
        assert number in table
    error = {"id": 12, "mapping": "SalesOrderDocumentLines", "side": "intacct",
             "record_key": "SO-000123", "rule": "rules/sales_documents.map:77:5",
             "error_type": "validation", "error_code": "BL34000061", "attempts": 3,
             "transient": False, "status": "open",
             "message": "Required field Customer ID is missing on the sales order " * 3}
    out = Terminal()
    print_errors([error], stream=out)
    assert widest(out.getvalue()) <= 80
    assert "BL34000061" in out.getvalue().replace("\n", " ")


def test_reconcile_plain_lines_name_the_sides() -> None:
    from mapsync.engine.commands.reconcile import print_report

    out = io.StringIO()
    print_report(reconcile_summary(), stream=out)
    assert "not_synced=intacct:7,salesforce:9" in out.getvalue()
