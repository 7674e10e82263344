"""Deterministic file bytes: ranges, block indexes, hashes and generation speed."""

from __future__ import annotations

import hashlib
import time

import pytest

from zoom_emulator.content import BLOCK_SIZE, expected_sha256, file_bytes_range, iter_file_bytes

MIB = 1 << 20


def test_bytes_are_a_pure_function_of_id_and_size() -> None:
    a = b"".join(iter_file_bytes("file-a", 3 * MIB + 17))
    assert a == b"".join(iter_file_bytes("file-a", 3 * MIB + 17))
    assert len(a) == 3 * MIB + 17
    assert a != b"".join(iter_file_bytes("file-b", 3 * MIB + 17))


@pytest.mark.parametrize("chunk", [1, 1000, 65536, BLOCK_SIZE, 3 * BLOCK_SIZE])
def test_chunking_does_not_change_the_bytes(chunk: int) -> None:
    size = 2 * MIB + 5 if chunk > 1 else 3000
    whole = file_bytes_range("chunky", size, 0, size)
    pieces = list(iter_file_bytes("chunky", size, chunk))
    assert b"".join(pieces) == whole
    assert all(len(p) == chunk for p in pieces[:-1])


def test_every_block_starts_with_its_big_endian_index() -> None:
    data = file_bytes_range("indexed", 3 * MIB, 0, 3 * MIB)
    for index in range(3):
        assert data[index * MIB : index * MIB + 8] == index.to_bytes(8, "big")
    # Apart from the index, every block carries the same pseudo-random body.
    assert data[8:MIB] == data[MIB + 8 : 2 * MIB]


@pytest.mark.parametrize(("start", "end"), [(0, 1), (5, 12), (MIB - 3, MIB + 20), (2 * MIB, 2 * MIB + 100)])
def test_ranges_are_slices_of_the_whole(start: int, end: int) -> None:
    size = 2 * MIB + 100
    whole = file_bytes_range("ranged", size, 0, size)
    assert file_bytes_range("ranged", size, start, end) == whole[start:end]


def test_small_files_are_prefixes_of_larger_ones() -> None:
    assert file_bytes_range("same", 100, 0, 100) == file_bytes_range("same", MIB, 0, 100)


def test_expected_sha256_matches_the_bytes() -> None:
    size = MIB + 123
    digest = hashlib.sha256(b"".join(iter_file_bytes("hashed", size))).hexdigest()
    assert expected_sha256("hashed", size) == digest
    assert expected_sha256("hashed", size - 1) != digest
    assert expected_sha256("empty", 0) == hashlib.sha256(b"").hexdigest()


def test_generation_is_fast() -> None:
    size = 256 * MIB
    started = time.perf_counter()
    total = sum(len(piece) for piece in iter_file_bytes("fast", size))
    elapsed = time.perf_counter() - started
    assert total == size
    # Typically several GB/s; a loose floor keeps slow CI machines green.
    assert size / elapsed > 300 * MIB
