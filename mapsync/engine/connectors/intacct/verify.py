"""De-duplication checks of the Intacct client: did a write whose answer was lost happen?

`writes.Writer` asks `Verifier.verify` about the writes of a request that may have been
applied (a timeout, a lost answer): each is settled from what Intacct now holds (found by
its key, its values, its RECORDNO or its document number) or sent again. A create that
cannot be looked up is never re-sent: its outcome is reported as unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mapsync.engine.catalog import ObjectInfo
from mapsync.engine.connectors.base import Record, WriteResult
from mapsync.engine.errors import DuplicateRecord

from . import sotransaction
from .errors import SYSTEM
from .values import to_python, to_wire, writable_items
from .writes import Planned, failure

ReadByKeys = Callable[..., list[Record]]
Checked = tuple[dict[int, WriteResult], list[Planned]]


class Verifier:
    """Settles uncertain writes by reading Intacct (`read_by_keys` of the client)."""

    def __init__(
        self, read_by_keys: ReadByKeys, info: Callable[[str], ObjectInfo | None]
    ) -> None:
        self.read_by_keys = read_by_keys
        self._info = info
        self._checks: dict[str, Callable[[list[Planned]], Checked]] = {
            "create": self._create,
            "update": self._resend,
            "delete": self._delete,
            "create_sotransaction": self._document,
            "update_sotransaction": self._resend,
        }

    def verify(self, items: list[Planned]) -> tuple[dict[int, WriteResult], list[Planned]]:
        settled: dict[int, WriteResult] = {}
        resend: list[Planned] = []
        for kind in {p.kind for p in items}:
            group = [p for p in items if p.kind == kind]
            checked, again = self._checks[kind](group)
            settled.update(checked)
            resend.extend(again)
        return settled, resend

    def _create(self, items: list[Planned]) -> tuple[dict[int, WriteResult], list[Planned]]:
        settled = {p.index: self._unkeyed(p) for p in items if not (p.key and p.key_field)}
        keyed = [p for p in items if p.key and p.key_field]
        if not keyed:
            return settled, []
        key_field = str(keyed[0].key_field)
        found = {
            str(r.get(key_field)): r
            for r in self.read_by_keys(
                keyed[0].obj, key_field, [str(p.key) for p in keyed], ["RECORDNO", key_field]
            )
        }
        for item in keyed:
            row = found.get(str(item.key))
            if row is not None:
                settled[item.index] = WriteResult(
                    index=item.index,
                    ok=True,
                    record_id=_str(row.get("RECORDNO")),
                    key=item.key,
                    created=True,
                )
        return settled, [p for p in keyed if p.index not in settled]

    def _unkeyed(self, item: Planned) -> WriteResult:
        """A create without a key (RECORDNO-keyed objects such as TASK) that already ran.

        Its controlid is a digest of the values sent, so the earlier run sent exactly these
        values: the one record holding all of them is that run's record. No such record, or
        several, leave the outcome unknown; the create is never re-sent (no duplicates).
        """
        row = self._sole_match(item)
        if row is None or not _str(row.get("RECORDNO")):
            return _unknown(item)
        record_id = _str(row.get("RECORDNO"))
        return WriteResult(index=item.index, ok=True, record_id=record_id, created=True)

    def _sole_match(self, item: Planned) -> Record | None:
        info = self._info(item.obj)
        record = item.record
        if info is None or not info.name_field or not isinstance(record, Mapping):
            return None
        sent = {
            path: value
            for path, value in writable_items(record, info)
            if value is not None and info.field(path) is not None
        }
        probe = sent.get(info.name_field)
        if probe is None:
            return None
        rows = self.read_by_keys(item.obj, info.name_field, [to_wire(probe)], ["RECORDNO", *sent])
        same = [row for row in rows if _holds(row, sent, info)]
        return same[0] if len(same) == 1 else None

    def _delete(self, items: list[Planned]) -> tuple[dict[int, WriteResult], list[Planned]]:
        ids = [str(p.record_id) for p in items]
        present = {
            str(r.get("RECORDNO"))
            for r in self.read_by_keys(items[0].obj, "RECORDNO", ids, ["RECORDNO"])
        }
        settled = {
            p.index: WriteResult(index=p.index, ok=True, record_id=p.record_id)
            for p in items
            if str(p.record_id) not in present
        }
        return settled, [p for p in items if p.index not in settled]

    def _resend(self, items: list[Planned]) -> tuple[dict[int, WriteResult], list[Planned]]:
        return {}, items

    def _document(
        self, items: list[Planned]
    ) -> tuple[dict[int, WriteResult], list[Planned]]:
        settled: dict[int, WriteResult] = {}
        resend: list[Planned] = []
        for item in items:
            header = _header(item)
            docno, doctype = header.get("documentno"), header.get("transactiontype")
            if not docno or not doctype:
                settled[item.index] = _unknown(item)
                continue
            rows = self.read_by_keys(
                "SODOCUMENT",
                "DOCNO",
                [str(docno)],
                ["RECORDNO", "DOCID", "DOCNO"],
                docparid=str(doctype),
            )
            if rows:
                settled[item.index] = WriteResult(
                    index=item.index,
                    ok=True,
                    record_id=_str(rows[0].get("RECORDNO")),
                    key=_str(rows[0].get("DOCID")) or f"{doctype}-{docno}",
                    created=True,
                )
            else:
                resend.append(item)
        return settled, resend


def _holds(row: Record, sent: Mapping[str, Any], info: ObjectInfo) -> bool:
    """True when `row` has every value in `sent`, each typed as a read would type it."""
    return all(
        row.get(path) == to_python(to_wire(value), info.field(path)) for path, value in sent.items()
    )


def _unknown(item: Planned) -> WriteResult:
    return failure(
        item,
        DuplicateRecord(
            "already executed by an earlier request whose answer was lost, and the record has no "
            "key to look it up by; check Intacct before replaying",
            system=SYSTEM,
            operation=item.function.name,
        ),
    )


def _header(item: Planned) -> Mapping[str, Any]:
    record = item.record
    if isinstance(record, Mapping):
        header = record.get("transaction", {})
        if isinstance(header, Mapping):
            return _legacy_header(header)
    return {}


def _legacy_header(header: Mapping[str, Any]) -> dict[str, Any]:
    named = sotransaction.legacy_names(header, None)
    return {str(k).lower(): v for k, v in named.items()}


def _str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
