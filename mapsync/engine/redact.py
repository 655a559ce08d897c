"""Masking secrets in every form a server may echo them back in.

A password typed as `p&ss<w>rd` travels XML-escaped in an Intacct request
(`p&amp;ss&lt;w&gt;rd`), percent-encoded in an OAuth form body (`p%26ss%3Cw%3Erd`) and
JSON-escaped in a JSON body; a server that echoes the request into an error page shows it in
that form. `mask()` replaces every form of every secret, longest first, with `***`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape

MASK = "***"
_PERCENT = re.compile(r"%[0-9A-F]{2}")


def forms(secret: str) -> frozenset[str]:
    """The secret plain, XML-escaped, URL-encoded (both cases, + or %20) and JSON-escaped."""
    xml = escape(secret)
    found = {secret, xml, escape(secret, {'"': "&quot;", "'": "&apos;"}),
             escape(secret, {'"': "&#34;", "'": "&#39;"}),
             json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    for encoded in (quote(secret, safe=""), quote_plus(secret, safe=""), quote(secret)):
        found |= {encoded, _PERCENT.sub(lambda m: m.group().lower(), encoded)}
    return frozenset(f for f in found if f)


@lru_cache(maxsize=64)
def _pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    every = {f for s in secrets if s for f in forms(s)}
    if not every:
        return None
    return re.compile("|".join(re.escape(f) for f in sorted(every, key=len, reverse=True)))


def mask(text: str, secrets: Iterable[str]) -> str:
    """`text` with every form of every secret replaced by `***`."""
    pattern = _pattern(tuple(sorted(set(secrets))))
    return pattern.sub(MASK, text) if pattern is not None else text
