"""Content-Encoding undone here, layer by layer and 64 KiB at a time, under a cap.

httpx would decode a whole layer at once; a few KB that inflate to gigabytes (a compression
bomb) must instead stop as soon as the decoded bytes pass the cap.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import httpx

from ._models import FetchFailure

#: at most this many Content-Encoding layers are decoded
MAX_ENCODINGS = 3
CHUNK = 65536


def content_codings(r: httpx.Response) -> list[str]:
    """The Content-Encoding layers to undo, outermost first; unknown ones are refused."""
    codings = [c.strip().lower() for c in r.headers.get("content-encoding", "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if len(codings) > MAX_ENCODINGS:
        raise FetchFailure(f"refused: {len(codings)} layers of Content-Encoding (at most {MAX_ENCODINGS})")
    for c in codings:
        if c not in ("gzip", "x-gzip", "deflate"):
            raise FetchFailure(f"unsupported Content-Encoding {c!r}")
    return codings[::-1]


def capped(chunks: Iterator[bytes], cap: int, what: str) -> Iterator[bytes]:
    """The chunks as they come, failing once more than ``cap`` bytes have passed."""
    n = 0
    for c in chunks:
        n += len(c)
        if n > cap:
            raise FetchFailure(f"{what} too large (over the cap of {cap} bytes)")
        yield c


class _Counter:
    """Decoded bytes so far, against the cap."""

    def __init__(self, cap: int, what: str):
        self.cap, self.what, self.n = cap, what, 0

    def add(self, piece: bytes) -> bytes:
        """Count ``piece`` and hand it back; FetchFailure once past the cap."""
        self.n += len(piece)
        if self.n > self.cap:
            raise FetchFailure(f"{self.what} too large (over the cap of {self.cap} bytes once decompressed)")
        return piece


def _decompressor(coding: str) -> zlib._Decompress:
    return zlib.decompressobj(zlib.MAX_WBITS | 16 if coding != "deflate" else zlib.MAX_WBITS)


def _drain(d: zlib._Decompress, count: _Counter) -> Iterator[bytes]:
    """What ``d`` still holds for input it has consumed, 64 KiB at a time."""
    while True:
        piece = count.add(d.decompress(b"", CHUNK))
        if piece:
            yield piece
        if len(piece) < CHUNK:
            return


def inflate(chunks: Iterator[bytes], coding: str, cap: int, what: str) -> Iterator[bytes]:
    """Undo one gzip/deflate layer incrementally: at most 64 KiB of output per step, and
    stop as soon as the decoded bytes pass ``cap`` (a compression bomb never unfolds)."""
    d = _decompressor(coding)
    first = True
    count = _Counter(cap, what)
    for data in chunks:
        while data:
            try:
                piece = d.decompress(data, CHUNK)
            except zlib.error as e:
                if first and coding == "deflate":  # raw deflate without the zlib wrapper
                    d = zlib.decompressobj(-zlib.MAX_WBITS)
                    first = False
                    continue
                raise FetchFailure(f"bad {coding} data from the server ({e})") from None
            first = False
            data = d.unconsumed_tail
            if count.add(piece):
                yield piece
            if d.eof:
                data = d.unused_data + data  # another gzip member follows
                if not data:
                    break
                d = _decompressor(coding)
            elif not data and len(piece) == CHUNK:
                yield from _drain(d, count)
    tail = count.add(d.flush(CHUNK))
    if tail:
        yield tail
