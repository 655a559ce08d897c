"""Configuration options that shape which mappings run and what they may create.

- `price_source`: which Intacct prices fill Salesforce price book entries — order-entry price
  list entries (SOPRICELISTENTRY) or contract billing prices (CONTRACTITEMPRICELIST and its
  entries). Both kinds of price list header stay synced, since contracts refer to theirs.
- `create_intacct_customers_from_accounts: false`: new Salesforce accounts stay unlinked
  until a customer exists (existing pairs still sync).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

ORDER_ENTRY_PRICES = frozenset({"SOPRICELISTENTRY"})
CONTRACT_PRICES = frozenset({"CONTRACTITEMPRICELIST", "CONTRACTITEMPRICELISTENTRY"})


def apply_options(mappings: Sequence[Mapping[str, Any]], options: Any) -> list[dict[str, Any]]:
    """The plan's mappings as the configured options want them."""
    excluded = CONTRACT_PRICES if options.price_source == "order-entry" else ORDER_ENTRY_PRICES
    out: list[dict[str, Any]] = []
    for mapping in mappings:
        if mapping["intacct"].get("object") in excluded:
            continue
        mapping = dict(mapping)
        if mapping["intacct"].get("object") == "CUSTOMER" and mapping["kind"] == "sync":
            if not options.create_intacct_customers_from_accounts:
                mapping["create"] = [s for s in mapping.get("create", ()) if s != "intacct"]
        out.append(mapping)
    return out
