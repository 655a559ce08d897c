"""Exponential backoff with full jitter for transient gateway faults.

Retried: RateLimited (HTTP 429, GW-0010) and ServerFault (HTTP 5xx, connection errors)
except StillProcessing (HTTP 524: the CDN gave up while Intacct may still be working, so an
immediate resend would only queue behind it; the next run replays with the same function
controlids instead). Never retried: validation, duplicates, not-found, permission,
authentication and protocol errors. Resending is safe for writes because the body is resent
byte for byte: the same function controlids with `uniqueid` on.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from mapsync.engine.errors import RateLimited, ServerFault, SyncError

from .errors import StillProcessing

T = TypeVar("T")


def retryable(error: SyncError) -> bool:
    """True for faults worth resending the same request for."""
    if isinstance(error, StillProcessing):
        return False
    return isinstance(error, RateLimited | ServerFault)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to wait: `attempts` tries in all, delays capped at `max_delay`."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (0-based): full jitter."""
        cap = min(self.max_delay, self.base_delay * (2**retry))
        return self.rng.uniform(0.0, cap)

    def run(
        self, attempt: Callable[[], T], on_retry: Callable[[SyncError], None] | None = None
    ) -> T:
        """Call `attempt` until it succeeds, raises a non-retryable error or tries run out."""
        for retry in range(max(1, self.attempts)):
            try:
                return attempt()
            except SyncError as error:
                if not retryable(error) or retry + 1 >= self.attempts:
                    raise
                if on_retry is not None:
                    on_retry(error)
                self.sleep(self.delay(retry))
        raise AssertionError("unreachable: the loop returns or raises")
