"""Object versions, as the reclaim needs them: the bucket's versioning status, and which version of a key is current.

The reclaim moves Zoom's copy of a file to Zoom's trash only while the S3 object version it proved is still the
current one (:func:`current_version`, compared with the proof's :class:`ObjectVersion` right before each DELETE), and
only on a bucket with versioning Enabled (:func:`require_versioning`): there a delete or an overwrite in S3 adds a
delete marker or a new version and never destroys the proven bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from zoom_archiver.errors import ConfigurationError
from zoom_archiver.s3.object_lock import NOT_IMPLEMENTED, error_code

if TYPE_CHECKING:
    from zoom_archiver.s3.bucket import ArchiveBucket

#: The versioning status the reclaim requires.
ENABLED = "Enabled"
_NOT_FOUND = ("404", "NoSuchKey", "NotFound", "NoSuchVersion")


@dataclass(frozen=True)
class ObjectVersion:
    """One object version: its version id (``None`` on a bucket never versioned) and its ETag."""

    version_id: str | None
    etag: str | None

    @classmethod
    def of_head(cls, head: Any) -> ObjectVersion:
        """The version a HEAD (or GET) response shows."""
        return cls(head.get("VersionId") or None, head.get("ETag") or None)


def versioning_status(bucket: ArchiveBucket) -> str:
    """The bucket's versioning status: ``Enabled``, ``Suspended``, or ``""`` (never enabled, or a store without
    versioning)."""
    try:
        found = bucket.client.get_bucket_versioning(Bucket=bucket.name)
    except ClientError as exc:
        if error_code(exc) in NOT_IMPLEMENTED:
            return ""
        if error_code(exc) in ("AccessDenied", "403"):
            raise ConfigurationError(
                f"S3 bucket {bucket.name!r}: reading its versioning status was refused (AccessDenied): the reclaim "
                "needs s3:GetBucketVersioning on the bucket"
            ) from None
        raise
    return str(found.get("Status", ""))


def unversioned_message(name: str, status: str) -> str:
    """What a reclaim says about a bucket whose versioning is not Enabled: the bucket, and what to do."""
    return (
        f"S3 bucket {name!r} does not have versioning enabled (status: {status or 'never enabled'}): the reclaim "
        "trashes Zoom's copy of a file only when its archived copy cannot be destroyed by a delete or overwrite in S3. "
        f"Enable versioning on the bucket (aws s3api put-bucket-versioning --bucket {name} "
        "--versioning-configuration Status=Enabled); Object Lock (Variable zoom_archive_object_lock_mode) is "
        "recommended too. A dry run still lists what would be trashed."
    )


def require_versioning(bucket: ArchiveBucket) -> None:
    """A :class:`ConfigurationError` (permanent) unless the bucket has versioning Enabled."""
    status = versioning_status(bucket)
    if status != ENABLED:
        raise ConfigurationError(unversioned_message(bucket.name, status))


def current_version(bucket: ArchiveBucket, key: str) -> ObjectVersion | None:
    """The current version of ``key`` (one HEAD), or ``None`` when there is none (deleted, or a delete marker)."""
    try:
        head = bucket.client.head_object(Bucket=bucket.name, Key=key)
    except ClientError as exc:
        if error_code(exc) in _NOT_FOUND:
            return None
        raise
    return ObjectVersion.of_head(head)
