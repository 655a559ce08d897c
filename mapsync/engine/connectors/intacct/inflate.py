"""Reading a response body within a byte limit and a deadline, decompressing as it streams.

httpx decompresses a whole received chunk before the caller sees it, so a 1 MB gzip bomb
can expand to gigabytes between two size checks. Here the raw (still compressed) bytes are
read and inflated with `max_length`, so no more than the limit plus one block is ever held,
and the clock is checked after every chunk, so a server that trickles a byte at a time
cannot hold a request past its deadline.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator

from mapsync.engine.errors import MapsyncError

BLOCK = 64 * 1024


class BodyTooLarge(MapsyncError):
    """The decoded body passed the byte limit."""


class DeadlinePassed(MapsyncError):
    """The response did not arrive in full before the request's deadline."""


class UnknownEncoding(MapsyncError):
    """The server used a Content-Encoding this client did not offer."""


ACCEPT_ENCODING = "gzip, deflate"


def decoded(raw: Iterable[bytes], encoding: str, limit: int,
            past_deadline: Callable[[], bool]) -> bytes:
    """The body, inflated per `encoding`; raises BodyTooLarge / DeadlinePassed / UnknownEncoding."""
    chunks: list[bytes] = []
    size = 0
    for chunk in _inflate(_timed(raw, past_deadline), encoding.strip().lower()):
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _timed(raw: Iterable[bytes], past_deadline: Callable[[], bool]) -> Iterator[bytes]:
    for chunk in raw:
        if past_deadline():
            raise DeadlinePassed
        yield chunk


def _inflate(raw: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    if encoding in ("", "identity"):
        yield from raw
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise UnknownEncoding(encoding)
    wbits = 16 + zlib.MAX_WBITS if encoding != "deflate" else zlib.MAX_WBITS
    inflater = zlib.decompressobj(wbits)
    try:
        for chunk in raw:
            pending = chunk
            while pending:
                yield inflater.decompress(pending, BLOCK)
                pending = inflater.unconsumed_tail
        yield inflater.flush(BLOCK)
    except zlib.error as exc:
        raise UnknownEncoding(f"{encoding} body cannot be decoded ({exc})") from None
