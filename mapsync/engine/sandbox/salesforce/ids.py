"""Salesforce record Ids: 3-character key prefix, 12 characters of base 62, 3-character checksum.

The 18-character form appends one character per 5-character chunk of the 15-character Id: the
chunk is read right to left, each upper-case letter is a 1 bit, and the 5-bit number indexes
`ABCDEFGHIJKLMNOPQRSTUVWXYZ012345`.
"""

from __future__ import annotations

import hashlib
import re

from mapsync.engine.salesforce_ids import checksum as checksum
from mapsync.engine.salesforce_ids import to18 as to18

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID_RE = re.compile(r"^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$")
# Pod and reserved characters real Ids carry after the prefix; any fixed value works.
_POD = "5g0"

STANDARD_PREFIXES: dict[str, str] = {
    "Account": "001",
    "Contact": "003",
    "User": "005",
    "Opportunity": "006",
    "OpportunityLineItem": "00k",
    "Lead": "00Q",
    "Task": "00T",
    "Event": "00U",
    "Organization": "00D",
    "Product2": "01t",
    "Pricebook2": "01s",
    "PricebookEntry": "01u",
    "Case": "500",
    "Contract": "800",
    "Order": "801",
    "OrderItem": "802",
}


def is_id(value: str) -> bool:
    """True for a well-formed 15- or 18-character Id."""
    return bool(_ID_RE.match(value)) and (len(value) == 15 or checksum(value[:15]) == value[15:])


def base62(number: int, width: int) -> str:
    """`number` in base 62, left-padded with zeros to `width` characters."""
    digits = []
    while number:
        number, rem = divmod(number, 62)
        digits.append(_BASE62[rem])
    return "".join(reversed(digits)).rjust(width, "0")


def make_id(prefix: str, sequence: int) -> str:
    """The 18-character Id of record number `sequence` of the object with key `prefix`."""
    id15 = prefix + _POD + base62(sequence, 9)
    return id15 + checksum(id15)


def made_up_prefix(name: str, taken: set[str]) -> str:
    """A stable `a0X`-style prefix for an object without a well-known one, avoiding `taken`."""
    digest = int.from_bytes(hashlib.sha1(name.encode("utf-8")).digest()[:4], "big")
    for step in range(62 * 62):
        candidate = "a" + base62((digest + step) % (62 * 62), 2)
        if candidate not in taken:
            return candidate
    raise RuntimeError("no key prefix left")


ORG_ID = to18("00D5g0000000001")
USER_ID = to18("0055g0000000001")
