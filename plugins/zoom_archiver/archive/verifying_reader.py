"""The reader a transfer streams from: a download that hashes and counts every byte and checks its size.

boto3's transfer manager reads the body through :class:`VerifyingReader` in part-sized reads; a byte count other
than Zoom's ``file_size`` fails the upload *before* it completes, and a body that drops mid-way is resumed at its
offset, so the SHA-256 still covers every byte once.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any, cast

from zoom_archiver.errors import DownloadError, VerificationError
from zoom_archiver.retries import RETRIES
from zoom_archiver.settings import MIB

log = logging.getLogger(__name__)

MAX_READ = 64 * MIB  # one read of the body at most (a whole part: no re-joining of small pieces)


class VerifyingReader:
    """A non-seekable file object over a download that hashes, counts and checks the size at EOF.

    ``read(n)`` returns exactly ``n`` bytes until the end (the transfer manager sizes parts from it).
    When the source drops mid-body, ``reopen(offset)`` (if given) resumes it with a Range request; the hash
    still covers every byte once.

    :param stream: object with ``read(n)`` (the HTTP body).
    :param expected_size: Zoom's ``file_size`` (else the download's ``Content-Length``), ``None`` when unknown.
    :param reopen: ``offset -> stream`` continuing at ``offset``, or ``None`` to never resume.
    :param max_resumes: resumes allowed per transfer.
    :param max_size: with no ``expected_size``, the most bytes accepted (``None``: no limit).
    :param refuse_empty: an empty body fails (Zoom gave no size: zero bytes is never a recording, whatever the
        download's ``Content-Length`` says).
    """

    def __init__(
        self,
        stream: Any,
        expected_size: int | None,
        *,
        reopen: Callable[[int], Any] | None = None,
        max_resumes: int = RETRIES.download_resumes,
        max_size: int | None = None,
        refuse_empty: bool = False,
    ) -> None:
        self._stream = stream
        self.expected_size = expected_size
        self.max_size = max_size
        self.refuse_empty = refuse_empty
        self._reopen = reopen
        self._resumes_left = max_resumes
        self.resumes = 0
        self.bytes_read = 0
        self._sha = hashlib.sha256()
        self._eof = False

    # file-object protocol expected by s3transfer
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: int = -1) -> bytes:
        if self._eof:
            return b""
        want = size if size is not None and size >= 0 else 1 << 62
        chunks: list[bytes] = []
        got = 0
        while got < want:
            chunk = self._read_some(min(want - got, MAX_READ))
            if not chunk:
                self._finish()
                break
            chunks.append(chunk)
            got += len(chunk)
            self.bytes_read += len(chunk)
            self._check_overrun()
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        self._sha.update(data)
        return data

    def _check_overrun(self) -> None:
        if self.expected_size is not None and self.bytes_read > self.expected_size:
            raise VerificationError(
                f"Zoom sent more than the announced {self.expected_size} bytes; not storing a wrong file"
            )
        if self.expected_size is None and self.max_size is not None and self.bytes_read > self.max_size:
            raise VerificationError(
                f"neither Zoom nor the download gave the file's size and it is larger than {self.max_size} bytes "
                "(Variable zoom_archive_max_unknown_size_mib); nothing was stored"
            )

    def _read_some(self, amount: int) -> bytes:
        while True:
            try:
                return cast(bytes, self._stream.read(amount))
            except Exception as exc:  # urllib3 ProtocolError / IncompleteRead / timeouts: the body dropped
                if self._reopen is None or self._resumes_left <= 0 or isinstance(exc, VerificationError):
                    raise DownloadError(
                        f"download dropped after {self.bytes_read} bytes ({type(exc).__name__})",
                        retryable=True,
                    ) from None
                self._resumes_left -= 1
                self.resumes += 1
                log.warning("Download dropped after %d bytes (%s); resuming", self.bytes_read, type(exc).__name__)
                self._stream = self._reopen(self.bytes_read)

    def _finish(self) -> None:
        self._eof = True
        if self.refuse_empty and self.bytes_read == 0:
            raise VerificationError("Zoom gave no size and the download delivered an empty body; nothing was stored")
        if self.expected_size is not None and self.bytes_read != self.expected_size:
            raise VerificationError(
                f"size mismatch: Zoom announced {self.expected_size} bytes, the download delivered "
                f"{self.bytes_read}; nothing was stored"
            )

    @property
    def sha256(self) -> str:
        if not self._eof:
            raise VerificationError("the download has not been read to its end")
        return self._sha.hexdigest()
