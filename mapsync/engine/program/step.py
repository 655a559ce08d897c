"""The base of the step classes: one class per plan op, the tables derived from them.

Each op of `engine.language.steps` is one subclass of `StepOp` (in `text_ops`, `value_ops`
and `time_ops`) holding its name, its argument kinds, the op that undoes it and its
builders:

- `build(args, ctx)`: the careful step, a function value -> value that handles every value
  (null passes through except where the op says otherwise) and fails through `ctx.fail`;
- `inline(args, ctx)`: optionally the careful step for values of exactly one type, as a
  Python expression the mapping's generated function (`program.generate`) writes in line;
  it must give what `build` gives for such values, or raise (the careful step then decides);
- `inverse`: the op that undoes this one (a `<->` rule runs it for Salesforce -> Intacct),
  `build_inverse`/`inline_inverse` build it (an op may refuse, e.g. a map not one-to-one).

`OPS` maps each op name to its class; `ops()` and `invertible()` are derived from it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, NoReturn

from mapsync.engine.plan import PlanArgs
from mapsync.engine.program.failures import CompileError
from mapsync.engine.record import Side

Flow = Literal["to_salesforce", "to_intacct"]
Step = Callable[[Any], Any]
Args = PlanArgs
RefResolver = Callable[[str, Side], Mapping[str, str]]
"""`resolver(mapping, side)` -> links of `mapping`, from the other side's identifier to `side`'s.

`resolver("Customer", "salesforce")` returns a mapping Intacct key -> Salesforce Id of the
linked Customer records; `resolver("Customer", "intacct")` one from Salesforce Id -> Intacct
key. A key that is absent means "not linked yet". It is called once per field at compile
time; the mapping is read for every value (so it may be a live cache the runner fills).
"""

TARGET: dict[Flow, Side] = {"to_salesforce": "salesforce", "to_intacct": "intacct"}
SOURCE: dict[Flow, Side] = {"to_salesforce": "intacct", "to_intacct": "salesforce"}


@dataclass(frozen=True, slots=True)
class StepContext:
    """What a step builder may know about the field it is compiled for."""

    flow: Flow
    op: str
    fail: Callable[[str, Any], NoReturn]
    resolve_ref: RefResolver | None
    arity: int
    timezone: dt.tzinfo
    resolved: dict[str, Mapping[str, str]] = field(default_factory=dict)

    def links(self, mapping: str) -> Mapping[str, str]:
        """The links of `mapping` towards the flow's target, asked of the resolver once."""
        if self.resolve_ref is None:
            raise CompileError("a `ref` step needs a reference resolver")
        if mapping not in self.resolved:
            self.resolved[mapping] = self.resolve_ref(mapping, TARGET[self.flow])
        return self.resolved[mapping]


@dataclass(frozen=True, slots=True)
class Inline:
    """A step for values whose class is exactly `guard`, as an expression of generated code.

    `expr` is a fixed template of the op (never user data): `{v}` is the value, `{c}` the bound
    `constant`, `{step}` the careful step. `expr=None` means such values pass unchanged.
    """

    guard: type
    expr: str | None = None
    constant: Any = None


class StepOp:
    """One transform op. Subclasses set `name`, `arguments` and `inverse`, and `build`."""

    name: ClassVar[str]
    arguments: ClassVar[Mapping[str, str]] = {}
    """Argument name -> kind (`string`, `integer`, `scalar`, `table`, `else`, `mapping`)."""
    inverse: ClassVar[str | None] = None
    """The op that undoes this one, or None when it has no inverse."""
    makes_values: ClassVar[bool] = False
    """True when the step may turn null into a value (`default`, `split`)."""

    @classmethod
    def build(cls, args: Args, ctx: StepContext) -> Step:
        """The careful step."""
        raise NotImplementedError(cls.name)

    @classmethod
    def inline(cls, args: Args, ctx: StepContext) -> Inline | None:
        """The step for values of one exact type, written in line, or None."""
        return None

    @classmethod
    def undo(cls) -> type[StepOp]:
        """The class of the inverse op; raises CompileError when there is none."""
        if cls.inverse is None:
            raise CompileError(f"step '{cls.name}' has no inverse")
        return OPS[cls.inverse]

    @classmethod
    def build_inverse(cls, args: Args, ctx: StepContext) -> Step:
        """The careful step of the inverse."""
        return cls.undo().build(args, ctx)

    @classmethod
    def inline_inverse(cls, args: Args, ctx: StepContext) -> Inline | None:
        """The in-line form of the inverse, or None."""
        return cls.undo().inline(args, ctx)


OPS: dict[str, type[StepOp]] = {}
"""Every op the runtime can build, by name (filled by `register`)."""


def register(op: type[StepOp]) -> type[StepOp]:
    """Class decorator: add `op` to OPS."""
    if op.name in OPS:
        raise ValueError(f"step {op.name!r} registered twice")
    OPS[op.name] = op
    return op


def ops() -> frozenset[str]:
    """Names of every step the runtime can build."""
    _load()
    return frozenset(OPS)


def invertible() -> frozenset[str]:
    """Steps with an inverse (a `map` only when one-to-one and not `else "value"`)."""
    _load()
    return frozenset(name for name, op in OPS.items() if op.inverse is not None)


def op(name: str) -> type[StepOp] | None:
    """The class of op `name`, or None."""
    _load()
    return OPS.get(name)


def _load() -> None:
    from mapsync.engine.program import text_ops, time_ops, value_ops  # noqa: F401
