"""One retry policy for both connectors, with each service's rule of what to resend.

    policy = RetryPolicy(attempts=5).for_service("salesforce")
    policy.should_retry(error)          # the service's rule
    policy.run(attempt)                 # call, wait with full jitter, call again

Delays are exponential with full jitter: `uniform(0, min(max_delay, base_delay * 2**n))`.
The rules, by service:

- intacct: RateLimited (HTTP 429, GW-0010) and ServerFault (HTTP 5xx, connection errors),
  except StillProcessing (HTTP 524: the CDN gave up while Intacct may still be working,
  so a resend would only queue behind it; the next run replays with the same function
  controlids). Protocol errors are not resent: an Intacct write that came back unreadable
  may have been applied, and only the next run's `controlid` lookup can tell.
- salesforce: every transient error except SessionExpired (the client logs in again
  first), and protocol errors (an HTML page, a cut-off body), which a gateway or a dropped
  connection causes as often as a real protocol break; every call retried is idempotent
  (queries, upserts by external id, updates and deletes by Id).

Never retried anywhere: validation, duplicates, not-found, permission, authentication.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from mapsync.engine.errors import (
    ProtocolError,
    RateLimited,
    ServerFault,
    SessionExpired,
    StillProcessing,
    SyncError,
)
from mapsync.engine.record import Side

T = TypeVar("T")
Service = Side
Rule = Callable[[SyncError], bool]
log = logging.getLogger(__name__)


def intacct_rule(error: SyncError) -> bool:
    """Intacct: rate limits and server faults, not a 524 nor a protocol error."""
    if isinstance(error, StillProcessing):
        return False
    return isinstance(error, RateLimited | ServerFault)


def salesforce_rule(error: SyncError) -> bool:
    """Salesforce: transient errors but an expired session, and protocol errors."""
    if isinstance(error, SessionExpired):
        return False
    return error.transient or isinstance(error, ProtocolError)


RULES: dict[Service, Rule] = {"intacct": intacct_rule, "salesforce": salesforce_rule}


def _transient(error: SyncError) -> bool:
    return error.transient


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to wait, and (once given a service) what to resend."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)
    rule: Rule | None = field(default=None, compare=False)
    """What to resend; None until `for_service` gives the service's rule."""

    def for_service(self, service: Service) -> RetryPolicy:
        """This policy with `service`'s rule (kept when one was given explicitly)."""
        return self if self.rule is not None else dataclasses.replace(self, rule=RULES[service])

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (0-based): full jitter."""
        return self.rng.uniform(0.0, min(self.max_delay, self.base_delay * (2**retry)))

    def should_retry(self, error: SyncError) -> bool:
        """True when `error` is worth resending the same request for."""
        return (self.rule or _transient)(error)

    def run(
        self, attempt: Callable[[], T], on_retry: Callable[[SyncError], None] | None = None
    ) -> T:
        """Call `attempt` until it succeeds, raises a non-retryable error or tries run out."""
        for retry in range(max(1, self.attempts)):
            try:
                return attempt()
            except SyncError as error:
                if not self.should_retry(error) or retry + 1 >= self.attempts:
                    raise
                if on_retry is not None:
                    on_retry(error)
                self.sleep(self.delay(retry))
        raise AssertionError("unreachable: the loop returns or raises")


NO_RETRY = RetryPolicy(attempts=1)


def with_retries(
    call: Callable[[], T],
    policy: RetryPolicy,
    translate: Callable[[BaseException], SyncError],
) -> T:
    """Run `call`, translating foreign errors; resend on a retryable one, up to the attempts."""
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
