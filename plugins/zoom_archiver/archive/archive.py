"""Archive one planned file: skip it if S3 already has it, else stream, verify and tag it."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

import tenacity
from botocore.exceptions import ClientError

from zoom_archiver.archive.transfer import Downloader, stream_to_s3
from zoom_archiver.errors import VerificationError
from zoom_archiver.model import ArchiveResult, Outcome
from zoom_archiver.redaction import describe_exception
from zoom_archiver.retries import RETRIES
from zoom_archiver.s3.bucket import ArchiveBucket
from zoom_archiver.s3.connect import s3_hook_for
from zoom_archiver.s3.metadata import object_metadata, unreadable_class
from zoom_archiver.s3.object_lock import error_code, refuse_locked_overwrite
from zoom_archiver.settings import TransferSettings

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook
    from mypy_boto3_s3.type_defs import HeadObjectOutputTypeDef

    from zoom_archiver.model import PlannedFile

log = logging.getLogger(__name__)


def file_metadata(planned: PlannedFile, run: str = "") -> dict[str, str]:
    """The user metadata of ``planned``'s object (``run``: the writing run, ``<dag id>/<run id>``)."""
    return object_metadata(
        file_id=planned.file_id,
        meeting_uuid=planned.meeting_uuid,
        meeting_id=planned.meeting_id,
        recording_type=planned.recording_type,
        file_type=planned.file_type,
        start_time=planned.start_time,
        host_id=planned.host_id,
        file_size=planned.file_size,
        participant=planned.participant,
        run=run,
    )


def file_hook(planned: PlannedFile, transfer: TransferSettings, aws_conn_id: str, run: str = "") -> S3Hook:
    """The ``S3Hook`` that writes ``planned`` (see :func:`~zoom_archiver.s3.connect.s3_hook_for`)."""
    metadata = file_metadata(planned, run)
    return s3_hook_for(transfer, aws_conn_id, content_type=planned.content_type, metadata=metadata)


def existing_copy(bucket: ArchiveBucket, planned: PlannedFile) -> ArchiveResult | None:
    """The archived copy of ``planned`` when S3 already holds it (same ``zoom-file-id`` and size).

    A copy whose ``sha256`` tag is missing (the run that wrote it stopped before tagging) is hashed from its stored
    bytes and tagged, without downloading it again, unless it is in a storage class that cannot be read without a
    restore (``GLACIER``, ``DEEP_ARCHIVE``, an archive tier of ``INTELLIGENT_TIERING``): then it is reported
    (outcome ``tag_not_repaired``), never read. Raises :class:`~zoom_archiver.errors.KeyConflict` when the key
    holds another Zoom file.
    """
    found = bucket.held_copy(planned.key, planned.file_id, planned.file_size)
    if found is None:
        return None
    size = found["ContentLength"]
    result = ArchiveResult(planned.file_id, planned.key, planned.start_date, Outcome.ALREADY_ARCHIVED, size, "")
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
        return result.but(sha256=sha)
    if cold:
        log.warning(
            "%s has no sha256 tag and is in %s: it cannot be read without a restore, so the tag is not repaired "
            "(reported as tag_not_repaired; restore it, and the next run's check tags it)",
            bucket.url(result.key),
            cold,
        )
        return result.but(outcome=Outcome.TAG_NOT_REPAIRED)
    return _repaired_tag(bucket, found, result)


def _repaired_tag(bucket: ArchiveBucket, found: HeadObjectOutputTypeDef, result: ArchiveResult) -> ArchiveResult:
    """Hash the stored copy's bytes (no new download), check their count and tag the copy with the digest."""
    version = found.get("VersionId")
    sha, counted = bucket.sha256_of_object(result.key, version_id=version)
    if counted != result.size:
        raise VerificationError(f"{bucket.url(result.key)} read back {counted} of {result.size} bytes")
    bucket.put_sha256_tag(result.key, sha, version_id=version)
    log.info("Repaired the missing sha256 tag of %s", result.key)
    return result.but(sha256=sha, outcome=Outcome.TAG_REPAIRED)


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
    :param s3_hook: the ``S3Hook`` that writes the file (:func:`file_hook`).
    :param bucket: the bucket name.
    :param force: re-archive even when S3 already has the file (only our own file: a key holding another file, or
        an object without our metadata, is still refused with :class:`~zoom_archiver.errors.KeyConflict`, and so is
        an object under Object Lock in a bucket without versioning; with versioning the upload is a new version).
    :param attempts: in-task attempts for transient download/upload failures (Airflow retries come on top).
    """
    archive = ArchiveBucket(s3_hook.get_conn(), bucket)
    if force:
        head = archive.head_own(planned.key, planned.file_id)  # KeyConflict when the key holds another file
        if head is not None:  # a locked object is never replaced: a new version, or a refusal
            refuse_locked_overwrite(archive.url(planned.key), head)
    else:
        found = existing_copy(archive, planned)
        if found is not None:
            log.info("Already archived: %s (%s)", archive.url(planned.key), found.outcome)
            return found
    # a new key is written only if still absent: a run archiving the same file at the same moment gets a 412 (or a
    # 409 when both writes meet), and the stored copy (same file id, size and sha256) is then verified and kept:
    # already archived, by that run; a 409 with nothing stored yet is retried
    absent = not force and archive.head(planned.key) is None
    with archive.only_if_absent(planned.key) if absent else contextlib.nullcontext():
        done = _retrying(attempts)(stream_to_s3, planned, zoom, s3_hook, archive, settings)
    outcome = Outcome.ALREADY_ARCHIVED if done.by_another_run else Outcome.ARCHIVED
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
