"""The page reads a run's progress while the run reports into it from other threads."""

from __future__ import annotations

import threading
from pathlib import Path

from mapsync.engine.ui.jobs import Job, Jobs


def test_a_report_never_changes_the_progress_a_reader_is_iterating(tmp_path: Path) -> None:
    job = Job(id=1, kind="sync", started=0.0)
    report = Jobs(tmp_path / "mapsync.yaml", None, clock=lambda: 0.0)._progress(job)
    report("Customer", None)
    reading = iter(job.progress.items())
    assert next(reading)[0] == "Customer"
    report("Contact", None)
    assert list(reading) == []  # before the fix: RuntimeError, dictionary changed size
    assert job.progress == {"Customer": {"state": "running"}, "Contact": {"state": "running"}}


def test_mappings_reporting_at_once_lose_no_report(tmp_path: Path) -> None:
    job = Job(id=1, kind="sync", started=0.0)
    report = Jobs(tmp_path / "mapsync.yaml", None, clock=lambda: 0.0)._progress(job)
    start = threading.Barrier(4)

    def reporter(prefix: str) -> None:
        start.wait()
        for i in range(500):
            report(f"{prefix}{i}", None)

    threads = [threading.Thread(target=reporter, args=(p,)) for p in "abcd"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(job.progress) == 2000
