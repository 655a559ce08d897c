"""Golden files: one object's field XML and one translation, byte for byte.

Update with `python -m pytest tests/package/test_snapshots.py --snapshot-update`."""

from __future__ import annotations

import pytest

SRC = "force-app/main/default"


@pytest.mark.parametrize("path", [
    "objects/Intacct_AR_Term__c/fields/Discount_Amount__c.field-meta.xml",
    "objects/Intacct_AR_Term__c/fields/Intacct_ID__c.field-meta.xml",
    "objects/Account/fields/Intacct_Payment_Term__c.field-meta.xml",
    "objectTranslations/Intacct_AR_Term__c-fr/Intacct_AR_Term__c-fr.objectTranslation-meta.xml",
    "objectTranslations/Opportunity-fr/Opportunity-fr.objectTranslation-meta.xml",
])
def test_golden_file(source_package: dict[str, bytes], path: str, snapshot: object) -> None:
    assert source_package[f"{SRC}/{path}"].decode("utf-8") == snapshot
