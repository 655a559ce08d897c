"""The position of an incremental read, shared by the connectors and the state store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Watermark:
    """Position of an incremental read: last modified time plus record id tie-break."""

    modified: dt.datetime | None = None
    record_id: str | None = None
