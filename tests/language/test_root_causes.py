"""One mistake, one diagnostic: what follows from a duplicate mapping name, an unknown object
or a label line that lost its indentation is not reported again at every use."""

from __future__ import annotations

import shutil
from pathlib import Path

from mapsync.engine.diagnostics import Diagnostic
from mapsync.engine.language import validate_paths
from mapsync.engine.resources import rules_dir


def shipped_copy(tmp_path: Path) -> Path:
    """A writable copy of the standard rules."""
    folder = tmp_path / "rules"
    shutil.copytree(rules_dir(), folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def problems(folder: Path) -> list[Diagnostic]:
    return list(validate_paths([folder]).diagnostics)


def test_the_shipped_rules_are_clean(tmp_path: Path) -> None:
    assert problems(shipped_copy(tmp_path)) == []


def test_a_duplicate_mapping_name_is_reported_once(tmp_path: Path) -> None:
    folder = shipped_copy(tmp_path)
    edit(folder / "contacts.map", "mapping Contact {", "mapping Customer {")
    found = problems(folder)
    assert [d.code for d in found] == ["duplicate-mapping"]
    assert any("`Contact` is referred to but defined nowhere" in h for h in found[0].hints)


def test_an_unknown_object_is_reported_once(tmp_path: Path) -> None:
    folder = shipped_copy(tmp_path)
    edit(folder / "customers.map", "intacct    CUSTOMER key", "intacct    CUSTOMERX key")
    found = problems(folder)
    assert [(d.code, d.line) for d in found] == [("unknown-object", 7)]
    assert found[0].hints[0] == "did you mean `CUSTOMER`?"
    assert "mapsync schema pull --object CUSTOMERX" in found[0].hints[1]


def test_a_label_line_without_indentation_gets_one_error_with_a_hint(tmp_path: Path) -> None:
    folder = shipped_copy(tmp_path)
    label = 'label en_US "Billing city"'
    edit(folder / "customers.map", "        " + label, label)
    found = problems(folder)
    assert [(d.code, d.line, d.column) for d in found] == [("duplicate-declaration", 36, 1)]
    assert "indent it deeper than `DISPLAYCONTACT.MAILADDRESS.CITY <-> BillingCity` (line 35)" \
        in found[0].hints[0]


def test_a_reference_to_a_missing_mapping_is_still_reported(tmp_path: Path) -> None:
    folder = shipped_copy(tmp_path)
    edit(folder / "customers.map", "| ref ARTerm", "| ref ARTerms")
    found = problems(folder)
    assert [d.code for d in found] == ["unknown-mapping"]
    assert found[0].hints == ("did you mean `ARTerm`?",)
