"""Configuration options that shape which mappings run and what they may create.

- `price_source`: which Intacct prices fill Salesforce price book entries — order-entry price
  list entries (SOPRICELISTENTRY) or contract billing prices (CONTRACTITEMPRICELIST and its
  entries). Both kinds of price list header stay synced, since contracts refer to theirs.
- `create_intacct_customers_from_accounts: false`: new Salesforce accounts stay unlinked
  until a customer exists (existing pairs still sync).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from mapsync.engine.plan import Plan, PlanMapping

ORDER_ENTRY_PRICES = frozenset({"SOPRICELISTENTRY"})
CONTRACT_PRICES = frozenset({"CONTRACTITEMPRICELIST", "CONTRACTITEMPRICELISTENTRY"})


def apply_options(plan: Plan, options: Any) -> Plan:
    """The plan as the configured options want it."""
    excluded = CONTRACT_PRICES if options.price_source == "order-entry" else ORDER_ENTRY_PRICES
    mappings = tuple(
        _shaped(m, options) for m in plan.mappings if m.intacct.object not in excluded
    )
    return dataclasses.replace(plan, mappings=mappings)


def _shaped(mapping: PlanMapping, options: Any) -> PlanMapping:
    if mapping.intacct.object == "CUSTOMER" and mapping.kind == "sync":
        if not options.create_intacct_customers_from_accounts:
            create = tuple(s for s in mapping.create if s != "intacct")
            return dataclasses.replace(mapping, create=create)
    return mapping
