"""Archive one planned file: skip it if S3 already has it, else stream, verify and tag it."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import tenacity

from zoom_archiver.errors import VerificationError
from zoom_archiver.redaction import describe_exception
from zoom_archiver.retries import RETRIES
from zoom_archiver.s3 import ArchiveBucket
from zoom_archiver.settings import TransferSettings
from zoom_archiver.transfer import Downloader, stream_to_s3

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    from zoom_archiver.planning import PlannedFile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArchiveResult:
    """What happened to one file (returned as the mapped task's XCom; no secrets in it)."""

    file_id: str
    key: str
    start_date: str
    outcome: str  # "archived" | "already_archived" | "tag_repaired"
    size: int
    sha256: str
    resumes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def existing_copy(bucket: ArchiveBucket, planned: PlannedFile) -> ArchiveResult | None:
    """The archived copy of ``planned`` when S3 already holds it (same ``zoom-file-id`` and size).

    A copy whose ``sha256`` tag is missing (the run that wrote it stopped before tagging) is hashed from its stored
    bytes and tagged, without downloading it again. Raises :class:`~zoom_archiver.errors.KeyConflict` when the key
    holds another Zoom file.
    """
    found = bucket.head_own(planned)
    if found is None:
        return None
    size = found["ContentLength"]
    if not bucket.holds(found, planned.file_id, planned.file_size):
        log.warning("Archived copy has %d bytes, Zoom now says %s: archiving again", size, planned.file_size)
        return None
    result = ArchiveResult(planned.file_id, planned.key, planned.start_date, "already_archived", size, "")
    sha = bucket.sha256_tag(planned.key)
    if sha:
        return _with(result, sha256=sha)
    version = found.get("VersionId")
    sha, counted = bucket.sha256_of_object(planned.key, version_id=version)
    if counted != size:
        raise VerificationError(f"{bucket.url(planned.key)} read back {counted} of {size} bytes")
    bucket.put_sha256_tag(planned.key, sha, version_id=version)
    log.info("Repaired the missing sha256 tag of %s", planned.key)
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
        an object without our metadata, is still refused with :class:`~zoom_archiver.errors.KeyConflict`).
    :param attempts: in-task attempts for transient download/upload failures (Airflow retries come on top).
    """
    archive = ArchiveBucket(s3_hook.get_conn(), bucket)
    if force:
        archive.head_own(planned)  # raises KeyConflict when the key holds another file
    else:
        found = existing_copy(archive, planned)
        if found is not None:
            log.info("Already archived: %s (%s)", archive.url(planned.key), found.outcome)
            return found
    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(lambda e: getattr(e, "retryable", False)),
        wait=tenacity.wait_exponential_jitter(multiplier=1, max=20),
        stop=tenacity.stop_after_attempt(attempts),
        before_sleep=_log_retry,
        reraise=True,
    )
    # a new key is written only if still absent: a run archiving the same file at the same moment gets a 412, and
    # the stored copy (same file id, size and sha256) is then taken as this run's (see transfer._landed_despite)
    absent = not force and archive.head(planned.key) is None
    with archive.only_if_absent(planned.key) if absent else contextlib.nullcontext():
        done = retrying(stream_to_s3, planned, zoom, s3_hook, archive, settings)
    return ArchiveResult(
        planned.file_id, planned.key, planned.start_date, "archived", done.size, done.sha256, done.resumes
    )


def _log_retry(state: tenacity.RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.warning("Attempt %d failed: %s; retrying", state.attempt_number, describe_exception(error) if error else "?")
