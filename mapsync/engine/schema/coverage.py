"""How much of a public field list the catalogs know: names, groups and relationship paths.

    lists = read_field_list(path)                 # (counted names, names set aside)
    known, missing = coverage(catalogs, "intacct", "CUSTOMER", names)

A name is known when the object's catalog has it, when it names a group of its dotted
fields (`DISPLAYCONTACT`), or when it reaches a known field of a related object through a
relationship (`CUSTOMER.NAME` on SODOCUMENT), as Intacct's query and readByQuery accept.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mapsync.engine.catalog import Catalogs, System, resolve_path


def read_field_list(path: Path) -> tuple[list[str], list[str]]:
    """(names, set-aside names) of a list file: one name a line, `#` comments, and `-NAME`
    for a name the list's source org added itself (counted as not standard)."""
    names: list[str] = []
    aside: list[str] = []
    for line in path.read_text("utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            (aside if line.startswith("-") else names).append(line.lstrip("-"))
    return names, aside


def coverage(catalogs: Catalogs, system: System, obj: str,
             names: Sequence[str]) -> tuple[list[str], list[str]]:
    """(known, missing) names of `names` for one catalog object."""
    info = catalogs.get(system, obj)
    if info is None:
        return [], list(names)
    known: list[str] = []
    missing: list[str] = []
    for name in names:
        group = any(f.startswith(name + ".") for f in info.fields)
        found = group or resolve_path(catalogs, info, name) is not None
        (known if found else missing).append(name)
    return known, missing
