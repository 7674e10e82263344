"""The reader a transfer streams from (zoom_archiver.archive.verifying_reader): exact reads, hash, size checks,
resumes."""

from __future__ import annotations

import hashlib
import io

import pytest
from urllib3.exceptions import ProtocolError

from zoom_archiver.archive.verifying_reader import VerifyingReader
from zoom_archiver.errors import DownloadError, VerificationError
from zoom_archiver.settings import MIB, TransferSettings

DATA = bytes(range(256)) * 1000  # 256 000 bytes


class Trickle(io.RawIOBase):
    """A body that returns at most ``chunk`` bytes per read, like a socket."""

    def __init__(self, data: bytes, chunk: int = 7) -> None:
        self._data = io.BytesIO(data)
        self._chunk = chunk

    def read(self, size: int = -1) -> bytes:
        size = self._chunk if size is None or size < 0 else min(size, self._chunk)
        return self._data.read(size)


class Dropping:
    """A body that breaks (like urllib3's IncompleteRead) once ``drop_after`` bytes were read."""

    def __init__(self, data: bytes, drop_after: int, exc: Exception | None = None) -> None:
        self._data = io.BytesIO(data[:drop_after])
        self._exc = exc or ProtocolError("Connection broken: IncompleteRead")

    def read(self, size: int = -1) -> bytes:
        chunk = self._data.read(size)
        if not chunk:
            raise self._exc
        return chunk


def read_all(reader: VerifyingReader, size: int = 64 * 1024) -> bytes:
    out = []
    while chunk := reader.read(size):
        out.append(chunk)
    return b"".join(out)


class TestVerifyingReader:
    def test_reads_exact_sizes_from_a_trickling_body(self):
        reader = VerifyingReader(Trickle(DATA), len(DATA))
        first = reader.read(1000)
        assert len(first) == 1000  # s3transfer sizes its parts from read(n)
        rest = read_all(reader, 4096)
        assert first + rest == DATA
        assert reader.bytes_read == len(DATA)
        assert reader.sha256 == hashlib.sha256(DATA).hexdigest()
        assert reader.read(10) == b""

    def test_read_all_at_once(self):
        reader = VerifyingReader(io.BytesIO(DATA), len(DATA))
        assert reader.read() == DATA
        assert reader.sha256 == hashlib.sha256(DATA).hexdigest()

    def test_unknown_size_is_accepted(self):
        reader = VerifyingReader(io.BytesIO(DATA), None)
        assert read_all(reader) == DATA
        assert reader.sha256 == hashlib.sha256(DATA).hexdigest()

    def test_empty_file(self):
        reader = VerifyingReader(io.BytesIO(b""), 0)
        assert reader.read(10) == b""
        assert reader.sha256 == hashlib.sha256(b"").hexdigest()

    def test_file_object_protocol(self):
        reader = VerifyingReader(io.BytesIO(DATA), len(DATA))
        assert reader.readable()
        assert not reader.seekable()

    def test_shorter_than_announced(self):
        reader = VerifyingReader(io.BytesIO(DATA[:-1]), len(DATA))
        with pytest.raises(VerificationError, match="size mismatch"):
            read_all(reader)

    def test_longer_than_announced(self):
        reader = VerifyingReader(io.BytesIO(DATA + b"x"), len(DATA))
        with pytest.raises(VerificationError, match="more than"):
            read_all(reader)

    def test_zoom_error_json_instead_of_a_recording(self):
        body = b'{"status":false,"errorCode":124,"errorMessage":"Forbidden"}'
        reader = VerifyingReader(io.BytesIO(body), 342924)
        with pytest.raises(VerificationError):
            read_all(reader)

    def test_sha256_unknown_before_the_end(self):
        reader = VerifyingReader(io.BytesIO(DATA), len(DATA))
        reader.read(10)
        with pytest.raises(VerificationError):
            _ = reader.sha256

    def test_resumes_from_the_offset(self):
        offsets = []

        def reopen(offset: int):
            offsets.append(offset)
            return io.BytesIO(DATA[offset:])

        reader = VerifyingReader(Dropping(DATA, 100_000), len(DATA), reopen=reopen)
        assert read_all(reader, 30_000) == DATA
        assert offsets == [100_000]
        assert reader.resumes == 1
        assert reader.sha256 == hashlib.sha256(DATA).hexdigest()

    def test_resumes_are_bounded(self):
        reopens = []

        def reopen(offset: int):
            reopens.append(offset)
            return Dropping(DATA[offset:], 10)

        reader = VerifyingReader(Dropping(DATA, 10), len(DATA), reopen=reopen, max_resumes=3)
        with pytest.raises(DownloadError, match="dropped after 40 bytes") as info:
            read_all(reader, 1000)
        assert reopens == [10, 20, 30]
        assert info.value.retryable

    def test_no_reopen_means_a_retryable_download_error(self):
        reader = VerifyingReader(Dropping(DATA, 50, ProtocolError("broken https://cdn/x?Signature=abc")), len(DATA))
        with pytest.raises(DownloadError) as info:
            read_all(reader)
        assert info.value.retryable
        assert "Signature" not in str(info.value)


class TestUnknownSize:
    def test_up_to_the_maximum_is_accepted(self):
        reader = VerifyingReader(Trickle(DATA, 4096), None, max_size=len(DATA))
        assert read_all(reader) == DATA

    def test_above_the_maximum_is_refused(self):
        reader = VerifyingReader(Trickle(DATA, 4096), None, max_size=len(DATA) - 1)
        with pytest.raises(VerificationError, match="zoom_archive_max_unknown_size_mib"):
            read_all(reader)

    def test_the_maximum_is_for_unknown_sizes_only(self):
        reader = VerifyingReader(io.BytesIO(DATA), len(DATA), max_size=10)
        assert read_all(reader) == DATA

    def test_default_maximum(self):
        assert TransferSettings().max_unknown_size == 2048 * MIB


def test_an_empty_body_is_refused_only_when_asked():
    assert VerifyingReader(io.BytesIO(b""), None).read(10) == b""
    with pytest.raises(VerificationError, match="empty body"):
        VerifyingReader(io.BytesIO(b""), None, refuse_empty=True).read(10)
    assert VerifyingReader(io.BytesIO(b"x"), None, refuse_empty=True).read(10) == b"x"
