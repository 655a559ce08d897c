"""Saving edits in place, without a server: token splices, the checker's verdict, refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mapsync.engine.resources import rules_dir
from mapsync.engine.ui.edits import Change, EditRefused, prepare, write
from mapsync.engine.ui.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    return Workspace.load(tmp_path / "mapsync.yaml", rules)


def index_of(ws: Workspace, mapping: str, intacct: str) -> int:
    view = ws.mapping(mapping)
    assert view is not None
    return next(f.index for f in view.fields if f.intacct == intacct)


def test_several_tokens_in_several_files_are_replaced_and_nothing_else(
    workspace: Workspace,
) -> None:
    change = Change(arrows={
        ("Customer", index_of(workspace, "Customer", "DISPLAYCONTACT.FAX")): "off",
        ("Customer", index_of(workspace, "Customer", "DISPLAYCONTACT.PHONE1")): "->",
        ("Contact", index_of(workspace, "Contact", "PHONE1")): "off",
    })
    prepared = prepare(workspace, change)
    assert prepared.ok and prepared.changed
    customers = workspace.rules / "customers.map"
    before = customers.read_text("utf-8")
    assert prepared.rule_texts[str(customers)] == before.replace(
        "DISPLAYCONTACT.PHONE1  <-> Phone", "DISPLAYCONTACT.PHONE1  -> Phone").replace(
        "DISPLAYCONTACT.FAX     <-> Fax", "DISPLAYCONTACT.FAX     off Fax")
    assert sorted(Path(p).name for p in prepared.rule_texts) == ["contacts.map", "customers.map"]
    assert prepared.diff.count("\n+    ") == 3
    written = write(prepared)
    assert sorted(p.name for p in written) == ["contacts.map", "customers.map"]
    assert Workspace.load(workspace.config_path, workspace.rules).diagnostics == []
    assert not list(workspace.rules.glob(".*.tmp"))  # no temporary file left behind


def test_a_locked_field_is_refused(workspace: Workspace) -> None:
    with pytest.raises(EditRefused, match="locked") as refused:
        prepare(workspace, Change(arrows={("Customer", 0): "off"}))
    assert refused.value.status == 422


def test_an_edit_the_checker_rejects_is_not_written(workspace: Workspace) -> None:
    """RECORDNO is read-only in Intacct: sending it there does not validate."""
    recordno = index_of(workspace, "Customer", "RECORDNO")
    prepared = prepare(workspace, Change(arrows={("Customer", recordno): "<-"}))
    assert not prepared.ok
    assert any(d.code == "readonly-field" for d in prepared.diagnostics)
    before = (workspace.rules / "customers.map").read_text("utf-8")
    with pytest.raises(EditRefused, match="do not validate"):
        write(prepared)
    assert (workspace.rules / "customers.map").read_text("utf-8") == before


def test_a_file_changed_after_loading_is_not_overwritten(workspace: Workspace) -> None:
    prepared = prepare(workspace, Change(arrows={
        ("Customer", index_of(workspace, "Customer", "DISPLAYCONTACT.FAX")): "off"}))
    customers = workspace.rules / "customers.map"
    customers.write_text(customers.read_text("utf-8") + "# hand edit\n", "utf-8")
    with pytest.raises(EditRefused, match="changed on disk") as refused:
        write(prepared)
    assert refused.value.status == 409
    assert customers.read_text("utf-8").endswith("# hand edit\n")


def test_options_need_a_configuration_file(workspace: Workspace) -> None:
    with pytest.raises(EditRefused, match="no configuration file"):
        prepare(workspace, Change(options={"price_source": "contract"}))
