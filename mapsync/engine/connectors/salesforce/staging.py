"""One Bulk API 2.0 write staged on disk: its CSV uploads, result rows and outcomes.

A write of 100,000 records would hold their CSV, the result files and the parsed rows in
memory at once; here they live in a private temporary folder instead, so a write of any
size holds one record at a time:

- the upload is written in parts, a new part (one job each) whenever the next row would
  take a part past `max_bytes` (or `max_rows`, when a cap is configured). Bulk API 2.0 has
  no record cap per job; its upload cap is "CSV data that does not in total exceed 150 MB
  of base64 encoded content ... To account for the base64 conversion increase, upload data
  that does not exceed 100 MB" (Upload Job Data,
  https://developer.salesforce.com/docs/platform/api-asynch/guide/upload-job-data.html;
  Limits and Allocations: "Maximum file size 150 MB"), hence `MAX_UPLOAD_BYTES`;
- each result file of a job is streamed to disk and its rows indexed by the key column
  (external id for upserts, Id otherwise) in a temporary SQLite database, where `take`
  matches them to the records in order as `bulk.map_back` does in memory;
- each record's outcome is kept there too, by position, until the write is settled.
"""

from __future__ import annotations

import csv
import io
import os
import pickle
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mapsync.engine.connectors.salesforce.values import to_csv

# 100 MB of CSV: Salesforce's own advice for its 150 MB (base64) upload cap.
MAX_UPLOAD_BYTES = 100_000_000
# Result kinds, in the order a record's row is looked for (as bulk.map_back does).
KINDS = ("successfulResults", "failedResults", "unprocessedRecords")


@dataclass(frozen=True, slots=True)
class Part:
    """One upload file (one job): rows `first` .. `first + rows - 1` of the write."""

    number: int
    path: str
    first: int
    rows: int


@dataclass(frozen=True, slots=True)
class Stored:
    """A record's outcome as kept on disk (its error is rebuilt with the record)."""

    index: int
    kind: str  # a result kind, "missing" or "job" (the part's whole job failed)
    record_id: str | None
    created: bool
    text: str  # sf__Error of a failed row; the part number of a failed job
    retry: bool


class Staging:
    """The temporary folder and database of one write (a context manager)."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="mapsync-bulk-")
        self._db = sqlite3.connect(os.path.join(self._folder.name, "rows.sqlite"))
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.executescript(
            "CREATE TABLE results (part INTEGER, kind TEXT, key TEXT, sf_id TEXT, created INT,"
            " error TEXT);"
            "CREATE INDEX by_key ON results (part, kind, key);"
            "CREATE TABLE outcomes (idx INTEGER PRIMARY KEY, kind TEXT, sf_id TEXT, created INT,"
            " text TEXT, retry INT);"
            "CREATE TABLE retry (round INTEGER, idx INTEGER, data BLOB,"
            " PRIMARY KEY (round, idx));"
        )
        self._files = 0

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Drop every file of the write."""
        self._db.close()
        self._folder.cleanup()

    def path(self, name: str) -> str:
        """A new file name in the write's folder."""
        self._files += 1
        return os.path.join(self._folder.name, f"{self._files:05d}-{name}")

    # -- uploads ----------------------------------------------------------------------------

    def write_parts(
        self,
        rows: Iterable[Mapping[str, Any]],
        columns: list[str],
        max_bytes: int,
        max_rows: int | None,
    ) -> list[Part]:
        """Write `rows` as CSV parts of at most `max_bytes` (and `max_rows`) each."""
        parts: list[Part] = []
        header = _line(columns)
        out: io.BufferedWriter | None = None
        path, size, count, position = "", 0, 0, 0
        try:
            for row in rows:
                line = _line([to_csv(row[c]) if c in row else "" for c in columns])
                full = out is not None and (
                    size + len(line) > max_bytes or (max_rows is not None and count >= max_rows)
                )
                if out is None or full:
                    if out is not None:
                        out.close()
                        parts.append(Part(len(parts), path, position - count, count))
                    path = self.path("upload.csv")
                    out = open(path, "wb")  # noqa: SIM115 - closed when the part is full
                    out.write(header)
                    size, count = len(header), 0
                out.write(line)
                size, count, position = size + len(line), count + 1, position + 1
        finally:
            if out is not None:
                out.close()
        if count:
            parts.append(Part(len(parts), path, position - count, count))
        return parts

    # -- results ----------------------------------------------------------------------------

    def load_results(self, part: int, kind: str, path: str, key: str) -> None:
        """Index the rows of one result file (CSV on disk) by their key column."""
        with open(path, encoding="utf-8", newline="") as text:
            rows = csv.DictReader(text)
            self._db.executemany(
                "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?)",
                ((part, kind, row.get(key) or "", row.get("sf__Id") or None,
                  (row.get("sf__Created") or "").strip().lower() == "true",
                  row.get("sf__Error") or "") for row in rows),
            )
        os.remove(path)

    def take(self, part: int, value: str) -> tuple[str, str | None, bool, str]:
        """The first unclaimed result row of `part` for key `value`: (kind, sf__Id,
        created, sf__Error), successful rows first; ("missing", ...) when there is none."""
        for kind in KINDS:
            row = self._db.execute(
                "SELECT rowid, sf_id, created, error FROM results WHERE part = ? AND kind = ?"
                " AND key = ? ORDER BY rowid LIMIT 1", (part, kind, value),
            ).fetchone()
            if row is not None:
                self._db.execute("DELETE FROM results WHERE rowid = ?", (row[0],))
                return kind, row[1], bool(row[2]), row[3]
        return "missing", None, False, ""

    def clear_results(self) -> None:
        """Forget the result rows of a pass (its outcomes are stored)."""
        self._db.execute("DELETE FROM results")

    # -- outcomes ---------------------------------------------------------------------------

    def store(self, item: Stored) -> None:
        """Keep one record's outcome (a later pass's outcome replaces it)."""
        self._db.execute(
            "INSERT OR REPLACE INTO outcomes VALUES (?, ?, ?, ?, ?, ?)",
            (item.index, item.kind, item.record_id, item.created, item.text, item.retry),
        )

    def outcomes(self) -> Iterator[Stored]:
        """Every stored outcome, by position."""
        cursor = self._db.execute("SELECT * FROM outcomes ORDER BY idx")
        for idx, kind, sf_id, created, text, retry in cursor:
            yield Stored(idx, kind, sf_id, bool(created), text, bool(retry))

    # -- records to send again ----------------------------------------------------------------

    def hold(self, round_: int, index: int, record: Mapping[str, Any]) -> None:
        """Keep a record to send again in pass `round_` (pickled: the connector's values,
        and only this object reads back what it wrote)."""
        self._db.execute("INSERT OR REPLACE INTO retry VALUES (?, ?, ?)",
                         (round_, index, pickle.dumps(dict(record), pickle.HIGHEST_PROTOCOL)))

    def held(self, round_: int) -> Iterator[tuple[int, dict[str, Any]]]:
        """The records held for pass `round_`, by position."""
        cursor = self._db.execute(
            "SELECT idx, data FROM retry WHERE round = ? ORDER BY idx", (round_,))
        for idx, data in cursor:
            yield idx, pickle.loads(data)

    def held_count(self, round_: int) -> int:
        """How many records are held for pass `round_`."""
        row = self._db.execute("SELECT count(*) FROM retry WHERE round = ?", (round_,)).fetchone()
        return int(row[0])


def _line(cells: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue().encode("utf-8")
