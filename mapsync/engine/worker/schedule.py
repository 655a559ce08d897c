"""A schedule per pair, kept by the workers themselves: no cron job or systemd timer needed.

    pairs/worker.yaml
        schedule:
          acme: every 15 minutes
          globex: "0 */2 * * *"          # cron: minute hour day-of-month month weekday

Each scheduled pair is one procrastinate periodic task (its periodic id is the pair).
Every worker runs procrastinate's periodic deferrer, and the database lets one tick per
pair and scheduled time through, however many workers there are. A tick queues the pair's
sync job unless the pair already has one waiting or running, so a slow pair is never
queued twice: it simply runs again at the first tick after it finished.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from mapsync.engine.config_yaml import ConfigError, Document, decode

WORKER_CONFIG = "worker.yaml"
TICK = "mapsync.schedule_tick"
_EVERY = re.compile(r"^every\s+(?:(\d+)\s+)?(minute|hour|day)s?$")
_HINT = 'write "every 15 minutes", "every 2 hours", "every day" or cron "*/15 * * * *"'


def to_cron(text: str) -> str | None:
    """The cron line of a schedule ("every 15 minutes" or cron itself); None if invalid."""
    from croniter import croniter  # type: ignore[import-untyped]

    words = " ".join(text.split()).lower()
    every = _EVERY.match(words)
    if every is None:
        return words if croniter.is_valid(words) and len(words.split()) == 5 else None
    count, unit = int(every.group(1) or 1), every.group(2)
    if unit == "minute" and 1 <= count < 60 and 60 % count == 0:
        return "* * * * *" if count == 1 else f"*/{count} * * * *"
    if unit == "hour" and 1 <= count < 24 and 24 % count == 0:
        return "0 * * * *" if count == 1 else f"0 */{count} * * *"
    if unit == "day" and count == 1:
        return "0 0 * * *"
    return None


def load_schedules(pairs: Path, known: list[str]) -> dict[str, str]:
    """Each scheduled pair's cron line, from `pairs/worker.yaml` (none when it is absent).

    ConfigError (file, line, hint) for a schedule that does not parse, or a pair that has
    no folder under `pairs`."""
    path = pairs / WORKER_CONFIG
    if not path.is_file():
        return {}
    document = Document.parse(decode(path.read_bytes(), str(path)), str(path))
    data = document.data if isinstance(document.data, dict) else {}
    section = data.get("schedule") or {}
    if not isinstance(section, dict):
        raise ConfigError([document.issue(("schedule",), "expected pair: schedule lines",
                                          hints=(_HINT,))])
    schedules: dict[str, str] = {}
    problems = []
    for pair, text in section.items():
        cron = to_cron(text) if isinstance(text, str) else None
        if pair not in known:
            close = difflib.get_close_matches(str(pair), known, n=1)
            hint = f"did you mean {close[0]}?" if close else f"pairs here: {', '.join(known)}"
            problems.append(document.issue(("schedule", pair), f"no pair {pair!r} under "
                                           f"{pairs}", "config-pair", (hint,)))
        elif cron is None:
            problems.append(document.issue(("schedule", pair), f"cannot read the schedule "
                                           f"{text!r}", "config-schedule", (_HINT,)))
        else:
            schedules[pair] = cron
    if problems:
        raise ConfigError(problems)
    return schedules


def register(app: Any, schedules: dict[str, str]) -> None:
    """A periodic tick per scheduled pair on `app` (its TICK task must be declared)."""
    tick = app.tasks[TICK]
    for pair, cron in sorted(schedules.items()):
        app.periodic(cron=cron, periodic_id=pair, queueing_lock=f"tick:{pair}",
                     task_kwargs={"pair": pair})(tick)


async def queue_unless_busy(app: Any, task_name: str, pair: str) -> str:
    """Queue a sync job of `pair` unless one is waiting or running; what happened."""
    import procrastinate.exceptions

    busy = await app.connector.execute_query_one_async(
        "SELECT count(*) AS n FROM procrastinate_jobs WHERE task_name = %(task)s "
        "AND lock = %(pair)s AND status IN ('todo', 'doing')",
        task=task_name, pair=pair,
    )
    if busy["n"]:
        return "already queued or running"
    try:
        job_id = await app.tasks[task_name].configure(lock=pair, queueing_lock=pair) \
            .defer_async(pair=pair)
    except procrastinate.exceptions.AlreadyEnqueued:
        return "already queued or running"
    return f"queued as job {job_id}"
