"""What the checker and the compiler both need to know about a block: the catalog
objects it names, its keys, the kinds of field values, and the write order."""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from mapsync.engine.catalog import Catalogs, FieldInfo, ObjectInfo
from mapsync.engine.language import ast
from mapsync.engine.language import steps as st

_INTACCT_KINDS = {"boolean": st.I_BOOLEAN, "date": st.I_DATE, "datetime": st.I_DATETIME}
_SALESFORCE_KINDS = {"boolean": st.BOOLEAN, "date": st.DATE, "datetime": st.DATETIME,
                     "id": st.ID, "reference": st.ID}
_NUMBERS = frozenset({"integer", "decimal", "currency", "percent"})


def value_kind(system: ast.System, info: FieldInfo) -> str:
    """The kind of value a catalog field holds as the connector reads and writes it."""
    if info.type in _NUMBERS:
        return st.NUMBER
    table = _INTACCT_KINDS if system == "intacct" else _SALESFORCE_KINDS
    return table.get(info.type, st.TEXT)


def direction_of(arrow: ast.Arrow) -> str:
    """The plan direction of an arrow."""
    return {"->": "to_salesforce", "<-": "to_intacct", "<->": "both", "off": "off"}[arrow]


def resolve_intacct(catalogs: Catalogs, block_kind: str, name: str) -> ObjectInfo | None:
    """The Intacct catalog object a block names: an object, or for actions a write function."""
    found = catalogs.get("intacct", name)
    if found is not None or block_kind != "action":
        return found
    for info in catalogs.intacct.values():
        if name in info.write_functions.values():
            return info
    return None


def intacct_names(catalogs: Catalogs, block_kind: str) -> list[str]:
    """Names a block may use after `intacct` (for did-you-mean)."""
    names = list(catalogs.intacct)
    if block_kind == "action":
        names += [f for info in catalogs.intacct.values() for f in info.write_functions.values()]
    return names


def child_object(catalogs: Catalogs, system: ast.System, parent: ObjectInfo,
                 hint: str) -> ObjectInfo | None:
    """The line object of `parent` for an action's `lines element from Relationship`."""
    children = [o for o in catalogs.system(system).values()
                if o.parent is not None and o.parent.get("object") == parent.name]
    for child in children:
        if hint.lower() in {child.name.lower(), child.name.lower() + "s"}:
            return child
    return children[0] if len(children) == 1 else None


def child_names(catalogs: Catalogs, system: ast.System, parent: ObjectInfo) -> list[str]:
    """Names of the objects whose catalog `parent` is `parent`."""
    return sorted(o.name for o in catalogs.system(system).values()
                  if o.parent is not None and o.parent.get("object") == parent.name)


# ---- write order --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dependency:
    """Block `source` must be written after `target` (through `ref` or `after`)."""

    source: str
    target: str
    span: ast.Span


def field_rules(statements: tuple[ast.Statement, ...]) -> Iterator[ast.FieldRule]:
    """Every field rule of a block, its line collections included."""
    for statement in statements:
        if isinstance(statement, ast.FieldRule):
            yield statement
        elif isinstance(statement, ast.LinesDecl):
            yield from field_rules(statement.statements)


def dependencies(block: ast.Block) -> list[Dependency]:
    """The other blocks `block` depends on, with the position of each mention."""
    found: list[Dependency] = []
    for rule in field_rules(block.statements):
        if rule.arrow == "off":
            continue
        found += [Dependency(block.name, s.mapping, s.span)
                  for s in rule.steps if isinstance(s, ast.RefStep)]
    for after in ast.statements_of(block.statements, ast.AfterDecl):
        found += [Dependency(block.name, n.value, n.span) for n in after.names]
    return [d for d in found if d.target != d.source]


def write_order(blocks: Mapping[str, ast.Block]) -> tuple[list[str], list[str]]:
    """(names in write order, names left in a cycle). Managed first, ties by name."""
    edges: dict[str, set[str]] = {name: set() for name in blocks}
    for name, block in blocks.items():
        edges[name] = {d.target for d in dependencies(block) if d.target in blocks}
    waiting = {name: len(targets) for name, targets in edges.items()}
    users: dict[str, list[str]] = {name: [] for name in blocks}
    for name, targets in edges.items():
        for target in targets:
            users[target].append(name)
    ready = [(_rank(blocks[n]), n) for n, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, name = heapq.heappop(ready)
        order.append(name)
        for user in users[name]:
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, (_rank(blocks[user]), user))
    left = sorted(n for n in blocks if n not in set(order))
    return order, left


def _rank(block: ast.Block) -> int:
    return {"managed": 0, "mapping": 1, "action": 2}[block.kind]


def find_cycle(blocks: Mapping[str, ast.Block], left: list[str]) -> list[Dependency]:
    """One dependency cycle among the blocks `write_order` could not place."""
    remaining = set(left)
    start = left[0]
    path: list[Dependency] = []
    seen: dict[str, int] = {}
    current = start
    while current not in seen:
        seen[current] = len(path)
        step = next(d for d in sorted(dependencies(blocks[current]), key=lambda d: d.target)
                    if d.target in remaining)
        path.append(step)
        current = step.target
    return path[seen[current]:]
