"""Function controlids derived from the record, so a resent request carries the same ones.

With `uniqueid` on, the gateway refuses to run a function whose controlid already ran. A
controlid that is a digest of (function, object, record) means a retried request, and a
replay of the same record by a later run after a crash, are both recognised as repeats
instead of being applied twice. Identical records within one call get `-2`, `-3`...
suffixes so each function still has its own controlid.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from .values import to_wire

_DIGEST_CHARS = 32


def controlid(function: str, obj: str, payload: Mapping[str, Any] | Any) -> str:
    """`function-OBJECT-<digest>`: the same for the same record, whatever the dict order."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=to_wire)
    digest = hashlib.sha256(f"{function}\0{obj}\0{canonical}".encode()).hexdigest()
    return f"{function}-{obj}-{digest[:_DIGEST_CHARS]}"


def distinct(ids: Iterable[str]) -> list[str]:
    """The ids with repeats suffixed `-2`, `-3`... in order, so every function has its own."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for cid in ids:
        seen[cid] = seen.get(cid, 0) + 1
        out.append(cid if seen[cid] == 1 else f"{cid}-{seen[cid]}")
    return out


def fresh(cid: str) -> str:
    """A new controlid for re-sending a function whose first run's outcome was checked."""
    return f"{cid}~{uuid.uuid4().hex[:12]}"
