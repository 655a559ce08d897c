"""Which mappings a run executes, in which order, shaped by the configuration's options."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from mapsync.engine.language import compile_paths
from mapsync.engine.resources import rules_dir
from mapsync.engine.runner.run import selected, with_actions_first
from mapsync.engine.runner.settings import apply_options


@pytest.fixture(scope="module")
def mappings() -> list[dict[str, Any]]:
    plan, loaded = compile_paths([rules_dir()])
    assert plan is not None, loaded.diagnostics
    return list(plan.to_dict()["mappings"])


def names(items: list[dict[str, Any]]) -> list[str]:
    return [m["name"] for m in items]


def test_create_sales_order_runs_after_its_inputs_and_before_the_orders_come_back(
    mappings: list[dict[str, Any]],
) -> None:
    order = names(with_actions_first(mappings))
    action = order.index("CreateSalesOrder")
    assert action < order.index("SalesOrder")
    assert max(order.index(n) for n in ("Customer", "Item", "Contact")) < action
    assert sorted(order) == sorted(names(mappings))


def test_only_selects_and_rejects_unknown_names(mappings: list[dict[str, Any]]) -> None:
    assert names(selected(mappings, ["Item", "ARTerm"])) == ["ARTerm", "Item"]
    with pytest.raises(ValueError, match="Itme"):
        selected(mappings, ["Itme"])


def options(**values: Any) -> SimpleNamespace:
    base = {"price_source": "order-entry", "create_intacct_customers_from_accounts": True}
    return SimpleNamespace(**{**base, **values})


def test_price_source_picks_which_prices_fill_price_books(
    mappings: list[dict[str, Any]],
) -> None:
    order_entry = names(apply_options(mappings, options()))
    contract = names(apply_options(mappings, options(price_source="contract")))
    assert "PriceListEntry" in order_entry and "BillingItemPrice" not in order_entry
    assert "BillingItemPrice" in contract and "PriceListEntry" not in contract
    assert {"PriceList", "BillingPriceList", "Contract"} <= set(order_entry) & set(contract)


def test_accounts_can_be_kept_from_creating_customers(mappings: list[dict[str, Any]]) -> None:
    shaped = apply_options(mappings, options(create_intacct_customers_from_accounts=False))
    customer = next(m for m in shaped if m["name"] == "Customer")
    assert "intacct" not in customer["create"]
    original = next(m for m in mappings if m["name"] == "Customer")
    assert "intacct" in original["create"]
