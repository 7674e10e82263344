"""Stream one recording from Zoom into S3: no local disk, bounded memory, SHA-256 and size verified.

The body goes from the HTTP response straight into boto3's transfer manager (multipart above the part size),
through :class:`~zoom_archiver.archive.verifying_reader.VerifyingReader`, which hashes and counts every byte and fails
the upload *before* it completes when the byte count is not Zoom's ``file_size``; the transfer manager then aborts
the multipart upload, so neither a partial object nor an incomplete upload is left behind. The SHA-256 is known
only at the end, so it is stored as the object tag ``sha256`` right after the upload completes; a missing tag is
repaired from the object's own bytes by a later run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from zoom_archiver.archive.verifying_reader import VerifyingReader
from zoom_archiver.errors import ConfigurationError, DownloadError, VerificationError, ZoomArchiverError
from zoom_archiver.redaction import describe_exception
from zoom_archiver.s3.bucket import ArchiveBucket
from zoom_archiver.s3.errors import (
    is_conditional_conflict,
    is_configuration_error,
    is_lost_write_race,
    stored_size_error,
)
from zoom_archiver.s3.metadata import written_by_another_run
from zoom_archiver.s3.object_lock import ensure_retention
from zoom_archiver.settings import TransferSettings
from zoom_archiver.zoom.download import content_length, content_range, range_validator

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook
    from mypy_boto3_s3.type_defs import HeadObjectOutputTypeDef

    from zoom_archiver.model import PlannedFile
    from zoom_archiver.zoom.download import OpenedDownload

log = logging.getLogger(__name__)


class Downloader(Protocol):
    """What the transfer needs from Zoom (a :class:`~zoom_archiver.hooks.zoom.ZoomHook`); resuming goes through
    :meth:`OpenedDownload.resume <zoom_archiver.zoom.download.OpenedDownload.resume>`."""

    def open_download(self, url: str) -> OpenedDownload: ...


@dataclass(frozen=True)
class Transferred:
    """What one transfer stored: the byte count, their SHA-256 and the resumes it took."""

    size: int
    sha256: str
    resumes: int = 0
    #: another run stored the same file at the key first (S3 refused our ``If-None-Match: *`` write; its bytes
    #: proved the same): that run announces the object, this one does not
    by_another_run: bool = False


class _Source:
    """The download being streamed; :meth:`reopen` resumes it at an offset with a Range request.

    ``expected_size`` is Zoom's ``file_size``, else the ``Content-Length`` of the first (200) answer. A resume sends
    ``If-Range`` with that answer's ETag (or Last-Modified) and must come back as the rest of the same file: a
    206 from the offset whose total is the expected size and whose ETag is unchanged. Anything else fails the
    attempt (retryably): the transfer then starts over instead of storing a mix of two versions.
    """

    def __init__(self, zoom: Downloader, url: str, file_size: int | None) -> None:
        self.download = zoom.open_download(url)
        first = self.download.response
        self.validator = range_validator(first.headers)
        self._etag = first.headers.get("ETag")
        announced = content_length(first.headers) if first.status_code == 200 else None
        self.expected_size = file_size if file_size is not None else announced
        self.size_from_zoom = file_size is not None

    def reader(self, settings: TransferSettings) -> VerifyingReader:
        """The verifying reader of this download, resuming it through :meth:`reopen`."""
        return VerifyingReader(
            self.download.stream,
            self.expected_size,
            reopen=self.reopen,
            max_resumes=settings.max_resumes,
            max_size=settings.max_unknown_size,
            refuse_empty=not self.size_from_zoom,
        )

    def reopen(self, offset: int) -> Any:
        self.download.close()
        self.download = self.download.resume(offset, if_range=self.validator)
        problem = self._resume_problem(offset)
        if problem:
            raise DownloadError(f"cannot resume the download at byte {offset}: {problem}", retryable=True)
        return self.download.stream

    def _resume_problem(self, offset: int) -> str | None:
        response = self.download.response
        if response.status_code != 206:
            return f"HTTP {response.status_code} instead of 206 (the file changed, or the CDN has no Range support)"
        span = content_range(response.headers)
        if span is None or span[0] != offset:
            return "the 206 has no Content-Range from that offset"
        total = span[1]
        if total is not None and self.expected_size is not None and total != self.expected_size:
            return f"the 206 is of a file of {total} bytes, not {self.expected_size} (the file changed)"
        etag = response.headers.get("ETag")
        if self._etag and etag and etag != self._etag:
            return "the 206 has another ETag (the file changed)"
        return None

    def close(self) -> None:
        self.download.close()


def stream_to_s3(
    planned: PlannedFile, zoom: Downloader, s3_hook: S3Hook, bucket: ArchiveBucket, settings: TransferSettings
) -> Transferred:
    """Stream ``planned`` from Zoom into its key, verified; tag it with its SHA-256.

    On failure nothing is left at the key (the transfer manager aborts its multipart upload, and so do we), unless
    S3 applied the upload although its answer was lost and the stored bytes prove it.
    """
    source = _Source(zoom, planned.download_url, planned.file_size)
    reader = source.reader(settings)
    own_uploads: list[str] = []
    refused = False  # S3 answered 412 (or 409) to our If-None-Match write: another write of the key came first
    try:
        with bucket.uploads_created(planned.key, into=own_uploads):
            s3_hook.load_file_obj(reader, key=planned.key, bucket_name=bucket.name, replace=True)
    except Exception as exc:
        error = archiver_error(exc)
        refused = is_lost_write_race(exc)
        if not _landed_despite(error, bucket, planned, reader):
            if own_uploads:  # the transfer manager aborts its upload too, but an abort can fail
                bucket.abort_uploads_of_key(planned.key, own_uploads)
            raise error from None
    finally:
        source.close()
    sha = reader.sha256  # raises when the download did not end verified
    stored = _stored(bucket, planned, reader.bytes_read, settings)
    # by our own write when its answer was lost and botocore's retry got the 412/409: the object names our run
    by_another_run = refused and written_by_another_run(stored, s3_hook.extra_args.get("Metadata") or {})
    bucket.put_sha256_tag(planned.key, sha, version_id=stored.get("VersionId"), fresh=True)
    log.info(
        "%s %s (%d bytes, sha256 %s%s) to %s",
        "Verified the copy another run archived at the same moment:" if by_another_run else "Archived",
        planned.file_type or "file",
        reader.bytes_read,
        sha,
        f", {reader.resumes} resumes" if reader.resumes else "",
        bucket.url(planned.key),
    )
    return Transferred(reader.bytes_read, sha, reader.resumes, by_another_run)


def _stored(
    bucket: ArchiveBucket, planned: PlannedFile, size: int, settings: TransferSettings
) -> HeadObjectOutputTypeDef:
    """The HEAD of what the key holds now: the ``size`` bytes just sent, under the retention asked for."""
    stored = bucket.head(planned.key)
    if stored is None:
        raise VerificationError(f"{bucket.url(planned.key)} is not the {size} bytes just written")
    if stored["ContentLength"] != size:
        raise stored_size_error(bucket.url(planned.key), stored["ContentLength"], size)
    if settings.object_lock is not None:
        ensure_retention(bucket.client, bucket.name, planned.key, stored, settings.object_lock)
    return stored


def archiver_error(exc: BaseException) -> ZoomArchiverError:
    """The error to report for a failed transfer: ours when one caused it; a permanent
    :class:`~zoom_archiver.errors.ConfigurationError` when S3 refused the bucket, the credentials or the KMS key;
    else a retryable upload failure."""
    cause: BaseException | None = exc
    refused: ClientError | None = None
    while cause is not None and not isinstance(cause, ZoomArchiverError):
        if refused is None and isinstance(cause, ClientError) and is_configuration_error(cause):
            refused = cause
        cause = cause.__context__
    if isinstance(cause, ZoomArchiverError):
        return cause
    if is_conditional_conflict(exc):
        return DownloadError(
            "S3 refused the upload (409 ConditionalRequestConflict): another write of the key was under way at the "
            "same moment and is not stored yet",
            retryable=True,
        )
    if refused is not None:
        return ConfigurationError(
            f"S3 refused the upload ({describe_exception(refused)}): check the bucket (Variable zoom_archive_bucket), "
            "the AWS connection's credentials and permissions, and the KMS key (zoom_archive_sse_kms_key_id) and "
            "its key policy"
        )
    return DownloadError(f"upload to S3 failed: {describe_exception(exc)}", retryable=True)


def _landed_despite(
    error: ZoomArchiverError, bucket: ArchiveBucket, planned: PlannedFile, reader: VerifyingReader
) -> bool:
    """True when S3 applied the upload although its answer was lost (a dropped connection after the write), or
    refused it (412, or 409 ``ConditionalRequestConflict`` when two writes met) because the key was written meanwhile,
    by another run or by our own lost write. A 409 with nothing stored yet is not: a retryable failure.

    Only possible once every byte was read and verified; then the stored object must have our file id, our size
    and, read back, our SHA-256. Storing it again would only add a second version of the same bytes.
    """
    if isinstance(error, VerificationError):
        return False
    try:
        sha = reader.sha256
    except VerificationError:
        return False  # the download did not reach its end: nothing complete can have been stored
    if reader.expected_size is not None and reader.bytes_read != reader.expected_size:
        return False
    try:
        found = bucket.head(planned.key)
        if found is None or not bucket.holds(found, planned.file_id, reader.bytes_read):
            return False
        stored_sha, counted = bucket.sha256_of_object(planned.key, version_id=found.get("VersionId"))
    except (ClientError, BotoCoreError) as exc:
        log.warning("Could not check whether the failed upload landed anyway: %s", describe_exception(exc))
        return False
    if stored_sha != sha or counted != reader.bytes_read:
        return False
    log.warning(
        "The upload of %s failed (%s) but S3 had applied it: the stored bytes have the expected sha256, so it is "
        "not uploaded again",
        bucket.url(planned.key),
        error,
    )
    return True
