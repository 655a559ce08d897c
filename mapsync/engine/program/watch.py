"""Which rules a changed record moved: its canonical values against the pair's shadow.

    watch = ShadowWatch(mapping.rules, "intacct")
    moved = watch.moved(intacct_record, shadow.intacct)   # {rule index: canonical value}

An update reads one side's record (the other did not change since the last sync). The
Decider needs to look only at the rules whose value on that side moved away from the shadow,
and at the rules that always push from that side; `moved` finds the first in one generated
function (`program.generate.build`): each rule's canonical value (`canonical`, with text,
the common case, written in line) compared with the shadow's. `pushes` are the indexes of
the one-way rules from that side to the other, `sends` those and the two-way rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mapsync.engine.program.canonical import canonical
from mapsync.engine.program.generate import build
from mapsync.engine.record import Record, Side

if TYPE_CHECKING:
    from mapsync.engine.program.mapping import FieldRule

Moved = Callable[[Record, Mapping[str, Any]], dict[int, list[Any]]]

_TOWARDS = {"salesforce": "to_salesforce", "intacct": "to_intacct"}


class ShadowWatch:
    """The rules of a mapping as seen from one side, for updates read on that side."""

    __slots__ = ("side", "rules", "pushes", "sends", "_name", "_source", "moved")

    def __init__(self, rules: Sequence[FieldRule], side: Side, *, name: str = "") -> None:
        other = "salesforce" if side == "intacct" else "intacct"
        self.side = side
        self.rules = rules
        self.pushes = frozenset(
            i for i, r in enumerate(rules) if r.direction == _TOWARDS[other])
        self.sends = self.pushes | {i for i, r in enumerate(rules) if r.direction == "both"}
        self._name, self._source = name, ""
        self.moved: Moved = self._first  # written on first use

    def _first(self, record: Record, old: Mapping[str, Any]) -> dict[int, list[Any]]:
        self.moved = self._build()
        return self.moved(record, old)

    @property
    def source(self) -> str:
        """The generated function's text (for diagnostics)."""
        if not self._source:
            self.moved = self._build()
        return self._source

    def _build(self) -> Moved:
        side, rules = self.side, self.rules
        names: dict[str, Any] = {"_canonical": canonical}
        lines = ["def moved(record, old):", "    get = record.get", "    oget = old.get",
                 "    out = {}"]
        for index, rule in enumerate(rules):
            if rule.direction == "off":
                continue
            fields = rule.intacct_fields if side == "intacct" else rule.salesforce_fields
            names[f"r{index}"] = rule.id
            if len(fields) == 1:
                # canonical() in line for text, the common case, and null. A shadow holds a
                # list as long as the rule's fields (the rule id names them), or null.
                names[f"k{index}"] = fields[0]
                lines.append(f"    v = get(k{index})")
                lines.append(f"    o = oget(r{index})")
                lines.append("    c = (v or None) if v.__class__ is str else "
                             "(None if v is None else _canonical(v))")
                lines.append(f"    if o is None or o[0] != c: out[{index}] = [c]")
                continue
            values = []
            for n, path in enumerate(fields):
                names[f"k{index}_{n}"] = path
                values.append(f"_canonical(get(k{index}_{n}))")
            lines.append(f"    c = [{', '.join(values)}]")
            lines.append(f"    if c != oget(r{index}): out[{index}] = c")
        lines.append("    return out")
        self._source = "\n".join(lines) + "\n"
        moved: Moved = build(self._source, names, f"watch {self._name} {side}")["moved"]
        return moved
