"""The deep check: an archived object's stored bytes, read back and hashed now, against its ``sha256`` tag.

:func:`verify_object` proves one object (what a deletion in Zoom must wait for); :func:`verify_targets` checks many
in parallel with progress in the log. Memory is bounded: each object is streamed in 1 MiB chunks (see
:meth:`~zoom_archiver.s3.bucket.ArchiveBucket.sha256_of_object`), one chunk per worker. Objects in an archive
storage class (``GLACIER``, ``DEEP_ARCHIVE``, Intelligent-Tiering's archive tiers) cannot be read before a restore:
they are reported as :data:`NOT_READABLE`, never an error.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from zoom_archiver.parallel import parallel_map
from zoom_archiver.s3.metadata import unreadable_reason

if TYPE_CHECKING:
    from zoom_archiver.s3.bucket import ArchiveBucket

log = logging.getLogger(__name__)

MATCH = "match"
MISMATCH = "mismatch"
NO_TAG = "no_tag"
MISSING = "missing"
NOT_READABLE = "not_readable"
ERROR = "error"
#: Objects hashed at once by :func:`verify_targets` (each holds one 1 MiB chunk in memory).
DEEP_WORKERS = 4
#: Seconds between two progress lines of :func:`verify_targets` (one more every tenth of the objects).
PROGRESS_SECONDS = 15.0


@dataclass(frozen=True)
class Target:
    """One object to check: what its HEAD and tag said (``unreadable``: why its bytes cannot be read now)."""

    key: str
    size: int
    expected: str | None
    version_id: str | None = None
    unreadable: str | None = None


@dataclass(frozen=True)
class Verification:
    """The outcome of a deep check of one object (JSON types only; no secrets)."""

    key: str
    outcome: str  # MATCH | MISMATCH | NO_TAG | MISSING | NOT_READABLE | ERROR
    expected: str | None = None
    actual: str | None = None
    size: int | None = None
    version_id: str | None = None
    detail: str = ""

    @property
    def proven(self) -> bool:
        """Whether the stored bytes, read back now, hash to the SHA-256 recorded when they were archived."""
        return self.outcome == MATCH

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def target_from_head(key: str, head: Mapping[str, Any], expected: str | None) -> Target:
    return Target(key, int(head.get("ContentLength", 0)), expected, head.get("VersionId"), unreadable_reason(head))


def verify_object(bucket: ArchiveBucket, key: str) -> Verification:
    """Prove one object: HEAD it, read its ``sha256`` tag, stream its bytes and compare the digests."""
    head = bucket.head(key)
    if head is None:
        return Verification(key, MISSING, detail="no object at the key")
    tag, _ = bucket.read_sha256_tag(key, version_id=head.get("VersionId"))
    return verify_target(bucket, target_from_head(key, head, tag))


def _result(target: Target, outcome: str, detail: str = "", actual: str | None = None) -> Verification:
    return Verification(target.key, outcome, target.expected, actual, target.size, target.version_id, detail)


def verify_target(bucket: ArchiveBucket, target: Target) -> Verification:
    """Hash ``target``'s stored bytes (the version its HEAD showed) and compare with its tag."""
    if target.unreadable:
        return _result(target, NOT_READABLE, target.unreadable)
    if not target.expected:
        return _result(target, NO_TAG, "no sha256 tag")
    try:
        actual, count = bucket.sha256_of_object(target.key, version_id=target.version_id)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code == "InvalidObjectState":
            return _result(target, NOT_READABLE, "S3 refused the read: restore it first")
        outcome = MISSING if code in ("404", "NoSuchKey", "NoSuchVersion") else ERROR
        return _result(target, outcome, f"reading it failed: {code or type(exc).__name__}")
    except BotoCoreError as exc:
        return _result(target, ERROR, f"reading it failed: {type(exc).__name__}")
    if count != target.size:
        return _result(target, MISMATCH, f"read back {count} of {target.size} bytes", actual)
    if actual != target.expected.strip().lower():
        return _result(target, MISMATCH, "the stored bytes do not hash to the sha256 tag", actual)
    return _result(target, MATCH, actual=actual)


class _Progress:
    """Thread-safe progress of a deep check, logged every tenth of the objects or every :data:`PROGRESS_SECONDS`."""

    def __init__(self, total: int, total_bytes: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.total, self.total_bytes, self.clock = total, total_bytes, clock
        self.done = self.bytes = 0
        self.step = max(1, total // 10)
        self.started = self.last = clock()
        self.lock = threading.Lock()

    def add(self, size: int) -> None:
        with self.lock:
            self.done += 1
            self.bytes += size
            now = self.clock()
            if self.done % self.step and self.done != self.total and now - self.last < PROGRESS_SECONDS:
                return
            self.last = now
            log.info(
                "Deep check: %d of %d objects hashed (%.1f of %.1f MiB, %.0f s)",
                self.done,
                self.total,
                self.bytes / 2**20,
                self.total_bytes / 2**20,
                now - self.started,
            )


def verify_targets(
    bucket: ArchiveBucket, targets: Sequence[Target], *, workers: int = DEEP_WORKERS
) -> list[Verification]:
    """Deep-check ``targets`` with ``workers`` threads; results in the order of ``targets``."""
    progress = _Progress(len(targets), sum(t.size for t in targets))

    def one(target: Target) -> Verification:
        result = verify_target(bucket, target)
        progress.add(target.size)
        return result

    if not targets:
        return []
    log.info("Deep check of %d objects (%d threads)", len(targets), workers)
    return parallel_map(one, targets, workers=workers, name="deep-check")
