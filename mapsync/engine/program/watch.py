"""An update read on one side, decided in one generated function per mapping and side.

    watch = ShadowWatch(mapping.rules, "intacct", programs["salesforce"], types)
    decision = watch.update(intacct_record, shadow)    # what `decide` gives for (record, None)

An update reads one side's record (the other did not change since the last sync). Only the
rules whose value there moved away from the pair's shadow, and the one-way rules from that
side, have anything to do. `update` is written from the mapping's rules and the target's
compiled fields (`program.generate`) as straight-line source:

- rule by rule, in rule order (as `decide` takes them): the source value's canonical form
  (`canonical`), written in line for the field's catalog type, compared with the shadow's.
  A text value equal to the shadow's (a non-empty str, or None) is known unchanged without
  canonicalising it. A rule that moved (and passes its `when` on that side) updates the
  source shadow and, if it sends that way, pushes at once: the field's steps in line (the
  blocks of the mapping's function), the canonical value compared with the target shadow,
  the value put in the patch when it differs. A one-way rule from that side always pushes.

Nothing is evaluated for a rule that did not move, and no per-rule structure is built for
it. The catalog type is a speed hint, never a rule: a value of another class goes through
`canonical` itself. The Decision is the one `decide` gives visiting every rule
(tests/runner/test_decide_one_side.py, tests/runner/test_update_function.py): patch,
`(rule id, target, before, expected)` changes, and both sides' new shadows (copies; the
shadow passed in is not changed). It raises the first pushed rule's TransformError or
RefPending, in rule order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from mapsync.engine.program.canonical import EXACT, canonical, decimal_text
from mapsync.engine.program.decision import Decision, Shadow
from mapsync.engine.program.generate import Writer, build
from mapsync.engine.program.step import Flow
from mapsync.engine.record import Record, Side

if TYPE_CHECKING:
    from mapsync.engine.program.mapping import FieldRule
    from mapsync.engine.program.record import RecordTransform

Update = Callable[[Record, Shadow], Decision]

_TOWARDS: dict[Side, Flow] = {"salesforce": "to_salesforce", "intacct": "to_intacct"}

# canonical(v), in line for the catalog types whose values are mostly of one class; a value
# of another class goes through `canonical` itself, so the type is a speed hint, never a rule.
_CANONICAL = {
    "text": "({v} or None) if {v}.__class__ is str else "
            "(None if {v} is None else _canonical({v}))",
    "boolean": "True if {v} is True else "
               "(None if {v} is None or {v} is False else _canonical({v}))",
    "decimal": "_decimal({v}) if {v}.__class__ is _Decimal else "
               "(None if {v} is None else _canonical({v}))",
    "integer": "str({v}) if {v}.__class__ is int and -_EXACT < {v} < _EXACT else "
               "(None if {v} is None else _canonical({v}))",
}
# True when canonical(v) may differ from the shadow's value `{o}`: the slow block then
# decides. Each is exact for a shadow of canonical values, which is never '' (`canonical`
# gives None for empty text): text is known unchanged only as a str or None equal to the
# shadow's, a number only as the text `canonical` would give without normalising.
_NOT_PLAIN = "{v}.__class__ is not str and {v} is not None"
_MAYBE_MOVED = {
    "text": "{v} != {o} or " + _NOT_PLAIN,
    "boolean": "(True if {v} is True else (None if {v} is None or {v} is False else _OTHER))"
               " is not {o}",
    "integer": "{v}.__class__ is not int or str({v}) != {o} or not -_EXACT < {v} < _EXACT",
    "decimal": "{v}.__class__ is not _Decimal or (t := str({v})) != {o} or len(t) > 27 "
               "or 'E' in t or 'N' in t or (t[-1] == '0' and '.' in t)",
}
_MISSING = object()  # a rule the shadow does not hold
_KINDS = {"boolean": "boolean", "decimal": "decimal", "currency": "decimal",
          "double": "decimal", "percent": "decimal", "integer": "integer", "int": "integer"}


def _kind(catalog_type: str | None) -> str:
    return _KINDS.get(catalog_type or "", "text")


class ShadowWatch:
    """The rules of a mapping as seen from one side, for updates read on that side.

    `program` is the target side's RecordTransform (its compiled fields are written in line);
    `types` the catalog types of both sides' fields by path (a speed hint, never a rule).
    """

    __slots__ = ("side", "target", "rules", "program", "pushes", "sends", "_types", "_name",
                 "_source", "update")

    def __init__(
        self,
        rules: Sequence[FieldRule],
        side: Side,
        program: RecordTransform | None = None,
        types: Mapping[Side, Mapping[str, str]] | None = None,
        *,
        name: str = "",
    ) -> None:
        other: Side = "salesforce" if side == "intacct" else "intacct"
        self.side, self.target = side, other
        self.rules = rules
        self.program = program
        self.pushes = frozenset(
            i for i, r in enumerate(rules) if r.direction == _TOWARDS[other])
        self.sends = self.pushes | {i for i, r in enumerate(rules) if r.direction == "both"}
        self._types = {s: dict((types or {}).get(s, {})) for s in ("intacct", "salesforce")}
        self._name, self._source = name, ""
        self.update: Update = self._first  # written on first use

    def _first(self, record: Record, shadow: Shadow) -> Decision:
        self.update = self._build()
        return self.update(record, shadow)

    @property
    def source(self) -> str:
        """The generated function's text (for diagnostics)."""
        if not self._source:
            self.update = self._build()
        return self._source

    def kind(self, side: Side, path: str) -> str:
        """How values of `path` on `side` are canonicalised in line (text by default)."""
        return _kind(self._types[side].get(path))

    def _build(self) -> Update:
        source, names = _UpdateWriter(self).write()
        self._source = source
        update: Update = build(source, names, f"update {self._name} {self.side}")["update"]
        return update


class _UpdateWriter:
    """Builds the source and namespace of one side's `update` function."""

    def __init__(self, watch: ShadowWatch) -> None:
        self.watch = watch
        self.side = watch.side
        self.target: Side = "salesforce" if watch.side == "intacct" else "intacct"
        self.fields = watch.program.fields if watch.program is not None else ()
        self.writer = Writer(self.fields, _TOWARDS[self.target])
        self.lookup = "old_s[{}]"  # how the source shadow is read in the quick test
        self.names = self.writer.names
        self.names.update({"_canonical": canonical, "_decimal": decimal_text,
                           "_Decision": Decision, "_Shadow": Shadow, "_new": object.__new__,
                           "_Decimal": Decimal, "_EXACT": EXACT, "_TARGET": self.target,
                           "_OTHER": object(), "_MISSING": _MISSING})

    def bind(self, name: str, value: Any) -> str:
        self.names[name] = value
        return name

    def write(self) -> tuple[str, dict[str, Any]]:
        """Two functions: `update`, which looks each rule up in the source shadow by
        subscript, and `tolerant`, which it hands the pair to when that raises KeyError:
        the shadow lacks a rule (added since the last sync, or a one-way rule a creation
        does not record, as in the follow-up of an Intacct create). A rule the shadow lacks
        has moved, as `decide` sees it; the subscript keeps the common case fastest."""
        lines = [*self.function("tolerant", exact=False), "",
                 *self.function("update", exact=True)]
        return "\n".join(lines) + "\n", self.names

    def function(self, name: str, *, exact: bool) -> list[str]:
        """The source of one of the two functions."""
        self.lookup = "old_s[{}]" if exact else "old_s.get({}, _MISSING)"
        lines = [f"def {name}(record, shadow):", "    get = record.get",
                 f"    old_s = shadow.{self.side}", f"    old_t = shadow.{self.target}",
                 "    tget = old_t.get", "    errors = None", "    store_s = dict(old_s)",
                 "    store_t = dict(old_t)", "    patch = {}", "    changes = []"]
        body = [line for index, rule in enumerate(self.watch.rules)
                if rule.direction != "off" for line in self.scan(index, rule)]
        if exact:
            lines += ["    try:", *(f"    {line}" for line in body),
                      "    except KeyError:", "        return tolerant(record, shadow)"]
        else:
            lines += body
        return lines + self.decision()

    def decision(self) -> list[str]:
        """The Decision and its Shadow built with their slots set in line: the two dataclass
        `__init__` calls measured 0.1-0.5 us of an update's 5-7 us (bench at 1,000 and
        20,000 records); tests/runner/test_update_function.py checks every field is set."""
        intacct, salesforce = ("store_s", "store_t") if self.side == "intacct" else (
            "store_t", "store_s")
        patches = ("patch", "{}") if self.side == "intacct" else ("{}", "patch")
        return ["    out = _new(_Decision)",
                f"    out.salesforce_patch, out.intacct_patch = {patches[0]}, {patches[1]}",
                "    out.conflicts, out.changes = [], changes",
                "    out.shadow = kept = _new(_Shadow)",
                f"    kept.intacct, kept.salesforce = {intacct}, {salesforce}",
                "    return out"]

    def test(self, rule: FieldRule) -> Callable[[Record], bool] | None:
        """The rule's `when` on this side, if any."""
        return rule.applies_to_intacct if self.side == "intacct" else rule.applies_to_salesforce

    def scan(self, index: int, rule: FieldRule) -> list[str]:
        """Rule `index`'s canonical source value against the shadow: a rule that moved (and
        passes its `when`) updates the source shadow and, sending that way, pushes."""
        fields = rule.intacct_fields if self.side == "intacct" else rule.salesforce_fields
        rid = self.bind(f"R{index}", rule.id)
        sends, pushes = index in self.watch.sends, index in self.watch.pushes
        test = self.test(rule)
        applies = f"{self.bind(f'A{index}', test)}(record)" if test is not None else ""
        kinds = [self.watch.kind(self.side, path) for path in fields]
        names = [f"w{n}" for n in range(len(fields))]
        head = [f"    {w} = get({self.bind(f'K{index}_{n}', path)})"
                for n, (w, path) in enumerate(zip(names, fields, strict=True))]
        fast: str | None = None
        if len(fields) == 1:  # the shadow holds the canonical value itself
            slow = [f"c = {_CANONICAL[kinds[0]].format(v='w0')}"]
            moved, value = f"old_s.get({rid}, _MISSING) != c", "c"
            if kinds[0] in _MAYBE_MOVED:
                fast = _MAYBE_MOVED[kinds[0]].format(v="w0", o=self.lookup.format(rid))
        else:
            parts = [_CANONICAL[k].format(v=w) for k, w in zip(kinds, names, strict=True)]
            slow = [f"c = [{', '.join(f'({p})' for p in parts)}]"]
            moved, value = f"c != old_s.get({rid})", "c"
            if fields and set(kinds) == {"text"}:
                fast = " or ".join([f"[{', '.join(names)}] != {self.lookup.format(rid)}",
                                    *(_NOT_PLAIN.format(v=w) for w in names)])
        store = f"store_s[{rid}] = {value}"
        # The rule's push follows its scan, as `decide` takes the rules one after the other.
        push = [f"    {line}" for line in self.push(index, rule)] if sends else []
        if pushes and test is not None:  # a one-way rule pushes whenever its `when` holds
            body = [*slow, f"if {applies}:", f"    if {moved}: {store}", *push]
        elif applies:
            body = [*slow, f"if ({moved}) and {applies}:", f"    {store}", *push]
        elif pushes:  # it pushes whether or not it moved
            body = [*slow, f"if {moved}: {store}"]
            after = push
            if fast is None:
                return head + [f"    {line}" for line in body] + after
            return [*head, f"    if {fast}:", *(f"        {line}" for line in body), *after]
        else:
            body = [*slow, f"if {moved}:", f"    {store}", *push]
        if fast is None or test is not None and pushes:
            return head + [f"    {line}" for line in body]
        return [*head, f"    if {fast}:", *(f"        {line}" for line in body)]

    def push(self, index: int, rule: FieldRule) -> list[str]:
        """The rule's value for the target, against the target shadow (at indent 0)."""
        rid = f"R{index}"
        fields = rule.salesforce_fields if self.target == "salesforce" else rule.intacct_fields
        position = self.position(rule, fields)
        lines: list[str] = []
        if position is not None and isinstance(self.fields[position].target, str):
            v = f"v{position}"
            lines.extend(self.writer.block(position, self.fields[position], "",
                                           guarded=False))
            target = self.bind(f"T{index}", fields[0])
            kind = self.watch.kind(self.target, fields[0])
            if self.fields[position].has_ref:  # only a `ref` step leaves a RefPending value
                lines.append(f"if {v}.__class__ is _RefPending: raise {v}")
            lines += [f"e = {_CANONICAL[kind].format(v=v)}", *self.compare(rid),
                      f"    patch[{target}] = {v}"]
            return lines
        if position is not None:
            v = f"v{position}"
            lines.extend(self.writer.block(position, self.fields[position], "",
                                           guarded=False))
            targets = self.bind(f"T{index}", tuple(fields))
            lines += ["values = {}",
                      f"if {v}.__class__ is tuple and len({v}) == {len(fields)}: "
                      f"values.update(zip({targets}, {v}))",
                      f"else: _spread({position}, values, {v}, errors)"]
        else:
            push = self.bind(f"X{index}", rule.push)
            lines.append(f"values = {push}(_TARGET, record)")
        lines += ["for v in values.values():", "    if v.__class__ is _RefPending: raise v"]
        if len(fields) == 1:
            single = self.bind(f"E{index}", fields[0])
            lines.append(f"e = _canonical(values.get({single}))")
        else:
            listed = self.bind(f"E{index}", tuple(fields))
            lines.append(f"e = [_canonical(values.get(f)) for f in {listed}]")
        return [*lines, *self.compare(rid), "    patch.update(values)"]

    @staticmethod
    def compare(rid: str) -> list[str]:
        """`e` (the target's new canonical value) against the target shadow: stored, and
        the change listed, when it differs. A rule the target shadow lacks is written even
        empty (as `decide` does); its change shows None before."""
        return [f"b = tget({rid}, _MISSING)", "if e != b:", f"    store_t[{rid}] = e",
                f"    changes.append(({rid}, _TARGET, None if b is _MISSING else b, e))"]

    def position(self, rule: FieldRule, fields: tuple[str, ...]) -> int | None:
        """Where the rule's compiled field sits in the target program, when the program's
        payload holds exactly the rule's values (no other rule writes its targets)."""
        program = self.watch.program
        transform = rule.transforms.get(_TOWARDS[self.target])
        if program is None or transform is None or not program.owns(rule.source):
            return None
        for position, field in enumerate(self.fields):
            if field is transform:
                target = field.target if isinstance(field.target, tuple) else (field.target,)
                return position if target == fields else None
        return None
