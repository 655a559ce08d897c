"""Salesforce record Ids and the Intacct keys mapsync derives from them.

A 15-character Id is case-sensitive: `…dA` and `…da` are two records. The 18-character form
appends a 3-character checksum of the letter case (each 5-character chunk read right to left,
an upper-case letter is a 1 bit, the 5-bit number indexes `ABCDEFGHIJKLMNOPQRSTUVWXYZ012345`),
so two 18-character Ids differ even when compared without case. The API always returns the
18-character form.

A record created in Intacct from Salesforce without a mapped key gets the 18-character Id as
its key: it fits Intacct's 20-character ID fields and survives the case-insensitive comparison
of a unique external-ID field. Earlier versions used `SF-` and the 15-character Id, which two
records may share when case is ignored; `legacy_key` finds those records again.
"""

from __future__ import annotations

from collections.abc import Iterable

_CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

#: Length of the key `new_key` gives (the case-safe Id).
NEW_KEY_LENGTH = 18


def checksum(id15: str) -> str:
    """The 3-character case-safe suffix of a 15-character Id."""
    out = []
    for start in range(0, 15, 5):
        chunk = id15[start : start + 5]
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        out.append(_CHECKSUM[bits])
    return "".join(out)


def to18(value: str) -> str:
    """The 18-character form of a 15- or 18-character Id (other text is returned unchanged)."""
    return value + checksum(value) if len(value) == 15 else value


def new_key(sf_id: str) -> str:
    """The Intacct key of a record created from the Salesforce record `sf_id`."""
    return to18(sf_id)


def legacy_key(sf_id: str) -> str:
    """The key earlier versions gave such a record (`SF-` + the 15-character Id)."""
    return f"SF-{sf_id[:15]}"


def colliding_legacy_keys(keys: Iterable[str]) -> list[str]:
    """Legacy keys (`SF-` + 15 characters) that another key equals when case is ignored."""
    seen: dict[str, list[str]] = {}
    for key in keys:
        if key.startswith("SF-") and len(key) == 18:
            seen.setdefault(key.lower(), []).append(key)
    return sorted(k for group in seen.values() if len(group) > 1 for k in group)
