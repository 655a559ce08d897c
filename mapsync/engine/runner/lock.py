"""The state lock: one writer of a state store's records at a time, across processes.

    lock = StateLock(config.state.path)
    with lock.hold():                 # blocks until free
        ...
    with lock.hold(timeout=30):       # LockBusy after 30 s

`sync` holds it for each mapping it runs and `listen` for each notification it processes,
so the two never write the same record at the same time while neither waits for the other
longer than one mapping. It is an advisory `flock` on `<state file>.lock`, released by the
kernel when the holder dies, so a killed process never leaves it held.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from mapsync.engine.errors import MapsyncError

POLL = 0.05


class LockBusy(MapsyncError):
    """Another process held the state lock for longer than the timeout: try again later."""


class StateLock:
    """An exclusive lock beside a state file."""

    def __init__(self, state_path: Path, *, now: Callable[[], float] = time.monotonic,
                 pause: Callable[[float], object] | None = None) -> None:
        self.path = Path(f"{state_path}.lock")
        self._now = now
        self._pause = pause or threading.Event().wait

    @contextmanager
    def hold(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the lock for the block; with `timeout`, raise LockBusy instead of waiting longer."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            self._acquire(fd, timeout)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _acquire(self, fd: int, timeout: float | None) -> None:
        if timeout is None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            return
        deadline = self._now() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if self._now() >= deadline:
                    raise LockBusy(f"the state lock {self.path} is held by another run") from None
                self._pause(POLL)
