"""The stored form of shadows: a single-field rule's value itself, a list for several fields.

Shadows stored before form 2 held every rule's value in a list and no form marker; they are
converted when read, and decide exactly as the new form does. The runner's Decider takes a
pair read on one side to the mapping's update function, and decides rule by rule when that
function declines (a rule added since the last sync).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from mapsync.engine.program.decision import FORM
from mapsync.engine.runner.decide import Shadow, decide, decide_update
from mapsync.engine.runner.decider import Decider
from mapsync.engine.runner.pairing import Pair
from tests.runner.shipped_mappings import mapping, paths

STREET = "DISPLAYCONTACT.MAILADDRESS.ADDRESS1,DISPLAYCONTACT.MAILADDRESS.ADDRESS2|BillingStreet"
CITY = "DISPLAYCONTACT.MAILADDRESS.CITY|BillingCity"


def test_a_shadow_is_stored_with_its_form_and_read_back_the_same() -> None:
    shadow = Shadow({CITY: "Lyon", STREET: ["1 Main St", None], "TAGS|Tags__c": ["a"]},
                    {CITY: "Lyon", STREET: "1 Main St", "TAGS|Tags__c": ["a"]})
    stored = json.loads(json.dumps(shadow.to_json()))
    assert stored["v"] == FORM
    assert Shadow.from_json(stored) == shadow  # a list value of one field stays a list


def test_a_shadow_of_the_old_form_is_converted_when_read() -> None:
    old = {"i": {CITY: ["Lyon"], STREET: ["1 Main St", None], "TAGS|Tags__c": [["a"]],
                 "NONE|X": [None], "CONST|Y": []},
           "s": {CITY: ["Lyon"], STREET: ["1 Main St"]}}
    assert Shadow.from_json(old) == Shadow(
        {CITY: "Lyon", STREET: ["1 Main St", None], "TAGS|Tags__c": ["a"], "NONE|X": None,
         "CONST|Y": []},
        {CITY: "Lyon", STREET: "1 Main St"})
    assert Shadow.from_json(None) == Shadow() == Shadow.from_json({})


def linked() -> tuple[dict[str, Any], dict[str, Any], Shadow]:
    m = mapping("Customer")
    intacct = {**dict.fromkeys(paths(m, "intacct")), "NAME": "Globex", "CUSTOMERID": "C-1",
               "DISPLAYCONTACT.MAILADDRESS.ADDRESS1": "1 Main St",
               "DISPLAYCONTACT.MAILADDRESS.CITY": "Lyon"}
    salesforce = {**dict.fromkeys(paths(m, "salesforce")), "Name": "Globex"}
    first = decide(m.rules, intacct, salesforce, Shadow(), programs=m.programs)
    return ({**intacct, **first.intacct_patch}, {**salesforce, **first.salesforce_patch},
            first.shadow)


def test_old_and_new_forms_decide_alike_and_multi_field_rules_keep_lists() -> None:
    m = mapping("Customer")
    intacct, salesforce, shadow = linked()
    assert shadow.intacct[STREET] == ["1 Main St", None]
    assert shadow.salesforce[STREET] == "1 Main St"
    assert shadow.intacct[CITY] == shadow.salesforce[CITY] == "Lyon"
    listed = {side: {k: v if isinstance(v, list) and len(v) != 1 else [v]
                     for k, v in values.items()}
              for side, values in (("i", shadow.intacct), ("s", shadow.salesforce))}
    old = Shadow.from_json(listed)
    assert old == shadow
    edits = {"intacct": {**intacct, "DISPLAYCONTACT.MAILADDRESS.ADDRESS2": "Suite 4"},
             "salesforce": {**salesforce, "BillingStreet": "2 Side St\nFloor 3"}}
    for side, record in edits.items():
        made = decide_update(m, side, record, old)  # type: ignore[arg-type]
        pair = (record, None) if side == "intacct" else (None, record)
        assert made == decide(m.rules, *pair, shadow, programs=m.programs)
        assert [c[0] for c in made.changes] == [STREET]


def test_a_rule_the_shadow_lacks_has_moved_as_every_rule_sees_it() -> None:
    m = mapping("Customer")
    intacct, _, shadow = linked()
    del shadow.intacct[CITY]
    del shadow.salesforce[CITY]
    edited = {**intacct, "NAME": "Globex SA"}
    decision = Decider(m, dt.UTC).pair(Pair("C-1", edited, None, "001", "1", shadow))
    every_rule = decide(m.rules, edited, None, shadow, programs=m.programs, watches=None)
    assert decision == every_rule == m.watches["intacct"].update(edited, shadow)
    assert decision.salesforce_patch == {"Name": "Globex SA", "BillingCity": "Lyon"}
    assert decision.shadow.salesforce[CITY] == "Lyon"
