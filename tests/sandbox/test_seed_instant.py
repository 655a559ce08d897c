"""A seeded company carries one modification time on both sides, however long seeding took,
so `conflict newest` settles the first links of two directories seeded alike the same way."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from mapsync.engine.sandbox.launcher import Sandboxes
from mapsync.engine.sandbox.salesforce.values import parse_datetime


def test_every_seeded_record_has_the_same_modification_time(tmp_path: Path) -> None:
    with Sandboxes(tmp_path / "seeded", records=30) as boxes:
        intacct = {r["WHENMODIFIED"] for obj in ("CUSTOMER", "CONTACT", "ITEM")
                   for r in boxes.intacct.store.list(obj)}
        salesforce = {r["SystemModstamp"] for obj in ("Account", "Contact", "Product2")
                      for r in boxes.salesforce.store.list(obj)}
        assert len(intacct) == 1 and len(salesforce) == 1
        (i_stamp,), (s_stamp,) = intacct, salesforce
        assert datetime.strptime(i_stamp, "%m/%d/%Y %H:%M:%S") == parse_datetime(s_stamp).replace(
            tzinfo=None
        )
        after = boxes.salesforce.store.insert("Account", {"Name": "Edited later"})
        assert boxes.salesforce.store.get("Account", after)["SystemModstamp"] >= s_stamp
