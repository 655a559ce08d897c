"""`mapsync rules list`: the table of the shipped mappings, in English and in French."""

from __future__ import annotations

import pytest

from mapsync.cli import main
from mapsync.engine.commands.rules import rows
from mapsync.engine.plan import Plan
from mapsync.engine.resources import rules_dir


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["rules", "list", *args, str(rules_dir())])
    out, err = capsys.readouterr()
    return code, out, err


def _line_of(out: str, label: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(f"{label}  "))


def test_english_table_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys)
    assert code == 0
    for heading in ("Mapping", "Kind", "Intacct object", "Salesforce object", "Locked fields"):
        assert heading in out
    customers = _line_of(out, "Customers")
    assert "CUSTOMER" in customers and "Account" in customers and "sync" in customers
    assert "NAME, DISPLAYCONTACT.PRINTAS" in customers
    assert "managed" in _line_of(out, "AR Payment Terms")
    action = _line_of(out, "Create Sales Order")
    assert "action" in action and "create_sotransaction (Sales Order)" in action
    assert "sotransitems.ITEMID" in action


def test_french_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--lang", "fr")
    assert code == 0
    assert "Champs verrouillés" in out and "Objet Intacct" in out
    assert "liste gérée" in _line_of(out, "Conditions de paiement des CC")
    assert "CONTRACTBILLINGTEMPLATE" in _line_of(out, "Modèles de facturation")
    for label in ("Clients", "Articles", "Catalogues de prix", "Projets", "Tâches",
                  "Contrats Intacct", "Devis de ventes", "Commandes de ventes",
                  "Factures de vente"):
        assert f"\n{label}  " in out, label
    assert "Opportunity" in _line_of(out, "Créer une commande de vente")


def test_undeclared_language_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "--lang", "it")
    assert code == 2 and out == ""
    assert "`it`" in err and "de, en_US, es, fr" in err


def test_rows_count_fields_per_direction(plan: Plan) -> None:
    by_name = {row.name: row for row in rows(plan, "de")}
    customer = plan.mapping("Customer")
    directions = [f.direction for f in customer.fields]
    assert by_name["Customer"].counts == tuple(
        directions.count(d) for d in ("to_salesforce", "to_intacct", "both", "off"))
    assert by_name["Customer"].label == "Kunden"
    sales_order = by_name["SalesOrder"]
    assert sales_order.intacct == "SODOCUMENT (Sales Order)"
    assert sales_order.counts[0] == len(plan.mapping("SalesOrder").fields) + sum(
        len(lines.fields) for lines in plan.mapping("SalesOrder").lines)
    assert "Lines.QUANTITY" in sales_order.locked
    assert [row.name for row in rows(plan, "es")] == [m.name for m in plan.mappings]
