"""Sync status on the Salesforce records a run writes, or fails to write.

    board = StatusBoard.for_object(salesforce, "Account", rules=m.rules, labels=m.plan)
    payloads = board.stamp(payloads)        # rides on writes the run makes anyway
    board.failed(sf_id, error)              # a record that could not be synced
    board.flush()                           # one batched write per chunk for the failures

A written record gets `Intacct_Sync_Status__c = Synced`, `Intacct_Last_Sync__c` and an empty
`Intacct_Sync_Error__c` (so a later success clears an earlier error). A failed record gets
`Error`, the time and the error in its owner's language (`Owner.LanguageLocaleKey`), from the
catalog of error texts (status_texts.py) with the field named by the rule set's label. Objects
without these fields are left alone; a run that writes nothing writes no status either.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from mapsync.engine.catalog import load_catalogs
from mapsync.engine.connectors.base import SalesforceAPI
from mapsync.engine.errors import (
    DuplicateRecord,
    NotFound,
    PermissionDenied,
    SyncError,
    TransientError,
    ValidationFailed,
)
from mapsync.engine.plan import PlanMapping
from mapsync.engine.program import FieldRule, RefPending, TransformError
from mapsync.engine.runner.status_texts import DEFAULT_LANGUAGE, TEXTS

STATUS, LAST_SYNC, ERROR = "Intacct_Sync_Status__c", "Intacct_Last_Sync__c", "Intacct_Sync_Error__c"
FIELDS = (STATUS, LAST_SYNC, ERROR)
SYNCED, FAILED = "Synced", "Error"
MAX_ERROR = 32000
_SF_ID = re.compile(r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")
log = logging.getLogger("mapsync.status")
Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def error_kind(error: BaseException | None) -> str:
    """The catalog entry for an error: what kind of failure it is."""
    if isinstance(error, TransformError):
        return "rule"
    if isinstance(error, RefPending) or type(error).__name__ == "RefPendingError":
        return "waiting"
    if isinstance(error, ValidationFailed):
        return "invalid_field" if error.field else "invalid"
    kinds: tuple[tuple[type[BaseException], str], ...] = (
        (DuplicateRecord, "duplicate"), (PermissionDenied, "permission"),
        (NotFound, "not_found"), (TransientError, "temporary"),
    )
    found = next((kind for cls, kind in kinds if isinstance(error, cls)), None)
    if found:
        return found
    if isinstance(error, SyncError) and "no products" in error.message:
        return "no_products"
    if isinstance(error, SyncError) and error.field:
        return "invalid_field"
    return "other"


class StatusBoard:
    """The status fields of one Salesforce object's records in one run."""

    def __init__(self, salesforce: SalesforceAPI | None, obj: str, *,
                 rules: Sequence[FieldRule] = (),
                 rule_labels: Mapping[str, Mapping[str, str]] | None = None,
                 now: Clock = _utc_now,
                 open_errors: Callable[[], set[str]] | None = None) -> None:
        info = load_catalogs().get("salesforce", obj)
        self.salesforce = salesforce
        self.obj = obj
        self.enabled = info is not None and all(f in info.fields for f in FIELDS)
        self.has_owner = info is not None and "OwnerId" in info.fields
        self.field_labels = {n: {DEFAULT_LANGUAGE: f.label, **f.labels}
                             for n, f in info.fields.items()} if info else {}
        for name, labels in (rule_labels or {}).items():
            self.field_labels.setdefault(name, {}).update(labels)
        self.rules = tuple(rules)
        self.now = now
        self.failures: dict[str, BaseException | None] = {}
        self.clears: set[str] = set()
        self.stamped: set[str] = set()
        self._open_errors = open_errors
        self._shown: set[str] | None = None

    @classmethod
    def for_plan(cls, salesforce: SalesforceAPI, plan: PlanMapping,
                 rules: Sequence[FieldRule] = (), now: Clock = _utc_now,
                 open_errors: Callable[[], set[str]] | None = None) -> StatusBoard:
        """The board of a plan mapping's Salesforce object, with its rules' labels."""
        labels = {f.salesforce: dict(f.labels) for f in plan.fields
                  if isinstance(f.salesforce, str) and f.labels}
        return cls(salesforce, plan.salesforce.object or "", rules=rules, rule_labels=labels,
                   now=now, open_errors=open_errors)

    def stamp(self, payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The payloads with a success status added (unchanged when the object has none)."""
        if not self.enabled:
            return payloads
        stamp = {STATUS: SYNCED, LAST_SYNC: self.now(), ERROR: None}
        self.stamped.update(str(p["Id"]) for p in payloads if p.get("Id"))
        return [{**p, **stamp} for p in payloads]

    def cleared(self, sf_ids: Iterable[str]) -> None:
        """Records that synced now: those showing an earlier error and not written in this
        run get their error cleared at the next `flush`."""
        wanted = [i for i in sf_ids if i not in self.stamped]
        if not self.enabled or not wanted or self._open_errors is None:
            return
        if self._shown is None:
            self._shown = self._open_errors()
        self.clears.update(i for i in wanted if i in self._shown)

    def failed(self, sf_id: str | None, error: BaseException | None) -> None:
        """Note a record that could not be synced (shown at the next `flush`)."""
        if self.enabled and sf_id and _SF_ID.match(sf_id):
            self.failures[sf_id] = error

    def flush(self) -> None:
        """Write the noted failures in one batched update; a failing status write is logged."""
        if self.salesforce is None or not (self.failures or self.clears):
            return
        failures, self.failures = self.failures, {}
        clears, self.clears = self.clears - set(failures), set()
        languages = self._languages(list(failures)) if failures else {}
        when = self.now()
        payloads = [
            {"Id": sf_id, STATUS: FAILED, LAST_SYNC: when,
             ERROR: self.text(error, languages.get(sf_id, DEFAULT_LANGUAGE))}
            for sf_id, error in failures.items()
        ]
        payloads += [{"Id": i, STATUS: SYNCED, LAST_SYNC: when, ERROR: None}
                     for i in sorted(clears)]
        self.stamped.update(clears)
        try:
            results = self.salesforce.update(self.obj, payloads)
        except SyncError as exc:
            log.warning("could not write the sync status of %d %s record(s): %s",
                        len(payloads), self.obj, exc)
            return
        for result in results:
            if not result.ok:
                log.warning("could not write a %s sync status: %s", self.obj, result.error)

    def _languages(self, ids: list[str]) -> dict[str, str]:
        if not self.has_owner or self.salesforce is None:
            return {}
        try:
            rows = self.salesforce.read_by_keys(self.obj, "Id", ids, ["Owner.LanguageLocaleKey"])
        except SyncError as exc:
            log.warning("could not read the owners' languages: %s", exc)
            return {}
        return {str(r["Id"]): str(r.get("Owner.LanguageLocaleKey") or DEFAULT_LANGUAGE)
                for r in rows}

    def text(self, error: BaseException | None, language: str) -> str:
        """The error in `language` (English when the catalog lacks the language)."""
        texts = TEXTS[error_kind(error)]
        template = texts.get(language) or texts.get(language.split("_")[0]) \
            or texts[DEFAULT_LANGUAGE]
        detail = getattr(error, "message", None) or str(error or "")
        return template.format(field=self._field_label(error, language), detail=detail)[
            :MAX_ERROR]

    def _field_label(self, error: BaseException | None, language: str) -> str:
        name = getattr(error, "field", None) or ""
        source = error.rule if isinstance(error, TransformError) else None
        for rule in self.rules:
            if rule.source == source or name in rule.intacct_fields \
                    or name in rule.salesforce_fields:
                name = rule.salesforce_fields[0] if rule.salesforce_fields else name
                break
        labels = self.field_labels.get(name, {})
        return labels.get(language) or labels.get(DEFAULT_LANGUAGE) or name or "?"
