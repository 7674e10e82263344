"""Stream one recording from Zoom into S3: no local disk, bounded memory, SHA-256 and size verified.

The body goes from the HTTP response straight into boto3's transfer manager (multipart above the part size),
through :class:`VerifyingReader`, which hashes and counts every byte and fails the upload *before* it
completes when the byte count is not Zoom's ``file_size``; the transfer manager then aborts the multipart
upload, so neither a partial object nor an incomplete upload is left behind. The SHA-256 is known only at
the end, so it is stored as the object tag ``sha256`` right after the upload completes; a missing tag is
repaired from the object's own bytes by a later run.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zoom_archiver.errors import DownloadError, VerificationError

log = logging.getLogger(__name__)

SHA256_TAG = "sha256"
MIB = 1024 * 1024
MAX_READ = 64 * MIB  # one read of the body at most (a whole part: no re-joining of small pieces)


@dataclass(frozen=True)
class TransferSettings:
    """How objects are written.

    :param part_size: multipart threshold and part size in bytes (memory ≈ part_size × (concurrency + 1)).
    :param max_concurrency: parts uploaded in parallel.
    :param server_side_encryption: ``AES256`` or ``aws:kms`` (``None``: the bucket's default).
    :param sse_kms_key_id: KMS key for ``aws:kms``.
    :param storage_class: e.g. ``STANDARD_IA``, ``GLACIER_IR`` (``None``: the bucket's default).
    """

    part_size: int = 8 * MIB
    max_concurrency: int = 4
    server_side_encryption: str | None = None
    sse_kms_key_id: str | None = None
    storage_class: str | None = None

    def transfer_config_args(self) -> dict[str, Any]:
        return {
            "multipart_threshold": self.part_size,
            "multipart_chunksize": self.part_size,
            "max_concurrency": self.max_concurrency,
            "use_threads": True,
            "preferred_transfer_client": "classic",
        }

    def extra_args(self, content_type: str, metadata: dict[str, str]) -> dict[str, Any]:
        args: dict[str, Any] = {"ContentType": content_type, "Metadata": metadata}
        if self.server_side_encryption:
            args["ServerSideEncryption"] = self.server_side_encryption
        if self.sse_kms_key_id:
            args["SSEKMSKeyId"] = self.sse_kms_key_id
        if self.storage_class:
            args["StorageClass"] = self.storage_class
        return args


class VerifyingReader:
    """A non-seekable file object over a download that hashes, counts and checks the size at EOF.

    ``read(n)`` returns exactly ``n`` bytes until the end (the transfer manager sizes parts from it).
    When the source drops mid-body, ``reopen(offset)`` (if given) resumes it with a Range request; the hash
    still covers every byte once.

    :param stream: object with ``read(n)`` (the HTTP body).
    :param expected_size: Zoom's ``file_size`` or ``None`` when Zoom gave none.
    :param reopen: ``offset -> stream`` continuing at ``offset``, or ``None`` to never resume.
    :param max_resumes: resumes allowed per transfer.
    """

    def __init__(
        self,
        stream: Any,
        expected_size: int | None,
        *,
        reopen: Callable[[int], Any] | None = None,
        max_resumes: int = 3,
    ) -> None:
        self._stream = stream
        self.expected_size = expected_size
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
            if self.expected_size is not None and self.bytes_read > self.expected_size:
                raise VerificationError(
                    f"Zoom sent more than the announced {self.expected_size} bytes; not storing a wrong file"
                )
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        self._sha.update(data)
        return data

    def _read_some(self, amount: int) -> bytes:
        while True:
            try:
                return self._stream.read(amount)
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


def sha256_of_object(s3_client: Any, bucket: str, key: str, *, version_id: str | None = None) -> tuple[str, int]:
    """Hash an object's bytes by streaming them from S3 (used to repair a missing ``sha256`` tag)."""
    kwargs = {"VersionId": version_id} if version_id else {}
    body = s3_client.get_object(Bucket=bucket, Key=key, **kwargs)["Body"]
    sha, total = hashlib.sha256(), 0
    for chunk in iter(lambda: body.read(MIB), b""):
        sha.update(chunk)
        total += len(chunk)
    return sha.hexdigest(), total


def get_sha256_tag(s3_client: Any, bucket: str, key: str) -> str | None:
    tags = s3_client.get_object_tagging(Bucket=bucket, Key=key).get("TagSet", [])
    return next((t["Value"] for t in tags if t.get("Key") == SHA256_TAG), None)


def put_sha256_tag(s3_client: Any, bucket: str, key: str, sha256: str, *, version_id: str | None = None) -> None:
    """Set the ``sha256`` tag, keeping any other tags the bucket owner added."""
    kwargs = {"VersionId": version_id} if version_id else {}
    tags = [
        t for t in s3_client.get_object_tagging(Bucket=bucket, Key=key, **kwargs).get("TagSet", [])
        if t.get("Key") != SHA256_TAG
    ]  # fmt: skip
    tags.append({"Key": SHA256_TAG, "Value": sha256})
    s3_client.put_object_tagging(Bucket=bucket, Key=key, Tagging={"TagSet": tags}, **kwargs)
