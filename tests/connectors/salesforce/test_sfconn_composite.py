"""Change questions as composite subrequests: packing under the caps, and reading answers."""

from __future__ import annotations

import datetime as dt

from mapsync.engine.connectors.probes import Answer, RowsQuestion, UpdatedQuestion
from mapsync.engine.connectors.salesforce import composite
from mapsync.engine.watermark import Watermark

START = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)
END = START + dt.timedelta(minutes=7)


def test_calls_hold_25_subrequests_and_5_queries_at_most() -> None:
    questions = [UpdatedQuestion(f"Obj{n}__c", START, END, deleted=n < 3) for n in range(30)]
    questions += [RowsQuestion("Account", Watermark(START, "001", exclusive=True))] * 7
    subs = composite.subrequests("59.0", questions, lambda _obj: "SystemModstamp")
    calls = composite.packed(subs)
    assert len(subs) == 30 + 3 + 7
    assert [len(c) for c in calls] == [25, 15]
    assert [sum(s.query for s in c) for c in calls] == [5, 2]
    assert sorted(s.url for c in calls for s in c) == sorted(s.url for s in subs)


def test_a_rows_question_is_an_exact_limit_1_query() -> None:
    question = RowsQuestion("Product2", Watermark(START, "01t", exclusive=True), deleted=True)
    text = composite.rows_soql(question, "SystemModstamp")
    assert text == ("SELECT Id FROM Product2 WHERE SystemModstamp > 2026-01-05T10:00:00Z "
                    "LIMIT 1")
    (sub,) = composite.subrequests("59.0", [question], lambda _obj: "SystemModstamp")
    assert sub.url.startswith("/services/data/v59.0/queryAll/?q=SELECT+Id+FROM+Product2")


def test_answers_need_every_subrequest_quiet_and_a_failure_is_unknown() -> None:
    questions = [UpdatedQuestion("A__c", START, END, deleted=True),
                 UpdatedQuestion("B__c", START, END, deleted=True),
                 UpdatedQuestion("C__c", START, END)]
    subs = composite.subrequests("59.0", questions, lambda _obj: "SystemModstamp")
    covered = "2026-01-05T10:07:00.000+0000"
    bodies = {
        "updated": {"ids": [], "latestDateCovered": covered},
        "deleted": {"deletedRecords": [], "latestDateCovered": "2026-01-05T10:06:00.000+0000",
                    "earliestDateAvailable": covered},
    }
    done = []
    for sub in subs:
        body = bodies[sub.kind]
        if sub.question == 1 and sub.kind == "deleted":
            body = {"deletedRecords": [{"id": "a01", "deletedDate": covered}],
                    "latestDateCovered": covered}
        status = 500 if sub.question == 2 else 200
        done.append((sub, status, body))
    quiet, deleted, failed = composite.answers(len(questions), done)
    assert quiet == Answer(False, dt.datetime(2026, 1, 5, 10, 6, tzinfo=dt.UTC))
    assert deleted.changed is True
    assert failed.changed is None
