"""Retries with exponential backoff and full jitter for transient Salesforce faults.

Safe because every call we retry is idempotent: queries, upserts by external id, updates
and deletes by Id. Protocol errors (an HTML page, a cut-off body) are retried too, since a
gateway or a dropped connection causes them as often as a real protocol break; if they
persist the last error is raised.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from mapsync.engine.errors import ProtocolError, SessionExpired, SyncError

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to wait: delay = uniform(0, min(cap, base * 2**attempt))."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    retry_protocol_errors: bool = True
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (0-based)."""
        return self.rng.uniform(0.0, min(self.max_delay, self.base_delay * (2**attempt)))

    def should_retry(self, error: SyncError) -> bool:
        """True for transient errors (and protocol errors when enabled).

        An expired session is not retried here: the client logs in again first.
        """
        if isinstance(error, SessionExpired):
            return False
        return error.transient or (self.retry_protocol_errors and isinstance(error, ProtocolError))


NO_RETRY = RetryPolicy(attempts=1)


def with_retries(
    call: Callable[[], T],
    policy: RetryPolicy,
    translate: Callable[[BaseException], SyncError],
) -> T:
    """Run `call`; on a retryable error wait and run it again, up to `policy.attempts` times."""
    attempt = 0
    while True:
        try:
            return call()
        except Exception as exc:
            error = translate(exc)
            attempt += 1
            if attempt >= policy.attempts or not policy.should_retry(error):
                if error is exc:
                    raise
                raise error from exc
            wait = policy.delay(attempt - 1)
            log.info("retrying %s after %s (%.2fs)", error.operation, error.code, wait)
            policy.sleep(wait)
