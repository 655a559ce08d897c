"""Waiting on the sandboxes' calls without polling: a listener on both servers' call counters
and a thread waiting for the child process wake the test, which never sleeps."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable

from mapsync.engine.sandbox.launcher import Sandboxes

LIMIT_SECONDS = 300.0  # a child that neither calls nor ends for this long has hung


def wait_then_kill(
    boxes: Sandboxes, process: subprocess.Popen[bytes], ready: Callable[[int], bool]
) -> bool:
    """Block until `ready(calls answered since now)` holds after some call, or `process`
    ends; SIGKILL it in the first case. True when it was killed still running."""
    stats = (boxes.intacct.stats, boxes.salesforce.stats)
    start = sum(s.total() for s in stats)
    wake = threading.Event()

    def on_call() -> None:
        if not wake.is_set() and ready(sum(s.total() for s in stats) - start):
            wake.set()

    def on_exit() -> None:
        process.wait()
        wake.set()

    for s in stats:
        s.listen(on_call)
    threading.Thread(target=on_exit, daemon=True).start()
    try:
        assert wake.wait(LIMIT_SECONDS), "the child neither called the sandboxes nor ended"
        if process.poll() is not None:
            return False
        process.kill()
        process.wait()
        return True
    finally:
        for s in stats:
            s.unlisten(on_call)
        if process.poll() is None:
            process.kill()
            process.wait()
