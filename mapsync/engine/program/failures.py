"""What evaluating a program can raise: a reference not linked yet, or a failed rule.

    CompileError     the plan cannot be built into callables (the compiler should have
                     refused it): recompile the rules with this mapsync
    RefPending       a `ref` found a record whose partner is not linked yet; the record
                     waits for its parent (it is also the value a `ref` step returns, so
                     the fast paths need no exception handling per value)
    TransformError   a rule could not produce a value; names the step, the rule's position,
                     the field rule and the value
"""

from __future__ import annotations

from typing import Any

from mapsync.engine.errors import MapsyncError, SyncError, TransientError
from mapsync.engine.record import Side


class CompileError(MapsyncError, ValueError):
    """A plan field cannot be built into a pipeline (unknown step, no inverse, bad time zone).

    The compiler should have refused the rule: recompile the rules with this mapsync.
    """


class RefPending(TransientError):
    """A `ref` points to a record not linked yet: the record waits for its parent.

    `mapping` is the referenced mapping, `value` the identifier that has no partner on
    `side`. `more` holds further pending references of the same record. Two RefPending
    values are equal when they name the same reference.
    """

    def __init__(
        self,
        mapping: str,
        value: Any,
        side: Side | None = None,
        more: tuple[RefPending, ...] = (),
    ) -> None:
        super().__init__(
            f"waiting for {mapping} record {value!r} to be linked first",
            system="mapsync",
            operation="ref",
        )
        self.mapping = mapping
        self.value = value
        self.side = side
        self.more = more

    @property
    def pending(self) -> tuple[RefPending, ...]:
        """Every pending reference of the record, this one first."""
        return (self, *self.more)

    @classmethod
    def of(cls, pending: list[RefPending]) -> RefPending:
        """One RefPending naming all of `pending` (at least one)."""
        first = pending[0]
        return cls(first.mapping, first.value, first.side, tuple(pending[1:]))

    def __str__(self) -> str:
        return self.message

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RefPending):
            return NotImplemented
        return (self.mapping, self.value, self.side) == (other.mapping, other.value, other.side)

    def __hash__(self) -> int:
        return hash((self.mapping, self.value, self.side))

    def __repr__(self) -> str:
        return f"RefPending({self.mapping!r}, {self.value!r}, {self.side!r})"


class TransformError(SyncError):
    """A rule could not produce a value: fix the data or the rule, then `mapsync replay`.

    `.step` is the step name (None when the fault was outside a step, e.g. a condition),
    `.rule` the rule's `path:line:col`, `.field` the field rule (`STATUS -> Status__c`) and
    `.value` the value the step received.
    """

    def __init__(
        self, message: str, *, step: str | None, rule: str, field: str, value: Any
    ) -> None:
        if step is None:
            text = f"{rule}: rule {field}: {message}"
        else:
            text = f"step '{step}' failed at {rule} ({field}): {message}: {value!r}"
        super().__init__(text, system="mapsync", operation="transform", code="TRANSFORM")
        self.step = step
        self.rule = rule
        self.field = field
        self.value = value

    @property
    def source(self) -> str:
        """The position of the failing rule (`path:line:col`)."""
        return self.rule

    @classmethod
    def wrap(cls, cause: Exception, *, rule: str, field: str) -> TransformError:
        """A fault raised outside the steps (a condition, a value's type) as a rule failure."""
        return cls(str(cause), step=None, rule=rule, field=field, value=None)
