"""Archive one planned file: skip it if S3 already has it, else stream, verify and tag it."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import tenacity
from botocore.exceptions import BotoCoreError, ClientError

from zoom_archiver.download import OpenedDownload
from zoom_archiver.errors import DownloadError, KeyConflict, VerificationError, ZoomArchiverError
from zoom_archiver.housekeeping import abort_uploads_of_key
from zoom_archiver.planning import PlannedFile
from zoom_archiver.redaction import describe_exception
from zoom_archiver.transfer import (
    TransferSettings,
    VerifyingReader,
    get_sha256_tag,
    put_sha256_tag,
    sha256_of_object,
)

log = logging.getLogger(__name__)


class Downloader(Protocol):
    def open_download(self, url: str, *, range_start: int = 0) -> OpenedDownload: ...


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


#: S3 allows 2 KB of user metadata in total; no single value of ours needs more than this.
MAX_METADATA_VALUE = 256


def metadata_value(value: str) -> str:
    """``value`` as a safe HTTP header value: printable ASCII only (anything else becomes ``?``), bounded."""
    return "".join(ch if " " <= ch <= "~" else "?" for ch in value[:MAX_METADATA_VALUE])


def object_metadata(planned: PlannedFile) -> dict[str, str]:
    """User metadata of an archived object (printable ASCII only, as S3 and HTTP headers require)."""
    meta = {
        "zoom-file-id": planned.file_id,
        "zoom-meeting-uuid": planned.meeting_uuid,
        "zoom-meeting-id": planned.meeting_id,
        "zoom-recording-type": planned.recording_type,
        "zoom-file-type": planned.file_type,
        "zoom-start-time": planned.start_time,
        "zoom-host-id": planned.host_id,
    }
    if planned.file_size is not None:
        meta["zoom-file-size"] = str(planned.file_size)
    return {k: metadata_value(v) for k, v in meta.items() if v}


def s3_hook_for(planned: PlannedFile, transfer: TransferSettings, aws_conn_id: str) -> Any:
    """The ``S3Hook`` that writes ``planned``: its metadata and content type, our transfer settings.

    Parts held in memory at once are bounded by the concurrency, never by the file's size.
    """
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    hook = S3Hook(
        aws_conn_id=aws_conn_id,
        transfer_config_args=transfer.transfer_config_args(),
        extra_args=transfer.extra_args(planned.content_type, object_metadata(planned)),
    )
    hook.transfer_config.max_in_memory_upload_chunks = transfer.max_concurrency + 1
    return hook


def head(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    try:
        return s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def existing_copy(s3: Any, bucket: str, planned: PlannedFile) -> ArchiveResult | None:
    """The archived copy of ``planned`` when S3 already holds it (same ``zoom-file-id`` and size)."""
    found = head(s3, bucket, planned.key)
    if found is None:
        return None
    stored_id = found.get("Metadata", {}).get("zoom-file-id")
    if stored_id != metadata_value(planned.file_id):
        raise KeyConflict(
            f"s3://{bucket}/{planned.key} holds another file (zoom-file-id={stored_id!r}); refusing to overwrite it"
        )
    size = found["ContentLength"]
    if planned.file_size is not None and size != planned.file_size:
        log.warning("Archived copy has %d bytes, Zoom now says %d: archiving again", size, planned.file_size)
        return None
    sha = get_sha256_tag(s3, bucket, planned.key)
    if sha:
        return ArchiveResult(planned.file_id, planned.key, planned.start_date, "already_archived", size, sha)
    # The run that wrote it stopped before tagging: hash the stored bytes (no new download) and tag.
    sha, counted = sha256_of_object(s3, bucket, planned.key, version_id=found.get("VersionId"))
    if counted != size:
        raise VerificationError(f"s3://{bucket}/{planned.key} read back {counted} of {size} bytes")
    put_sha256_tag(s3, bucket, planned.key, sha, version_id=found.get("VersionId"))
    log.info("Repaired the missing sha256 tag of %s", planned.key)
    return ArchiveResult(planned.file_id, planned.key, planned.start_date, "tag_repaired", size, sha)


def archive_file(
    planned: PlannedFile,
    *,
    zoom: Downloader,
    s3_hook: Any,
    bucket: str,
    settings: TransferSettings,
    force: bool = False,
    attempts: int = 3,
) -> ArchiveResult:
    """Make sure ``planned`` is in S3, byte for byte, exactly once.

    :param zoom: opens downloads (a :class:`~zoom_archiver.hooks.zoom.ZoomHook`).
    :param s3_hook: an ``S3Hook`` built with ``settings.transfer_config_args()``.
    :param force: re-archive even when S3 already has the file.
    :param attempts: in-task attempts for transient download/upload failures (Airflow retries come on top).
    """
    s3 = s3_hook.get_conn()
    if not force:
        found = existing_copy(s3, bucket, planned)
        if found is not None:
            log.info("Already archived: s3://%s/%s (%s)", bucket, planned.key, found.outcome)
            return found
    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(lambda e: getattr(e, "retryable", False)),
        wait=tenacity.wait_exponential_jitter(initial=1, max=20),
        stop=tenacity.stop_after_attempt(attempts),
        before_sleep=lambda rs: log.warning(
            "Attempt %d failed: %s; retrying", rs.attempt_number, describe_exception(rs.outcome.exception())
        ),
        reraise=True,
    )
    return retrying(_transfer, planned, zoom, s3_hook, s3, bucket, settings)


def _transfer(
    planned: PlannedFile, zoom: Downloader, s3_hook: Any, s3: Any, bucket: str, settings: TransferSettings
) -> ArchiveResult:
    download = zoom.open_download(planned.download_url)

    def reopen(offset: int) -> Any:
        nonlocal download
        download.close()
        download = zoom.open_download(planned.download_url, range_start=offset)
        content_range = download.response.headers.get("Content-Range", "")
        if download.response.status_code != 206 or not content_range.startswith(f"bytes {offset}-"):
            raise DownloadError("the CDN cannot resume this download (no Range support)", retryable=True)
        return download.stream

    reader = VerifyingReader(download.stream, planned.file_size, reopen=reopen)
    try:
        s3_hook.load_file_obj(reader, key=planned.key, bucket_name=bucket, replace=True)
    except Exception as exc:
        error = _archiver_error(exc)
        if not _landed_despite(error, s3, bucket, planned, reader):
            # The transfer manager aborts its multipart upload on failure; make sure (an abort can fail too).
            abort_uploads_of_key(s3, bucket, planned.key)
            raise error from None
    finally:
        download.close()
    sha = reader.sha256
    stored = head(s3, bucket, planned.key)
    if stored is None or stored["ContentLength"] != reader.bytes_read:
        raise VerificationError(f"s3://{bucket}/{planned.key} is not the {reader.bytes_read} bytes just written")
    put_sha256_tag(s3, bucket, planned.key, sha, version_id=stored.get("VersionId"))
    log.info(
        "Archived %s (%d bytes, sha256 %s%s) to s3://%s/%s",
        planned.file_type or "file", reader.bytes_read, sha, f", {reader.resumes} resumes" if reader.resumes else "",
        bucket, planned.key,
    )  # fmt: skip
    return ArchiveResult(planned.file_id, planned.key, planned.start_date, "archived", reader.bytes_read, sha,
                         reader.resumes)  # fmt: skip


def _archiver_error(exc: BaseException) -> ZoomArchiverError:
    """The error to report for a failed transfer: ours when one caused it, else a retryable upload failure."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, ZoomArchiverError):
        cause = cause.__context__
    if isinstance(cause, ZoomArchiverError):
        return cause
    return DownloadError(f"upload to S3 failed: {describe_exception(exc)}", retryable=True)


def _landed_despite(
    error: ZoomArchiverError, s3: Any, bucket: str, planned: PlannedFile, reader: VerifyingReader
) -> bool:
    """True when S3 applied the upload although its answer was lost (a dropped connection after the write).

    Only possible once every byte was read and verified; then the stored object must have our file id, our size
    and, read back, our SHA-256. Storing it again would only add a second version of the same bytes.
    """
    if isinstance(error, VerificationError):
        return False
    try:
        sha = reader.sha256
    except VerificationError:
        return False  # the download did not reach its end: nothing complete can have been stored
    if planned.file_size is not None and reader.bytes_read != planned.file_size:
        return False
    try:
        found = head(s3, bucket, planned.key)
        if found is None or found.get("ContentLength") != reader.bytes_read:
            return False
        if found.get("Metadata", {}).get("zoom-file-id") != metadata_value(planned.file_id):
            return False
        stored_sha, counted = sha256_of_object(s3, bucket, planned.key, version_id=found.get("VersionId"))
    except (ClientError, BotoCoreError) as exc:
        log.warning("Could not check whether the failed upload landed anyway: %s", describe_exception(exc))
        return False
    if stored_sha != sha or counted != reader.bytes_read:
        return False
    log.warning(
        "The upload of s3://%s/%s failed (%s) but S3 had applied it: the stored bytes have the expected sha256, "
        "so it is not uploaded again", bucket, planned.key, error,
    )  # fmt: skip
    return True
