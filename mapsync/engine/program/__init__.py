"""The program stage: a typed plan turned into fast callables, once per run.

    compiled = compile_mapping(plan.mapping("Customer"), catalogs, resolver, timezone="UTC")
    compiled.rules[0].push("salesforce", intacct_record)     # one rule, for updates
    compiled.program("salesforce").apply(intacct_record)     # a whole record, for creates

As in cel-python's `compile -> program -> evaluate`: the language compiles rules into a
`Plan` (`engine.plan`); this stage builds callables from it; the runner evaluates them.

    step.py        the StepOp base class and the op table derived from its subclasses
    text_ops.py    text steps         value_ops.py   maps and numbers
    time_ops.py    dates, times, booleans and references
    fields.py      one field for one flow (FieldTransform)
    record.py      all fields of a mapping for one flow, a whole record at a time
    mapping.py     a plan mapping for the runner (CompiledMapping, FieldRule)
    expr.py        `when` conditions          canonical.py   values as shadows compare them
    failures.py    RefPending (one pending-reference type), TransformError (one failure type)
"""

from mapsync.engine.program.failures import CompileError, RefPending, TransformError
from mapsync.engine.program.fields import FLOWS, FieldTransform, compile_field
from mapsync.engine.program.mapping import (
    CompiledMapping,
    FieldRule,
    LineSet,
    ObjectSide,
    compile_mapping,
    compile_rule,
)
from mapsync.engine.program.record import RecordTransform, compile_fields
from mapsync.engine.program.step import Flow, RefResolver

__all__ = [
    "FLOWS",
    "CompileError",
    "CompiledMapping",
    "FieldRule",
    "FieldTransform",
    "Flow",
    "LineSet",
    "ObjectSide",
    "RecordTransform",
    "RefPending",
    "RefResolver",
    "TransformError",
    "compile_field",
    "compile_fields",
    "compile_mapping",
    "compile_rule",
]
