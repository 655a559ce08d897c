"""The run log, the errors of records that failed, and the conflicts a policy decided."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mapsync.engine.state.db import Part, dumps, loads, marks, now
from mapsync.engine.state.records import ConflictRecord, ErrorRecord, Run


class Runs(Part):
    """The run table: one row per command that ran, with its status and counts."""

    def start_run(self, command: str) -> int:
        """Record a run starting; runs left `running` by a crash become `interrupted`."""
        with self.db.transaction():
            self.db.execute("UPDATE run SET status = 'interrupted' WHERE status = 'running'")
            row = self.db.execute(
                "INSERT INTO run (command, started_at, status) VALUES (?, ?, 'running') "
                "RETURNING id",
                (command, now()),
            ).fetchone()
        return int(row[0])

    def finish_run(self, run_id: int, status: str, counts: Any = None) -> None:
        """Record a run's end, its status (ok, failed...) and its counts (any JSON value)."""
        with self.db.transaction():
            self.db.execute(
                "UPDATE run SET ended_at = ?, status = ?, counts_json = ? WHERE id = ?",
                (now(), status, dumps(counts), run_id),
            )

    def runs(self, limit: int = 20) -> list[Run]:
        """The latest runs, newest first."""
        rows = self.db.execute("SELECT * FROM run ORDER BY id DESC LIMIT ?", (limit,))
        return [
            Run(row[0], row[1], row[2], row[3], row[4], loads(row[5])) for row in rows.fetchall()
        ]


class Errors(Part):
    """The error table: at most one open error per mapping, side and record."""

    def record_error(
        self,
        run_id: int | None,
        mapping: str,
        side: str,
        record_key: str | None,
        *,
        error_type: str,
        message: str,
        code: str | None = None,
        rule: str | None = None,
        payload: Any = None,
        transient: bool = False,
    ) -> int:
        """Store a failed record; a record that fails again bumps `attempts` of its open error."""
        stamp = now()
        row = (
            run_id,
            mapping,
            side,
            rule,
            record_key,
            error_type,
            code,
            message,
            dumps(payload),
            int(transient),
            stamp,
            stamp,
        )
        with self.db.transaction():
            found = self.db.execute(
                """INSERT INTO error (run_id, mapping, side, rule, record_key, error_type,
                       error_code, message, payload_json, transient, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (mapping, side, record_key) WHERE status = 'open'
                   DO UPDATE SET run_id = excluded.run_id,
                       rule = coalesce(excluded.rule, error.rule),
                       error_type = excluded.error_type, error_code = excluded.error_code,
                       message = excluded.message, payload_json = excluded.payload_json,
                       transient = excluded.transient, attempts = error.attempts + 1,
                       updated_at = excluded.updated_at
                   RETURNING id""",
                row,
            ).fetchone()
        return int(found[0])

    def record_exception(
        self,
        run_id: int | None,
        mapping: str,
        side: str,
        record_key: str | None,
        exc: BaseException,
        *,
        rule: str | None = None,
        payload: Any = None,
    ) -> int:
        """`record_error` for an exception (a SyncError gives its code and transient flag)."""
        to_dict = getattr(exc, "to_dict", None)
        info: Mapping[str, Any] = to_dict() if callable(to_dict) else {}
        return self.record_error(
            run_id,
            mapping,
            side,
            record_key,
            error_type=type(exc).__name__,
            message=str(exc),
            code=info.get("code"),
            rule=rule or getattr(exc, "rule", None),
            payload=payload,
            transient=bool(getattr(exc, "transient", False)),
        )

    def errors(
        self,
        *,
        status: str | None = "open",
        ids: Iterable[int] | None = None,
        mapping: str | None = None,
        transient: bool | None = None,
    ) -> list[ErrorRecord]:
        """Stored errors, oldest first, filtered by status, ids, mapping and transience."""
        where, params = _filters(status=status, mapping=mapping, transient=transient)
        if ids is not None:
            wanted = list(ids)
            if not wanted:
                return []
            where.append(f"id IN ({marks(len(wanted))})")
            params.extend(wanted)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self.db.execute(f"SELECT * FROM error {clause} ORDER BY id", params)
        return [_error_record(row) for row in rows.fetchall()]

    def resolve_errors(self, mapping: str, side: str, record_keys: Iterable[str]) -> None:
        """Close the open errors of records that have now synced."""
        with self.db.transaction():
            self.db.executemany(
                "UPDATE error SET status = 'resolved', updated_at = ? WHERE mapping = ? "
                "AND side = ? AND record_key = ? AND status = 'open'",
                [(now(), mapping, side, key) for key in record_keys],
            )

    def resolve_error(self, error_id: int) -> None:
        """Close one error by id."""
        with self.db.transaction():
            self.db.execute(
                "UPDATE error SET status = 'resolved', updated_at = ? WHERE id = ?",
                (now(), error_id),
            )


class Conflicts(Part):
    """The conflict table: each `<->` field both sides changed, and who won."""

    def log_conflict(
        self,
        run_id: int | None,
        mapping: str,
        record_key: str,
        field: str,
        intacct_value: Any,
        salesforce_value: Any,
        winner: str,
        policy: str,
    ) -> None:
        """Record a `<->` conflict with both values and the policy's decision."""
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO conflict (run_id, mapping, record_key, field, intacct_value, "
                "salesforce_value, winner, policy, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    mapping,
                    record_key,
                    field,
                    dumps(intacct_value),
                    dumps(salesforce_value),
                    winner,
                    policy,
                    now(),
                ),
            )

    def conflicts(
        self, *, run_id: int | None = None, mapping: str | None = None
    ) -> list[ConflictRecord]:
        """Logged conflicts, oldest first."""
        where, params = _filters(run_id=run_id, mapping=mapping)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self.db.execute(f"SELECT * FROM conflict {clause} ORDER BY id", params)
        return [_conflict_record(row) for row in rows.fetchall()]


def _filters(**values: Any) -> tuple[list[str], list[Any]]:
    where = [f"{name} = ?" for name, value in values.items() if value is not None]
    params = [int(v) if isinstance(v, bool) else v for v in values.values() if v is not None]
    return where, params


def _error_record(row: Any) -> ErrorRecord:
    values = list(row)
    values[9] = loads(values[9])
    values[10] = bool(values[10])
    return ErrorRecord(*values)


def _conflict_record(row: Any) -> ConflictRecord:
    values = list(row)
    values[5], values[6] = loads(values[5]), loads(values[6])
    return ConflictRecord(*values)
