"""Every XML that comes from outside is parsed by mapsync.engine.safexml, nowhere else."""

from __future__ import annotations

import re
from pathlib import Path

import mapsync

PACKAGE = Path(mapsync.__file__).parent


def test_no_module_builds_its_own_xml_parser() -> None:
    builders = re.compile(r"XMLParser\(|etree\.parse\(|etree\.XML\(|fromstring\(\w+\)")
    found = sorted(
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in PACKAGE.rglob("*.py")
        if path.name != "safexml.py"
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if builders.search(line)
    )
    assert found == []
