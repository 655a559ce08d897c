"""The position of an incremental read, shared by the connectors and the state store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Watermark:
    """Position of an incremental read: last modified time plus record id tie-break."""

    modified: dt.datetime | None = None
    record_id: str | None = None
    # True once every record stamped at or before `modified` has been read for good (the
    # overlap window below it was read late enough): reads then start strictly after it,
    # so a quiet org reads no record at all (not even the watermark's own second again).
    exclusive: bool = False
