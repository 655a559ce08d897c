"""`mapsync state export|import|migrate`: a store moves between backends without loss."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from state_backends import Backend, postgres_url

from mapsync.cli import main
from mapsync.engine.state import MIGRATIONS, SqlStore, StateError, Watermark, mask_url
from mapsync.engine.state.db import Db
from mapsync.engine.state.transfer import export_lines, import_lines


def fill(store: SqlStore) -> None:
    """One of everything, with the awkward values: unicode, JSON, NULLs, naive/aware times."""
    run = store.start_run("sync")
    store.link_many("Customer", [("C1", "12", "001A"), ("Zoë", None, "001B")])
    store.save_shadows("Customer", {"C1": {"i": {"NAME": "Acmé"}, "s": {"Name": None}}})
    store.set_watermark("Customer", "intacct", Watermark(dt.datetime(2026, 1, 2, 3, 4, 5), "12"))
    when = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    store.set_watermark("Customer", "salesforce", Watermark(when, "001B"), window_read_at=when)
    store.record_error(run, "Customer", "salesforce", "C1", error_type="X", message="m",
                       payload={"Phone": "x"}, transient=True)
    store.log_conflict(run, "Customer", "C1", "Name", "a", "b", "intacct", "newest")
    store.finish_run(run, "ok", {"Customer": {"created": 1}})


@pytest.mark.parametrize(("source", "target"), [("sqlite", "postgres"), ("postgres", "sqlite")])
def test_export_then_import_into_the_other_backend_loses_nothing(
    tmp_path: Path, source: str, target: str
) -> None:
    postgres_url()
    a, b = Backend(source, tmp_path / "a"), Backend(target, tmp_path / "b")
    try:
        with a.open() as one:
            fill(one)
            dump = list(export_lines(one))
        with b.open() as two:
            assert import_lines(two, dump) == len(dump) - 1 == 8
            again = list(export_lines(two))
            assert again[1:] == dump[1:]
            two.start_run("sync")  # numbering goes on after the imported rows
            assert [r.id for r in two.runs()] == [2, 1]
            assert two.watermark("Customer", "intacct") == one_mark()
    finally:
        a.drop()
        b.drop()


def one_mark() -> Watermark:
    return Watermark(dt.datetime(2026, 1, 2, 3, 4, 5), "12")


def test_import_refuses_a_store_that_has_data(store: SqlStore) -> None:
    fill(store)
    dump = list(export_lines(store))
    with pytest.raises(StateError, match="is not empty: import only into a new store"):
        import_lines(store, dump)


def test_a_bad_dump_is_reported_by_line(store: SqlStore) -> None:
    header = next(export_lines(store))
    with pytest.raises(StateError, match=r"^d.jsonl:1: not a mapsync state export"):
        import_lines(store, ["{}"], source="d.jsonl")
    with pytest.raises(StateError, match=r"^d.jsonl:3: unknown table 'users'"):
        import_lines(store, [header, "", json.dumps({"table": "users", "row": {"a": 1}})],
                     source="d.jsonl")
    assert store.count_links("Customer") == 0


def test_cli_moves_a_store_and_migrate_reports_the_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src, dst, dump = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "dump.jsonl"
    assert main(["state", "migrate", "--store", str(src)]) == 0
    assert "schema version 2 (migrated from version 0)" in capsys.readouterr().out
    assert main(["state", "migrate", "--store", str(src)]) == 0
    assert "schema version 2 (up to date)" in capsys.readouterr().out
    with Backend("sqlite", tmp_path).open() as store:
        fill(store)
        wanted = list(export_lines(store))[1:]
    assert main(["state", "export", "--store", str(tmp_path / "deep" / "state.db"),
                 "-o", str(dump)]) == 0
    assert main(["state", "import", "--store", str(dst), str(dump)]) == 0
    assert "imported 8 rows" in capsys.readouterr().out
    assert main(["state", "export", "--store", str(dst)]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == wanted
    assert main(["state", "import", "--store", str(dst), str(dump)]) == 1
    assert "is not empty" in capsys.readouterr().err


def test_a_store_at_a_newer_schema_refuses_to_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], backend: Backend
) -> None:
    def later(db: Db) -> None:
        db.execute("CREATE TABLE later (x TEXT)")

    backend.open((*MIGRATIONS, later)).close()
    target = str(backend.target)
    assert main(["state", "migrate", "--store", target, "--pair", backend.namespace]) == 1
    err = capsys.readouterr().err
    assert "has schema version 3, newer than this mapsync knows (2): upgrade mapsync" in err
    if backend.url:
        assert mask_url(backend.url) in err
