"""The two words every stage shares: a record, and the side (service) it lives on.

Records cross the connector boundary as flat dicts keyed by catalog field names (see
`connectors.base`); a `Side` names one of the two services. Each is defined here once and
imported everywhere else (tests/test_one_definition.py guards it).
"""

from __future__ import annotations

from typing import Any, Literal

Record = dict[str, Any]
Side = Literal["intacct", "salesforce"]

__all__ = ["Record", "Side"]
