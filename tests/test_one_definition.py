"""Each shared type is defined once: one `Record`, one `Side`, one `Options`, one `Batch`...

The issue that split the runner found `Record` defined 10 times, `Side` 6 times with three
meanings, two `Options`, two `Batch`es, two `RetryPolicy`s that disagreed, and four types
for "a reference not linked yet". This scans the package's source for module-level
definitions (classes and assignments; imports are uses, not definitions).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import mapsync

PACKAGE = Path(mapsync.__file__).parent
ONCE = ("Record", "Side", "Options", "Batch", "RetryPolicy", "RefPending", "TransformError")
SIDES = "Literal['intacct', 'salesforce']"


def _definitions() -> dict[str, list[str]]:
    """Every module-level name defined in the package, with where, plus the Side literal."""
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted(PACKAGE.rglob("*.py")):
        where = str(path.relative_to(PACKAGE.parent))
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                found[node.name].append(where)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        found[target.id].append(where)
                if node.value is not None and ast.unparse(node.value) == SIDES:
                    found[SIDES].append(where)
    return found


def test_shared_types_are_defined_once() -> None:
    found = _definitions()
    twice = {name: found[name] for name in ONCE if len(found[name]) != 1}
    assert twice == {}


def test_the_two_sides_are_spelled_once() -> None:
    assert _definitions()[SIDES] == ["mapsync/engine/record.py"]


def test_one_pending_reference_type_and_one_failure_type() -> None:
    found = _definitions()
    pending = sorted(n for n in found if "Pending" in n and n[0].isupper())
    assert pending == ["RefPending"]
    outside_emulators = {
        n: [w for w in found[n] if "/sandbox/" not in w] for n in found if n.endswith("Failure")
    }
    assert {n: w for n, w in outside_emulators.items() if w} == {}
