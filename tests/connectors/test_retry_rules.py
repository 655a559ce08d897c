"""One retry policy, one rule per service: what each resends, and why they differ."""

from __future__ import annotations

import pytest

from mapsync.engine.connectors.retry import RULES, RetryPolicy
from mapsync.engine.errors import (
    NotFound,
    ProtocolError,
    RateLimited,
    ServerFault,
    SessionExpired,
    StillProcessing,
    SyncError,
    ValidationFailed,
)

CASES = [
    (RateLimited("429"), True, True),
    (ServerFault("503"), True, True),
    (StillProcessing("524"), False, True),  # Intacct may still be working on it
    (SessionExpired("gone"), False, False),  # both clients log in again first
    (ProtocolError("<html>"), False, True),  # an unreadable Intacct write may be applied
    (ValidationFailed("bad"), False, False),
    (NotFound("none"), False, False),
]


@pytest.mark.parametrize(("error", "intacct", "salesforce"), CASES)
def test_each_service_resends_what_its_rule_says(
    error: SyncError, intacct: bool, salesforce: bool
) -> None:
    assert RetryPolicy().for_service("intacct").should_retry(error) is intacct
    assert RetryPolicy().for_service("salesforce").should_retry(error) is salesforce
    assert set(RULES) == {"intacct", "salesforce"}


def test_an_intacct_protocol_error_is_not_resent() -> None:
    policy = RetryPolicy(attempts=2, sleep=lambda _s: None).for_service("intacct")
    calls: list[int] = []

    def attempt() -> str:
        calls.append(1)
        raise ProtocolError("<html>")

    with pytest.raises(ProtocolError):
        policy.run(attempt)
    assert calls == [1]  # not resent to Intacct
