"""Shadows stored by an earlier version (every rule's value a list) still decide a sync.

A pair is synced, then its stored shadows are rewritten as versions before form 2 wrote
them: each single-field rule's canonical value in a one-element list, no form marker. The
next runs read them from the state store (SQLite, and PostgreSQL when the tests have one)
and decide exactly as with the new form: a quiet run writes nothing, an edit on one side
sends that field only, and the run after it sends nothing back (the echo is suppressed).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from mapsync.engine.commands._context import RunContext
from mapsync.engine.commands.demo import write_config
from mapsync.engine.package.model import BOOKKEEPING_FIELDS
from mapsync.engine.program.decision import FORM
from mapsync.engine.runner.report import MappingReport
from mapsync.engine.sandbox.launcher import Sandboxes
from tests.runner.shipped_mappings import mapping
from tests.runner.state_backends import BACKENDS, Backend

pytestmark = pytest.mark.e2e

MAPPINGS = ("ARTerm", "Customer")
# What a write changes besides the values sent: the org's stamps, the runner's bookkeeping.
STAMPS = {"LastModifiedDate", "SystemModstamp", "LastModifiedById", "WHENMODIFIED", "MODIFIEDBY",
          *BOOKKEEPING_FIELDS}


def old_form(shadow: dict[str, Any], name: str) -> dict[str, Any]:
    """`shadow` (form 2) as versions before it stored it."""
    fields = {side: {r.id: len(r.intacct_fields if side == "i" else r.salesforce_fields)
                     for r in mapping(name).rules} for side in ("i", "s")}
    return {side: {rule: [value] if fields[side][rule] == 1 else value
                   for rule, value in shadow[side].items()} for side in ("i", "s")}


class Pair:
    """Both sandboxes, sharing one clock with the runner, and a config whose state is on
    the backend under test."""

    def __init__(self, boxes: Sandboxes, config: Path) -> None:
        self.boxes, self.config = boxes, config
        self.time = boxes.salesforce.store.time
        # One clock for the runner and both services (the Intacct company stamps naive UTC).
        boxes.intacct.store.clock = lambda: self.time.now().replace(tzinfo=None)

    def sync(self) -> MappingReport:
        """Run both mappings; the Customer mapping's report."""
        with RunContext.open(self.config) as ctx:
            report = ctx.run(ctx.options(), only=list(MAPPINGS), clock=self.time.now)
        assert report.fatal is None and report.failed == 0
        [customers] = [m for m in report.mappings if m.name == "Customer"]
        return customers

    def settle(self) -> None:
        """Runs until one reads nothing: the runner's writes read back, the overlap window
        passed (as tests/e2e/test_quiet_run.py)."""
        assert self.sync().changes == 0
        self.time.advance(75)
        assert self.sync().changes == 0
        assert self.sync().read == {"intacct": 0, "salesforce": 0}

    def rewrite_shadows(self) -> None:
        """Store every shadow of both mappings in the old form (those of the new form)."""
        with RunContext.open(self.config) as ctx:
            for name in MAPPINGS:
                keys = [link.intacct_key for link in ctx.state.all_links(name)]
                shadows = ctx.state.shadows(name, keys)
                assert shadows
                ctx.state.save_shadows(name, {k: old_form(s, name) for k, s in shadows.items()
                                              if s.get("v") == FORM})

    def stored(self, name: str) -> list[dict[str, Any]]:
        with RunContext.open(self.config) as ctx:
            keys = [link.intacct_key for link in ctx.state.all_links(name)]
            return list(ctx.state.shadows(name, keys).values())


@pytest.fixture(params=BACKENDS)
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pair]:
    backend = Backend(request.param, tmp_path)
    directory = tmp_path / "pair"
    try:
        with Sandboxes(directory, seed_profile="none", records=1) as boxes:
            config = write_config(directory, boxes.connection_info(), None)
            if backend.url is not None:
                data = yaml.safe_load(config.read_text("utf-8"))
                data["state"] = {"url": backend.url, "pair": backend.namespace}
                config.write_text(yaml.safe_dump(data), encoding="utf-8")
            yield Pair(boxes, config)
    finally:
        if backend.url is not None:
            backend.drop()


def changed(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    """The fields of a record a write changed, the stamps and bookkeeping aside."""
    return {k for k in after if after[k] != before.get(k)} - STAMPS


def test_shadows_of_the_old_form_decide_as_before(pair: Pair) -> None:
    intacct, salesforce = pair.boxes.intacct.store, pair.boxes.salesforce.store
    intacct.insert("ARTERM", {"NAME": "Net 30", "STATUS": "active"})
    account = salesforce.insert("Account", {"Name": "Globex", "BillingCity": "Lyon",
                                            "BillingStreet": "1 Main St\nSuite 4"})
    assert pair.sync().changes == 1
    pair.settle()
    [customer] = intacct.list("CUSTOMER")
    recordno = int(customer["RECORDNO"])
    edits = [("intacct", "DISPLAYCONTACT.MAILADDRESS.CITY", "Paris", "BillingCity", "Lyon"),
             ("salesforce", "Phone", "+33 1 23 45 67 89", "DISPLAYCONTACT.PHONE1", None)]
    for side, field, value, target, old in edits:
        pair.rewrite_shadows()
        [stored] = pair.stored("Customer")
        assert "v" not in stored and stored["i"][f"{field}|{target}" if side == "intacct"
                                                 else f"{target}|{field}"] == [old]
        if side == "intacct":
            before = salesforce.get("Account", account)
            intacct.update("CUSTOMER", recordno, {field: value})
        else:
            before = intacct.get("CUSTOMER", recordno)
            salesforce.update("Account", account, {field: value})
        report = pair.sync()
        # Read on one side only: the mapping's update function decides, from old shadows.
        assert report.read == {"intacct": int(side == "intacct"),
                               "salesforce": int(side == "salesforce")}
        assert report.changes == 1
        rule = f"{field}|{target}" if side == "intacct" else f"{target}|{field}"
        assert [(c["rule"], c["before"], c["after"]) for c in report.samples] == [
            (rule, old, value)]
        after = (salesforce.get("Account", account) if side == "intacct"
                 else intacct.get("CUSTOMER", recordno))
        assert changed(before, after) == {target}
        assert after[target] == value
        [shadow] = pair.stored("Customer")
        assert shadow["v"] == FORM  # stored again, in the new form
        pair.settle()  # the echo of that write is not sent back
