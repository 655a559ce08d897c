"""One Python function per mapping and flow, written from the mapping's compiled fields.

    function = generate(fields, "to_salesforce", name="Customer")
    payload = function(record, None, None, None)    # a create: raises TransformError/RefPending
    errors: dict[str, Exception] = {}
    payload = function(record, None, errors, rules)  # an update of `rules` (positions): failures
                                                     # kept by rule, references as values

The function is the one evaluation path of a mapping: creates, updates and the attribution
of a failure to its rule all run it. Each field is compiled once (`compile_field`); this
module writes that field's built steps one after the other, a block per field in rule order:
a step with an in-line form (`Inline`, from its step class) is written as an expression for
values of its exact guard class, anything else goes through the step's careful callable.
When a block raises, `Failures.fail` runs the same field's careful steps on the same record:
they name the rule (`path:line:col`), the step and the value, or give the value when the
in-line expression only missed (a map lookup raising KeyError defers to the map's `else`).

Why generated source rather than closures: the whole-record program built from closures (the
fields grouped into flat tuples, one loop iteration and one or two calls per field) measured
1.47x (to Salesforce) and 1.68x (to Intacct) the time of hand-written code on
bench/customer_transforms.py; straight-line generated source, with no call for a field that
is copied or converted in line, measured close to 1.0x in the same run. Python 3.11 makes a
`try` block free when nothing raises, so every field keeps its own handler at no cost.

Safety: the source comes only from the fixed templates of this module and of the step classes;
every value taken from the plan (paths, tables, constants, steps, conditions) is bound in the
function's namespace under a generated name (`k3`, `c3_1`), never written into the source.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import linecache
from collections.abc import Callable, Collection, Mapping, Sequence
from decimal import ROUND_HALF_UP
from typing import Any

from mapsync.engine.program.failures import RefPending, TransformError
from mapsync.engine.program.fields import BuiltStep, FieldTransform
from mapsync.engine.program.step import SOURCE, Flow
from mapsync.engine.record import Record

Function = Callable[
    [Record, Record | None, dict[str, Exception] | None, Collection[str] | None], dict[str, Any]
]
"""`function(record, other, errors, only)`: the payload for the flow's target.

`other` is the target's current record (for `when` clauses on the target side); with
`errors=None` (a create) the function raises TransformError at the first failing rule, or
RefPending naming every reference not linked yet, and leaves out fields whose `when` is false.
With a dict (an update: the Decider picks the rules to push) it runs every field, ignores
`when`, stores each failure under the rule's `path:line:col` and leaves RefPending values in
the payload. `only`, when given, names the rules (`path:line:col`) an update asks for: the
steps of the others do not run (their targets hold the value read, or None).
"""

_EMPTY: dict[str, Any] = {}  # never written


class Failures:
    """Turns a field block that raised into the rule's failure, or the careful value."""

    def __init__(self, fields: Sequence[FieldTransform]) -> None:
        self.fields = tuple(fields)

    def fail(
        self, index: int, record: Record, exc: Exception, errors: dict[str, Exception] | None
    ) -> Any:
        """The field's value from its careful steps, or its failure raised (or kept)."""
        field = self.fields[index]
        failure: Exception
        if isinstance(exc, TransformError | RefPending):
            failure = exc
        else:
            try:
                return field.read(record)
            except (TransformError, RefPending) as careful:
                failure = careful
            except Exception as careful:  # a fault outside the steps' checks names the rule
                failure = TransformError.wrap(careful, rule=field.rule, field=field.described)
        if errors is None:
            raise failure
        errors[field.rule] = failure
        return None

    def spread(
        self,
        index: int,
        out: dict[str, Any],
        value: Any,
        errors: dict[str, Exception] | None,
    ) -> None:
        """Write a tuple value to a tuple target (None fills every path)."""
        field = self.fields[index]
        assert isinstance(field.target, tuple)
        if value.__class__ is RefPending:
            out.update(dict.fromkeys(field.target, value))
            return
        parts = value if value is not None else (None,) * len(field.target)
        try:
            out.update(zip(field.target, parts, strict=True))
        except (TypeError, ValueError) as exc:
            failure = TransformError.wrap(exc, rule=field.rule, field=field.described)
            if errors is None:
                raise failure from exc
            errors[field.rule] = failure


def pending(*values: Any) -> RefPending:
    """One RefPending naming every pending reference among `values` (at least one)."""
    found = [v for v in values if v.__class__ is RefPending]
    return RefPending.of([p for v in found for p in v.pending])


class Writer:
    """Builds the source and the namespace of one function (`block` also serves the
    one-side update function of `program.watch`)."""

    def __init__(self, fields: Sequence[FieldTransform], flow: Flow) -> None:
        self.fields = tuple(fields)
        self.flow = flow
        self.names: dict[str, Any] = {
            "_ROUND_HALF_UP": ROUND_HALF_UP,
            "_UTC": dt.UTC,
            "_RefPending": RefPending,
            "_pending": pending,
            "_EMPTY": _EMPTY,
        }
        failures = Failures(fields)
        self.names["_fail"], self.names["_spread"] = failures.fail, failures.spread
        self.body: list[str] = ["    get = record.get"]
        self.late: list[str] = []  # fields written after the payload's display
        self.display: list[str] = []
        self.refs: list[str] = []

    def bind(self, name: str, value: Any) -> str:
        self.names[name] = value
        return name

    def write(self) -> str:
        repeated = repeated_targets(self.fields)
        for index, field in enumerate(self.fields):
            self.field(index, field, repeated)
        lines = ["def program(record, other, errors, only):", *self.body]
        lines.append("    out = {" + ", ".join(self.display) + "}")
        lines.extend(self.late)
        if self.refs:
            some = " or ".join(f"{v}.__class__ is _RefPending" for v in self.refs)
            lines.append(f"    if errors is None and ({some}):")
            lines.append(f"        raise _pending({', '.join(self.refs)})")
        lines.append("    return out")
        return "\n".join(lines) + "\n"

    def field(self, index: int, field: FieldTransform, repeated: set[str]) -> None:
        v = f"v{index}"
        simple = isinstance(field.target, str) and field.target not in repeated
        if simple and field.when is None:
            constant = self.constant(index, field)
            if constant is not None:
                self.display.append(f"{self.bind(f't{index}', field.target)}: {constant}")
                return
            if not field.steps and isinstance(field.source, str):
                key = self.bind(f"k{index}", field.source)
                self.display.append(f"{self.bind(f't{index}', field.target)}: get({key})")
                return
            self.body.extend(self.block(index, field, "    "))
            self.display.append(f"{self.bind(f't{index}', field.target)}: {v}")
        else:
            self.late.extend(self.guarded(index, field))
        if field.has_ref:
            self.refs.append(v)

    def constant(self, index: int, field: FieldTransform) -> str | None:
        """A constant field's value, bound once (a failing or `ref` one runs per record)."""
        if field.source is not None or field.has_ref:
            return None
        try:
            value = field.read(_EMPTY)
        except Exception:  # it fails for every record: let each one report it
            return None
        return self.bind(f"c{index}", value)

    def guarded(self, index: int, field: FieldTransform) -> list[str]:
        """A field written after the payload's display: a condition, a tuple, a repeat."""
        v = f"v{index}"
        lines = [f"    {v} = None"]
        indent = "    "
        if field.when is not None:
            test = self.bind(f"w{index}", field.when.test)
            subject = "record" if field.when.side == SOURCE[self.flow] else "(other or _EMPTY)"
            lines.append(f"    if errors is not None or {test}({subject}):")
            indent = "        "
        lines.extend(self.block(index, field, indent))
        if isinstance(field.target, str):
            lines.append(f"{indent}out[{self.bind(f't{index}', field.target)}] = {v}")
        else:
            targets = [self.bind(f"t{index}_{n}", t) for n, t in enumerate(field.target)]
            size = len(targets)
            # int literals only (the tuple's size): a tuple of that size fills the paths
            lines.append(f"{indent}if {v}.__class__ is tuple and len({v}) == {size}: "
                         f"{', '.join(f'out[{t}]' for t in targets)}, = {v}")
            lines.append(f"{indent}else: _spread({index}, out, {v}, errors)")
        return lines

    def block(
        self, index: int, field: FieldTransform, indent: str, *, guarded: bool = True
    ) -> list[str]:
        """`v<index> = ` the field's value, its steps in line, under the field's handler;
        None when an update does not ask for the rule (`only`), unless not `guarded`."""
        v = f"v{index}"
        rule = self.bind(f"r{index}", field.rule)
        inner = indent + "    " if guarded else indent
        step_indent = inner + "    "
        lines = [f"{indent}if only is None or {rule} in only:"] if guarded else []
        lines += [f"{inner}try:", f"{step_indent}{v} = {self.read(index, field)}"]
        for j, step in enumerate(field.steps):
            lines.extend(step_indent + line for line in self.step(index, j, step))
        lines.append(f"{inner}except Exception as exc:")
        lines.append(f"{step_indent}{v} = _fail({index}, record, exc, errors)")
        if guarded:
            lines += [f"{indent}else:", f"{inner}{v} = None"]
        return lines

    def step(self, index: int, j: int, step: BuiltStep) -> list[str]:
        """One step applied to `v<index>`: in line for its guard class, else the careful call."""
        v = f"v{index}"
        careful = self.bind(f"s{index}_{j}", step.careful)
        inline = step.inline
        if inline is None:
            call = f"{v} = {careful}({v})"
            return [call if step.makes_values else f"if {v} is not None: {call}"]
        guard = self.bind(f"g{index}_{j}", inline.guard)
        if inline.expr is None:
            unless_null = "" if step.makes_values else f" and {v} is not None"
            return [f"if {v}.__class__ is not {guard}{unless_null}: {v} = {careful}({v})"]
        constant = self.bind(f"c{index}_{j}", inline.constant)
        expr = inline.expr.format(v=v, c=constant, step=careful)
        otherwise = "else:" if step.makes_values else f"elif {v} is not None:"
        return [f"if {v}.__class__ is {guard}: {v} = {expr}", f"{otherwise} {v} = {careful}({v})"]

    def read(self, index: int, field: FieldTransform) -> str:
        if field.source is None:
            return f"{self.bind(f'f{index}', field)}.read(record)"
        if isinstance(field.source, str):
            return f"get({self.bind(f'k{index}', field.source)})"
        keys = [self.bind(f"k{index}_{n}", path) for n, path in enumerate(field.source)]
        return "(" + ", ".join(f"get({k})" for k in keys) + ",)"


def generate(fields: Sequence[FieldTransform], flow: Flow, *, name: str = "") -> tuple[
    Function, str
]:
    """The function of `fields` for `flow`, and its source (for diagnostics)."""
    writer = Writer(fields, flow)
    source = writer.write()
    function: Function = build(source, writer.names, f"program {name} {flow}")["program"]
    return function, source


def generated_filename(source: str, label: str) -> str:
    """The name generated `source` is compiled and kept in `linecache` under."""
    digest = hashlib.blake2b(source.encode(), digest_size=8).hexdigest()
    return f"<mapsync {label} {digest}>"


def build(source: str, names: Mapping[str, Any], label: str) -> dict[str, Any]:
    """Run generated `source` (fixed templates only) in a namespace holding `names`.

    The source is kept in `linecache` under a name saying what it is, for tracebacks. The
    name ends with a digest of the source: a long-running `listen` that compiles the same
    rules again reuses one entry instead of adding one per compilation.
    """
    filename = generated_filename(source, label)
    if filename not in linecache.cache:
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = dict(names)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 (see the module docstring)
    return namespace


def repeated_targets(fields: Sequence[FieldTransform]) -> set[str]:
    """Target paths that more than one of `fields` writes."""
    seen: set[str] = set()
    repeated: set[str] = set()
    for f in fields:
        for path in (f.target if isinstance(f.target, tuple) else (f.target,)):
            (repeated if path in seen else seen).add(path)
    return repeated
