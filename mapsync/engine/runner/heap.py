"""The heap a run starts with, kept out of the cyclic garbage collector's full passes.

    with frozen_heap():
        ...  # the run

A run starts on a large heap of objects that live as long as it does: catalogs, the plan, the
compiled programs, the clients, the modules. CPython's full collection walks every tracked
object, and a run that allocates records triggers one every few hundred thousand containers:
at 10,000 accounts (`bench/sync.py`) full collections took 4.9 s of the runner's 13.5 s of
CPU time. `gc.freeze()` moves the objects alive when a run starts to the permanent
generation, which collections skip; `gc.unfreeze()` gives them back when the last run in the
process ends. What the run allocates is collected as before; only cycles that were already
garbage when the run started wait until its end to be freed.

Runs may overlap in threads (a worker, tests): the heap is frozen by the first to start and
given back by the last to end.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_runs = 0


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Keep the objects alive now out of full collections until the block ends."""
    global _runs
    with _lock:
        if _runs == 0:
            gc.freeze()
        _runs += 1
    try:
        yield
    finally:
        with _lock:
            _runs -= 1
            if _runs == 0:
                gc.unfreeze()
