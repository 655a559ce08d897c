"""Which mappings a run executes, in which order, shaped by the configuration's options."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest

from mapsync.engine.commands._settings import apply_options
from mapsync.engine.language import compile_paths
from mapsync.engine.plan import Plan, PlanMapping
from mapsync.engine.resources import rules_dir
from mapsync.engine.runner.run import UnknownMapping, selected, with_actions_first


@pytest.fixture(scope="module")
def plan() -> Plan:
    compiled, loaded = compile_paths([rules_dir()])
    assert compiled is not None, loaded.diagnostics
    return compiled


@pytest.fixture(scope="module")
def mappings(plan: Plan) -> list[PlanMapping]:
    return list(plan.mappings)


def names(items: Sequence[PlanMapping]) -> list[str]:
    return [m.name for m in items]


def test_create_sales_order_runs_after_its_inputs_and_before_the_orders_come_back(
    mappings: list[PlanMapping],
) -> None:
    order = names(with_actions_first(mappings))
    action = order.index("CreateSalesOrder")
    assert action < order.index("SalesOrder")
    assert max(order.index(n) for n in ("Customer", "Item", "Contact")) < action
    assert sorted(order) == sorted(names(mappings))


def test_only_selects_and_rejects_unknown_names(mappings: list[PlanMapping]) -> None:
    assert names(selected(mappings, ["Item", "ARTerm"])) == ["ARTerm", "Item"]
    with pytest.raises(UnknownMapping, match="Itme"):
        selected(mappings, ["Itme"])


def options(**values: Any) -> SimpleNamespace:
    base = {"price_source": "order-entry", "create_intacct_customers_from_accounts": True}
    return SimpleNamespace(**{**base, **values})


def test_price_source_picks_which_prices_fill_price_books(plan: Plan) -> None:
    order_entry = names(apply_options(plan, options()).mappings)
    contract = names(apply_options(plan, options(price_source="contract")).mappings)
    assert "PriceListEntry" in order_entry and "BillingItemPrice" not in order_entry
    assert "BillingItemPrice" in contract and "PriceListEntry" not in contract
    assert {"PriceList", "BillingPriceList", "Contract"} <= set(order_entry) & set(contract)


def test_accounts_can_be_kept_from_creating_customers(plan: Plan) -> None:
    shaped = apply_options(plan, options(create_intacct_customers_from_accounts=False))
    assert "intacct" not in shaped.mapping("Customer").create
    assert "intacct" in plan.mapping("Customer").create
