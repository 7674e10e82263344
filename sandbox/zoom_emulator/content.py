"""Deterministic recording bytes, derived from a file's content key.

Every file the emulator serves is a pure function of ``(file_id, size)``:

* a pseudo-random block of ``BLOCK_SIZE`` (1 MiB) bytes is derived from the id with SHAKE-256
  (an extendable-output hash, so a shorter block is a prefix of the full one);
* the file is that block repeated, except that the first 8 bytes of every block hold the block index
  as a big-endian integer, so reordering, duplicating or dropping blocks changes the hash.

Nothing here materialises a whole file: generators yield at most one block at a time, so an 8 GiB file
streams with flat memory. Throughput is bounded by ``memcpy`` (well above 1 GB/s).

``file_id`` is the emulator's *content key*: the Zoom file ``id`` when the file has one, otherwise the
``file_key`` that ``/_emulator/files`` reports for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import lru_cache

BLOCK_SIZE = 1 << 20
_INDEX_BYTES = 8
_SMALL = 64 << 10


def _derive(file_id: str, length: int) -> bytes:
    """Return the first ``length`` bytes of the pseudo-random block body for ``file_id``."""
    return hashlib.shake_256(b"zoom-emulator/v1:" + file_id.encode("utf-8")).digest(length)


@lru_cache(maxsize=32)
def _full_block(file_id: str) -> bytes:
    """Cache the full 1 MiB block body of recently served files."""
    return _derive(file_id, BLOCK_SIZE)


def _body(file_id: str, length: int) -> bytes:
    """Return at least ``length`` bytes of the block body (small prefixes are not cached)."""
    if length <= _SMALL:
        return _derive(file_id, length)
    return _full_block(file_id)


def _block_slice(file_id: str, index: int, lo: int, hi: int) -> bytes:
    """Bytes ``[lo, hi)`` of block number ``index`` (offsets inside the block)."""
    head = index.to_bytes(_INDEX_BYTES, "big")
    if hi <= _INDEX_BYTES:
        return head[lo:hi]
    body = memoryview(_body(file_id, hi))
    if lo >= _INDEX_BYTES:
        return bytes(body[lo:hi])
    return b"".join((head[lo:], body[_INDEX_BYTES:hi]))


def iter_file_range(file_id: str, size: int, start: int, end: int) -> Iterator[bytes]:
    """Yield bytes ``[start, end)`` of the file, one piece per 1 MiB block (end is exclusive)."""
    start = max(0, start)
    end = min(size, end)
    pos = start
    while pos < end:
        index, lo = divmod(pos, BLOCK_SIZE)
        hi = min(BLOCK_SIZE, lo + (end - pos))
        yield _block_slice(file_id, index, lo, hi)
        pos += hi - lo


def file_bytes_range(file_id: str, size: int, start: int, end: int) -> bytes:
    """Return bytes ``[start, end)`` of the file (``end`` exclusive, clipped to ``size``)."""
    return b"".join(iter_file_range(file_id, size, start, end))


def iter_file_bytes(file_id: str, size: int, chunk: int = BLOCK_SIZE) -> Iterator[bytes]:
    """Yield the whole file in pieces of ``chunk`` bytes (the last one may be shorter)."""
    if chunk <= 0:
        raise ValueError("chunk must be positive")
    if chunk == BLOCK_SIZE:
        yield from iter_file_range(file_id, size, 0, size)
        return
    for pos in range(0, size, chunk):
        yield file_bytes_range(file_id, size, pos, min(size, pos + chunk))


def iter_chunked_range(file_id: str, size: int, start: int, end: int, chunk: int) -> Iterator[bytes]:
    """Yield bytes ``[start, end)`` in pieces of at most ``chunk`` bytes (used for throttled streams)."""
    if chunk >= BLOCK_SIZE:
        yield from iter_file_range(file_id, size, start, end)
        return
    for pos in range(start, min(end, size), chunk):
        yield file_bytes_range(file_id, size, pos, min(end, pos + chunk))


@lru_cache(maxsize=65536)
def expected_sha256(file_id: str, size: int) -> str:
    """Hex SHA-256 of the file's bytes (cached)."""
    digest = hashlib.sha256()
    for piece in iter_file_range(file_id, size, 0, size):
        digest.update(piece)
    return digest.hexdigest()
