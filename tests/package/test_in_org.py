"""`mapsync package` emits only what the org lacks: fields and objects already in the rule
set's schema snapshot (pulled or declared) are not deployed again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mapsync.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "custom"


def package(rules: Path, out: Path, *extra: str) -> set[str]:
    assert main(["package", str(rules), "-o", str(out), *extra]) == 0
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}


def test_fields_and_objects_in_the_snapshot_are_not_emitted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "custom"
    shutil.copytree(EXAMPLE, project)
    files = package(project / "rules", tmp_path / "with")
    account = "force-app/main/default/objects/Account/fields"
    assert f"{account}/Intacct_ID__c.field-meta.xml" in files     # the package's own key
    assert f"{account}/Region__c.field-meta.xml" not in files      # the org has it
    assert not any("/Site__c/" in f for f in files)               # the whole object too

    # Once the package is deployed, a pull lists its fields too: nothing left for Account.
    account_doc = project / "schema" / "salesforce" / "Account.json"
    account_doc.write_text(account_doc.read_text("utf-8").replace(
        '"fields": {', '"fields": {\n    "Intacct_ID__c": {"type": "string", "custom": true},\n'
        '    "Intacct_Last_Sync__c": {"type": "datetime", "custom": true},\n'
        '    "Intacct_Sync_Error__c": {"type": "textarea", "custom": true},\n'
        '    "Intacct_Sync_Status__c": {"type": "string", "custom": true},'))
    files = package(project / "rules", tmp_path / "after", "--force")
    assert not any("/Account/" in f for f in files)
    assert any(f.endswith("package.xml") for f in files)
    capsys.readouterr()
