"""Archive one planned file: skip it if S3 already has it, else stream, verify and tag it."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import tenacity
from botocore.exceptions import ClientError

from zoom_archiver.archive.transfer import Downloader, stream_to_s3
from zoom_archiver.errors import VerificationError
from zoom_archiver.redaction import describe_exception
from zoom_archiver.retries import RETRIES
from zoom_archiver.s3.bucket import ArchiveBucket
from zoom_archiver.s3.metadata import unreadable_class
from zoom_archiver.s3.object_lock import error_code, refuse_locked_overwrite
from zoom_archiver.settings import TransferSettings

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook
    from mypy_boto3_s3.type_defs import HeadObjectOutputTypeDef

    from zoom_archiver.discover.planning import PlannedFile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArchiveResult:
    """What happened to one file (returned as the mapped task's XCom; no secrets in it)."""

    file_id: str
    key: str
    start_date: str
    outcome: str  # "archived" | "already_archived" | "tag_repaired" | "tag_not_repaired" (cold storage class)
    size: int
    sha256: str
    resumes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def existing_copy(bucket: ArchiveBucket, planned: PlannedFile) -> ArchiveResult | None:
    """The archived copy of ``planned`` when S3 already holds it (same ``zoom-file-id`` and size).

    A copy whose ``sha256`` tag is missing (the run that wrote it stopped before tagging) is hashed from its stored
    bytes and tagged, without downloading it again, unless it is in a storage class that cannot be read without a
    restore (``GLACIER``, ``DEEP_ARCHIVE``, an archive tier of ``INTELLIGENT_TIERING``): then it is reported
    (outcome ``tag_not_repaired``), never read. Raises :class:`~zoom_archiver.errors.KeyConflict` when the key
    holds another Zoom file.
    """
    found = bucket.head_own(planned)
    if found is None:
        return None
    size = found["ContentLength"]
    if not bucket.holds(found, planned.file_id, planned.file_size):
        refuse_locked_overwrite(bucket.url(planned.key), found)
        log.warning("Archived copy has %d bytes, Zoom now says %s: archiving again", size, planned.file_size)
        return None
    result = ArchiveResult(planned.file_id, planned.key, planned.start_date, "already_archived", size, "")
    return _with_sha256_tag(bucket, found, result)


def _with_sha256_tag(bucket: ArchiveBucket, found: HeadObjectOutputTypeDef, result: ArchiveResult) -> ArchiveResult:
    """``result`` with the stored copy's ``sha256`` tag; a missing tag is repaired from the stored bytes unless the
    copy is in a storage class that cannot be read without a restore (then outcome ``tag_not_repaired``)."""
    cold = unreadable_class(found)
    try:
        sha = bucket.sha256_tag(result.key)
    except ClientError as exc:
        if not cold or error_code(exc) != "InvalidObjectState":
            raise
        log.info("%s is in %s and its store does not show its tags: archived (id and size match)", result.key, cold)
        return result
    if sha:
        return _with(result, sha256=sha)
    if cold:
        log.warning(
            "%s has no sha256 tag and is in %s: it cannot be read without a restore, so the tag is not repaired "
            "(reported as tag_not_repaired; restore it, and the next run's check tags it)",
            bucket.url(result.key),
            cold,
        )
        return _with(result, outcome="tag_not_repaired")
    return _repaired_tag(bucket, found, result)


def _repaired_tag(bucket: ArchiveBucket, found: HeadObjectOutputTypeDef, result: ArchiveResult) -> ArchiveResult:
    """Hash the stored copy's bytes (no new download), check their count and tag the copy with the digest."""
    version = found.get("VersionId")
    sha, counted = bucket.sha256_of_object(result.key, version_id=version)
    if counted != result.size:
        raise VerificationError(f"{bucket.url(result.key)} read back {counted} of {result.size} bytes")
    bucket.put_sha256_tag(result.key, sha, version_id=version)
    log.info("Repaired the missing sha256 tag of %s", result.key)
    return _with(result, sha256=sha, outcome="tag_repaired")


def _with(result: ArchiveResult, **changes: Any) -> ArchiveResult:
    return ArchiveResult(**{**result.to_dict(), **changes})


def archive_file(
    planned: PlannedFile,
    *,
    zoom: Downloader,
    s3_hook: S3Hook,
    bucket: str,
    settings: TransferSettings,
    force: bool = False,
    attempts: int = RETRIES.transfer_attempts,
) -> ArchiveResult:
    """Make sure ``planned`` is in S3, byte for byte, exactly once.

    :param zoom: opens downloads (a :class:`~zoom_archiver.hooks.zoom.ZoomHook`).
    :param s3_hook: an ``S3Hook`` built with ``settings.transfer_config_args()`` (see ``s3_hook_for``).
    :param bucket: the bucket name.
    :param force: re-archive even when S3 already has the file (only our own file: a key holding another file, or
        an object without our metadata, is still refused with :class:`~zoom_archiver.errors.KeyConflict`, and so is
        an object under Object Lock in a bucket without versioning; with versioning the upload is a new version).
    :param attempts: in-task attempts for transient download/upload failures (Airflow retries come on top).
    """
    archive = ArchiveBucket(s3_hook.get_conn(), bucket)
    if force:
        head = archive.head_own(planned)  # raises KeyConflict when the key holds another file
        if head is not None:  # a locked object is never replaced: a new version, or a refusal
            refuse_locked_overwrite(archive.url(planned.key), head)
    else:
        found = existing_copy(archive, planned)
        if found is not None:
            log.info("Already archived: %s (%s)", archive.url(planned.key), found.outcome)
            return found
    # a new key is written only if still absent: a run archiving the same file at the same moment gets a 412, and
    # the stored copy (same file id, size and sha256) is then verified and kept: already archived, by that run
    absent = not force and archive.head(planned.key) is None
    with archive.only_if_absent(planned.key) if absent else contextlib.nullcontext():
        done = _retrying(attempts)(stream_to_s3, planned, zoom, s3_hook, archive, settings)
    outcome = "already_archived" if done.by_another_run else "archived"
    return ArchiveResult(
        planned.file_id, planned.key, planned.start_date, outcome, done.size, done.sha256, done.resumes
    )


def _retrying(attempts: int) -> tenacity.Retrying:
    """Up to ``attempts`` tries of a transfer, waiting 1-20 s (exponential, with jitter) after a retryable failure."""
    return tenacity.Retrying(
        retry=tenacity.retry_if_exception(lambda e: getattr(e, "retryable", False)),
        wait=tenacity.wait_exponential_jitter(multiplier=1, max=20),
        stop=tenacity.stop_after_attempt(attempts),
        before_sleep=_log_retry,
        reraise=True,
    )


def _log_retry(state: tenacity.RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.warning("Attempt %d failed: %s; retrying", state.attempt_number, describe_exception(error) if error else "?")
