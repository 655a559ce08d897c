"""Fault injection and call counting shared by both sandboxes.

A fault spec is a comma list of `kind:probability`, e.g. `429:0.05,500:0.02,expire:0.01,slow:0.1`.
Kinds: `429` (rate limit), `500`, `502`, `503`, `524` (server faults), `expire` (the session
ends before this call), `html` (an HTML error page instead of the protocol body),
`truncate` (the body is cut short), `slow` (the answer is delayed by `slow_seconds`).
Draws come from a seeded RNG so a run with the same seed and call order repeats.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

FAULT_KINDS = ("429", "500", "502", "503", "524", "expire", "html", "truncate", "slow")


class FaultSpecError(ValueError):
    """The --faults text is malformed: use `kind:probability[,kind:probability...]`."""


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """Which faults to inject and how often; `draw()` picks at most one per call."""

    rates: tuple[tuple[str, float], ...] = ()
    seed: int = 0
    slow_seconds: float = 0.2
    # Operations never faulted (login must work or nothing can be tested).
    exempt: frozenset[str] = frozenset()
    _rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    @classmethod
    def parse(cls, spec: str | None, *, seed: int = 0, slow_seconds: float = 0.2) -> FaultPlan:
        """Parse `429:0.05,500:0.02`; empty or None means no faults."""
        rates: list[tuple[str, float]] = []
        for part in (spec or "").split(","):
            part = part.strip()
            if not part:
                continue
            kind, sep, value = part.partition(":")
            if not sep or kind not in FAULT_KINDS:
                raise FaultSpecError(
                    f"bad fault {part!r}: expected kind:probability with kind one of "
                    + ", ".join(FAULT_KINDS)
                )
            try:
                rate = float(value)
            except ValueError:
                raise FaultSpecError(f"bad probability in {part!r}") from None
            if not 0.0 <= rate <= 1.0:
                raise FaultSpecError(f"probability out of [0, 1] in {part!r}")
            rates.append((kind, rate))
        return cls(rates=tuple(rates), seed=seed, slow_seconds=slow_seconds)

    @property
    def active(self) -> bool:
        """True when any fault has a non-zero rate."""
        return any(rate > 0 for _, rate in self.rates)

    def draw(self, operation: str = "") -> str | None:
        """The fault to inject for this call, or None."""
        if not self.active or operation in self.exempt:
            return None
        with self._lock:
            roll = self._rng.random()
        threshold = 0.0
        for kind, rate in self.rates:
            threshold += rate
            if roll < threshold:
                return kind
        return None


@dataclass(slots=True)
class CallStats:
    """Thread-safe counters of calls per operation and faults injected per kind."""

    calls: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    records: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _listeners: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def count(self, operation: str, records: int = 0) -> None:
        """Count one call of `operation` touching `records` records, then tell listeners."""
        with self._lock:
            self.calls[operation] += 1
            if records:
                self.records[operation] += records
            listeners = list(self._listeners)
        for listener in listeners:
            listener()

    def listen(self, listener: Callable[[], None]) -> None:
        """Call `listener()` after every counted call (tests wait on calls without polling)."""
        with self._lock:
            self._listeners.append(listener)

    def unlisten(self, listener: Callable[[], None]) -> None:
        """Stop calling `listener`."""
        with self._lock:
            self._listeners.remove(listener)

    def total(self) -> int:
        """Calls counted so far."""
        with self._lock:
            return sum(self.calls.values())

    def fault(self, kind: str) -> None:
        """Count one injected fault."""
        with self._lock:
            self.faults[kind] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        """A JSON-ready copy: {"calls": {...}, "faults": {...}, "records": {...}, "total": n}."""
        with self._lock:
            return {
                "calls": dict(sorted(self.calls.items())),
                "faults": dict(sorted(self.faults.items())),
                "records": dict(sorted(self.records.items())),
                "total": {"calls": sum(self.calls.values())},
            }

    def reset(self) -> None:
        """Forget every count."""
        with self._lock:
            self.calls.clear()
            self.faults.clear()
            self.records.clear()
