"""The state store on both backends: migrations, links, shadows, watermarks, runs, errors,
atomicity. Every test runs on SQLite and on PostgreSQL (when MAPSYNC_TEST_POSTGRES_URL
is set) with the same assertions."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from fieldplans import plan_field, step
from state_backends import Backend

from mapsync.engine.errors import RateLimited, ValidationFailed
from mapsync.engine.program import RefPending, TransformError, compile_fields
from mapsync.engine.state import (
    MIGRATIONS,
    ChunkWrites,
    ConflictRow,
    FailedRecord,
    StateError,
    StatePermissionWarning,
    StateStore,
    Watermark,
    open_store,
)
from mapsync.engine.state.db import Db

REPO = Path(__file__).resolve().parents[2]


def test_open_creates_the_schema_from_empty(backend: Backend) -> None:
    with backend.open() as store:
        assert store.schema_version == len(MIGRATIONS) == 2
    assert {"schema_version", "xref", "shadow", "watermark", "run", "error", "conflict"} <= (
        backend.tables()
    )


def test_a_sqlite_store_is_a_write_ahead_log(tmp_path: Path) -> None:
    with open_store(tmp_path / "state.db") as store:
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_sqlite_store_and_its_log_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "state.db"
    with open_store(path) as store:
        store.link("Customer", "C1", "001A")
        files = [path, path.with_name("state.db-wal"), path.with_name("state.db-shm")]
        assert [stat.S_IMODE(f.stat().st_mode) for f in files] == [0o600] * 3


def test_a_looser_sqlite_store_is_tightened_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    open_store(path).close()
    os.chmod(path, 0o644)
    with pytest.warns(StatePermissionWarning, match=r"state.db was readable by others \(mode 0644"):
        open_store(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_reopen_is_idempotent_and_keeps_data(backend: Backend) -> None:
    with backend.open() as store:
        store.link("Customer", "C1", "001A", "12")
    with backend.open() as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.links_by_intacct_keys("Customer", ["C1"])["C1"].salesforce_id == "001A"
        count = store.db.execute("SELECT count(*) FROM schema_version").fetchone()[0]
    assert count == 1


def test_a_later_migration_upgrades_an_existing_store(backend: Backend) -> None:
    with backend.open() as store:
        store.link("Customer", "C1", "001A")

    def add_note(db: Db) -> None:
        db.execute("ALTER TABLE xref ADD COLUMN note TEXT")

    with backend.open((*MIGRATIONS, add_note)) as store:
        assert store.schema_version == len(MIGRATIONS) + 1
        rows = store.db.execute("SELECT intacct_key, note FROM xref").fetchall()
        assert [tuple(row) for row in rows] == [("C1", None)]
    with pytest.raises(StateError, match="newer than this mapsync knows"):
        backend.open()


def test_a_version_1_store_is_upgraded_and_keeps_its_watermarks(backend: Backend) -> None:
    with backend.open(MIGRATIONS[:1]) as store:
        store.db.execute(
            "INSERT INTO watermark VALUES ('Customer', 'intacct', '2026-01-02T03:04:05', '7', "
            "'2026-01-02T03:05:00+00:00')"
        )
        assert store.schema_version == 1
    with backend.open() as store:
        assert store.schema_version == 2
        mark = store.watermark("Customer", "intacct")
        assert mark is not None and mark.record_id == "7"
        assert store.window_read_at("Customer", "intacct") is None
        when = dt.datetime(2026, 1, 2, 4, 0, tzinfo=dt.UTC)
        store.set_watermark("Customer", "intacct", mark, window_read_at=when)
        assert store.window_read_at("Customer", "intacct") == when


def test_a_failing_migration_leaves_the_old_version(backend: Backend) -> None:
    backend.open().close()

    def broken(db: Db) -> None:
        db.execute("CREATE TABLE half_done (x TEXT)")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        backend.open((*MIGRATIONS, broken))
    with backend.open() as store:
        assert store.schema_version == len(MIGRATIONS)
    assert "half_done" not in backend.tables()


def test_links_both_ways_and_relinking(store: StateStore) -> None:
    store.link_many("Customer", [("C1", "12", "001A"), ("C2", None, "001B")])
    assert store.links_by_salesforce_ids("Customer", ["001B", "nope"])["001B"].intacct_key == "C2"
    assert store.links_by_recordnos("Customer", ["12"])["12"].intacct_key == "C1"
    store.link("Customer", "C1", "001Z")  # the Salesforce record was recreated
    store.link("Customer", "C3", "001B")  # and an Id moved to another key
    assert {
        (x.intacct_key, x.intacct_recordno, x.salesforce_id) for x in store.all_links("Customer")
    } == {("C1", "12", "001Z"), ("C3", None, "001B")}
    assert store.count_links("Customer") == 2
    assert store.count_links("Contact") == 0
    store.unlink("Customer", "C1")
    assert store.links_by_intacct_keys("Customer", ["C1"]) == {}


def test_lookups_of_many_keys_are_chunked(store: StateStore) -> None:
    store.link_many("Item", [(f"I{i}", str(i), f"01t{i:05d}") for i in range(1300)])
    found = store.links_by_intacct_keys("Item", (f"I{i}" for i in range(0, 1300, 1)))
    assert len(found) == 1300


def test_shadows_round_trip_json(store: StateStore) -> None:
    shadow = {
        "i": {"NAME|Name": "Acme", "CREDITLIMIT|Credit__c": "10.5"},
        "s": {"NAME|Name": "Acme"},
    }
    store.save_shadows("Customer", {"C1": shadow, "C2": {"i": {}, "s": {}}})
    assert store.shadows("Customer", ["C1", "C9"]) == {"C1": shadow}
    store.save_shadows("Customer", {"C1": {"i": {"x": Decimal("1.50")}, "s": {}}})
    assert store.shadows("Customer", ["C1"])["C1"] == {"i": {"x": "1.50"}, "s": {}}


def test_links_with_shadows_read_both_in_one_call(store: StateStore) -> None:
    shadow = {"i": {"NAME|Name": "Acme"}, "s": {"NAME|Name": "Acme"}}
    store.link_many("Customer", [("C1", "12", "001A"), ("C2", None, "001B")])
    store.save_shadows("Customer", {"C1": shadow, "C9": shadow})  # C9 is not linked
    by_key = store.links_with_shadows("Customer", "intacct", ["C1", "C2", "C9"])
    assert {k: (link.salesforce_id, s) for k, (link, s) in by_key.items()} == {
        "C1": ("001A", shadow), "C2": ("001B", None)}
    by_id = store.links_with_shadows("Customer", "salesforce", ["001A", "001Z"])
    assert {k: (link.intacct_key, s) for k, (link, s) in by_id.items()} == {
        "001A": ("C1", shadow)}
    assert store.links_with_shadows("Contact", "intacct", ["C1"]) == {}


def test_a_chunk_is_written_at_once_and_failed_then_synced_ends_resolved(
    store: StateStore,
) -> None:
    run = store.start_run("sync")
    store.record_error(run, "Customer", "salesforce", "001B", error_type="X", message="old")
    writes = ChunkWrites(
        links=[("C1", "12", "001A")],
        shadows={"C1": {"i": {}, "s": {}}},
        failures=[FailedRecord("intacct", "C2", ValidationFailed("NAME required"), "r.map:3:5",
                               {"NAME": None}),
                  FailedRecord("intacct", "C3", RateLimited("slow"), None, None)],
        resolved=[("salesforce", "001B"), ("intacct", "C3")],
        conflicts=[ConflictRow("C1", "City", "Paris", "Lyon", "salesforce", "newest")],
    )
    store.write_chunk("Customer", run, writes)
    assert store.links_by_intacct_keys("Customer", ["C1"])["C1"].salesforce_id == "001A"
    assert store.shadows("Customer", ["C1"]) == {"C1": {"i": {}, "s": {}}}
    (error,) = store.errors()
    assert (error.record_key, error.rule, error.payload) == ("C2", "r.map:3:5", {"NAME": None})
    assert [c.winner for c in store.conflicts(run_id=run)] == ["salesforce"]
    assert not ChunkWrites()


def test_watermarks_keep_naive_and_aware_times(store: StateStore) -> None:
    assert store.watermark("Customer", "intacct") is None
    naive = Watermark(dt.datetime(2024, 3, 8, 10, 0, 5), "42")
    aware = Watermark(dt.datetime(2024, 3, 8, 9, 0, 5, 123000, tzinfo=dt.UTC), "001A")
    store.set_watermark("Customer", "intacct", naive)
    store.set_watermark("Customer", "salesforce", aware)
    assert store.watermark("Customer", "intacct") == naive
    assert store.watermark("Customer", "salesforce") == aware
    store.reset_watermarks("Customer")
    assert store.watermark("Customer", "salesforce") is None


def test_a_failed_transaction_writes_nothing(store: StateStore) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.link("Customer", "C1", "001A")
        store.set_watermark("Customer", "intacct", Watermark(None, "1"))
        raise RuntimeError("connector blew up")
    assert store.count_links("Customer") == 0
    assert store.watermark("Customer", "intacct") is None


def test_nested_transactions_roll_back_only_the_inner_part(store: StateStore) -> None:
    with store.transaction():
        store.link("Customer", "C1", "001A")
        with pytest.raises(ValueError), store.transaction():
            store.link("Customer", "C2", "001B")
            raise ValueError
        store.link("Customer", "C3", "001C")
    assert [x.intacct_key for x in store.all_links("Customer")] == ["C1", "C3"]


def test_close_without_commit_leaves_no_partial_batch(backend: Backend) -> None:
    store = backend.open()
    with store.transaction():
        store.link("Customer", "C0", "001")
    with pytest.raises(KeyboardInterrupt), store.transaction():
        store.link_many("Customer", [(f"C{i}", None, f"00{i}X") for i in range(1, 100)])
        store.save_shadows("Customer", {"C1": {"i": {}, "s": {}}})
        store.close()  # the store is closed with the batch open, then the process is stopped
        raise KeyboardInterrupt
    with backend.open() as again:
        assert [x.intacct_key for x in again.all_links("Customer")] == ["C0"]
        assert again.shadows("Customer", ["C1"]) == {}


def test_killed_process_mid_batch_loses_only_the_open_batch(backend: Backend) -> None:
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(REPO)!r})
        from mapsync.engine.state import Watermark, open_store
        store = open_store({str(backend.target)!r}, namespace={backend.namespace!r})
        with store.transaction():
            store.link_many("Customer", [("A%d" % i, None, "S-A%d" % i) for i in range(200)])
            store.set_watermark("Customer", "intacct", Watermark(None, "200"))
        with store.transaction():
            store.link_many("Customer", [("B%d" % i, None, "S-B%d" % i) for i in range(200)])
            store.set_watermark("Customer", "intacct", Watermark(None, "400"))
            os._exit(9)
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 9, done.stderr
    with backend.open() as store:
        assert store.count_links("Customer") == 200
        assert store.watermark("Customer", "intacct") == Watermark(None, "200")


def test_runs_and_interrupted_runs(store: StateStore) -> None:
    crashed = store.start_run("sync")
    run = store.start_run("sync")
    store.finish_run(run, "ok", {"Customer": {"created": 3}})
    latest, earlier = store.runs()
    assert (latest.id, latest.status, latest.counts) == (run, "ok", {"Customer": {"created": 3}})
    assert (earlier.id, earlier.status, earlier.ended_at) == (crashed, "interrupted", None)


def test_errors_are_stored_once_per_record_and_resolved(store: StateStore) -> None:
    run = store.start_run("sync")
    first = store.record_error(
        run,
        "Customer",
        "salesforce",
        "C1",
        error_type="ValidationFailed",
        message="bad phone",
        code="INVALID",
        rule="rules/c.map:9:5",
        payload={"Phone": "x"},
    )
    again = store.record_exception(
        run,
        "Customer",
        "salesforce",
        "C1",
        RateLimited("slow down", code="429"),
        payload={"Phone": "y"},
    )
    other = store.record_exception(
        run, "Customer", "intacct", "C2", ValidationFailed("NAME required", code="BL01001973")
    )
    assert first == again != other
    (c1,) = store.errors(mapping="Customer", transient=True)
    assert (c1.attempts, c1.error_type, c1.error_code, c1.payload, c1.rule) == (
        2,
        "RateLimited",
        "429",
        {"Phone": "y"},
        "rules/c.map:9:5",
    )
    assert [e.record_key for e in store.errors(transient=False)] == ["C2"]
    store.resolve_errors("Customer", "salesforce", ["C1"])
    store.resolve_error(other)
    assert store.errors() == []
    assert {e.status for e in store.errors(status=None, ids=[first, other])} == {"resolved"}
    fresh = store.record_error(run, "Customer", "salesforce", "C1", error_type="X", message="m")
    assert fresh != first  # a new failure after resolution is a new error


def test_transform_errors_keep_their_rule(store: StateStore) -> None:
    rt = compile_fields(
        [
            plan_field(
                "S",
                "T",
                "to_salesforce",
                step("map", table={"a": "A"}, **{"else": {"mode": "fail"}}),
                line=7,
            )
        ],
        "to_salesforce",
    )
    with pytest.raises(TransformError) as caught:
        rt.apply({"S": "b"})
    store.record_exception(None, "Customer", "salesforce", "C1", caught.value)
    (err,) = store.errors()
    assert (err.rule, err.error_type, err.error_code, err.transient) == (
        "rules/customer.map:7:5",
        "TransformError",
        "TRANSFORM",
        False,
    )


def test_conflicts_are_logged_with_both_values(store: StateStore) -> None:
    run = store.start_run("sync")
    store.log_conflict(
        run, "Customer", "C1", "BillingCity", "Paris", "Lyon", "salesforce", "newest"
    )
    (c,) = store.conflicts(run_id=run)
    assert (c.field, c.intacct_value, c.salesforce_value, c.winner, c.policy) == (
        "BillingCity",
        "Paris",
        "Lyon",
        "salesforce",
        "newest",
    )
    assert store.conflicts(mapping="Contact") == []


def test_ref_resolver_reads_links_for_transforms(store: StateStore) -> None:
    store.link("ARTerm", "Net 30", "a0B1")
    fields = [plan_field("TERMNAME", "Term__c", "both", step("ref", mapping="ARTerm"))]
    resolve = store.ref_resolver()
    to_sf = compile_fields(fields, "to_salesforce", resolve)
    to_ia = compile_fields(fields, "to_intacct", resolve)
    assert to_sf.apply({"TERMNAME": "Net 30"}) == {"Term__c": "a0B1"}
    assert to_ia.apply({"Term__c": "a0B1"}) == {"TERMNAME": "Net 30"}
    with pytest.raises(RefPending):
        to_sf.apply({"TERMNAME": "Net 60"})
    store.link("ARTerm", "Net 60", "a0B2")  # the parent got written later in the run
    assert to_sf.apply({"TERMNAME": "Net 60"}) == {"Term__c": "a0B2"}
    cache = resolve("ARTerm", "salesforce")
    cache.prefetch(["Net 30", "Net 60", "Net 90"])
    assert dict(cache) == {"Net 30": "a0B1", "Net 60": "a0B2"}


def test_a_reference_to_a_record_deleted_in_salesforce_resolves_to_empty(
    store: StateStore,
) -> None:
    from mapsync.engine.state import TOMBSTONE

    store.link("Item", "OLD", TOMBSTONE + "01tX")
    store.link("Item", "NEW", "01tY")
    lookup = store.ref_resolver()("Item", "salesforce")
    assert (lookup.get("OLD"), lookup.get("NEW"), lookup.get("NONE")) == ("", "01tY", None)
