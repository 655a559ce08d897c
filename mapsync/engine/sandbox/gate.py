"""Holding a sandbox request mid-flight, so a test can act while a client waits on it.

    gate = Gate()
    sf_box.app.gates["collections.update"] = gate
    ...                               # the client's request arrives and waits
    gate.arrived.wait(10)             # it is held now: e.g. kill the client process
    gate.open(apply=False)            # the held request is dropped, as if it never came

A held request waits on an event, not on the clock; `open()` (or the sandbox stopping) ends
the wait. With `apply=False` the request is answered 503 without being carried out.
"""

from __future__ import annotations

import threading


class Gate:
    """Holds requests of one operation until opened."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self._opened = threading.Event()
        self._apply = True

    def hold(self) -> bool:
        """Called by the sandbox for a request: wait until opened; True to carry it out."""
        self.arrived.set()
        self._opened.wait()
        return self._apply

    def open(self, *, apply: bool = True) -> None:
        """Let held (and later) requests through, or drop them with `apply=False`."""
        self._apply = apply
        self._opened.set()
