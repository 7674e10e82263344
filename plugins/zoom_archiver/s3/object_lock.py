"""S3 Object Lock (write-once retention): the bucket check, an object's retention, and never overwriting a
locked object.

Object Lock protects object *versions*: an Object Lock bucket is always versioned, so writing a key again adds a
new version and leaves the locked one as it was. Only where a store would replace the locked bytes in place (no
versioning) does :func:`refuse_locked_overwrite` refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from zoom_archiver.errors import ConfigurationError, KeyConflict
from zoom_archiver.settings.object_lock import ObjectLockSettings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import HeadObjectOutputTypeDef, ObjectLockRetentionTypeDef

#: What a bucket or object without Object Lock answers.
NO_LOCK = ("ObjectLockConfigurationNotFoundError", "NoSuchObjectLockConfiguration", "InvalidRequest")
#: What S3-compatible stores answer for an operation they do not have.
NOT_IMPLEMENTED = ("NotImplemented", "501", "MethodNotAllowed", "405")


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


@dataclass(frozen=True)
class Retention:
    """An object's Object Lock state: its mode and retain-until date (``None``: no retention) and legal hold."""

    mode: str | None = None
    retain_until: datetime | None = None
    legal_hold: bool = False

    def locked(self, now: datetime | None = None) -> bool:
        """Whether the object cannot be deleted or overwritten now (retention not yet over, or a legal hold)."""
        current = now or datetime.now(timezone.utc)
        return self.legal_hold or (self.retain_until is not None and self.retain_until > current)

    @classmethod
    def of_head(cls, found: HeadObjectOutputTypeDef) -> Retention:
        """The retention a HEAD shows (S3 returns it to callers allowed to read it)."""
        hold = found.get("ObjectLockLegalHoldStatus") == "ON"
        return cls(found.get("ObjectLockMode"), found.get("ObjectLockRetainUntilDate"), hold)


def check_object_lock(client: S3Client, bucket: str) -> None:
    """A :class:`ConfigurationError` (permanent) unless ``bucket`` has Object Lock enabled."""
    try:
        found: Any = client.get_object_lock_configuration(Bucket=bucket).get("ObjectLockConfiguration", {})
    except ClientError as exc:
        if error_code(exc) not in (*NO_LOCK, *NOT_IMPLEMENTED):
            raise
        found = {}
    if found.get("ObjectLockEnabled") != "Enabled":
        raise ConfigurationError(
            f"S3 bucket {bucket!r} does not have Object Lock enabled, but Variable zoom_archive_object_lock_mode "
            "asks for write-once retention: use a bucket created with Object Lock (or enable it on this one), or "
            "unset zoom_archive_object_lock_mode"
        )


def read_retention(client: S3Client, bucket: str, key: str, *, version_id: str | None = None) -> Retention:
    """The Object Lock retention and legal hold of an object (version), from its HEAD; empty when it has none.

    S3 shows them in the HEAD to a caller allowed ``s3:GetObjectRetention`` / ``s3:GetObjectLegalHold``.
    """
    kwargs: dict[str, Any] = {"VersionId": version_id} if version_id else {}
    return Retention.of_head(client.head_object(Bucket=bucket, Key=key, **kwargs))


def refuse_locked_overwrite(url: str, found: HeadObjectOutputTypeDef) -> None:
    """Raise :class:`KeyConflict` when writing the key again would replace a locked object in place.

    A HEAD with a ``VersionId`` (other than ``null``) is of a versioned bucket: a new upload becomes a new version and
    the locked one stays, so that is allowed.
    """
    retention = Retention.of_head(found)
    versioned = found.get("VersionId") not in (None, "", "null")
    if retention.locked() and not versioned:
        raise KeyConflict(
            f"{url} is under Object Lock ({retention.mode or 'legal hold'} until {retention.retain_until}) in a bucket "
            "without versioning: refusing to overwrite it"
        )


def ensure_retention(
    client: S3Client, bucket: str, key: str, found: HeadObjectOutputTypeDef, lock: ObjectLockSettings
) -> None:
    """Give the version just written (its HEAD: ``found``) the retention and legal hold of ``lock`` if the store did
    not apply the upload's own (some apply it to single PUTs only, not to multipart uploads)."""
    have = Retention.of_head(found)
    kwargs: dict[str, Any] = {"VersionId": found["VersionId"]} if found.get("VersionId") else {}
    if have.mode is None or have.retain_until is None:
        retention: ObjectLockRetentionTypeDef = {
            "Mode": "COMPLIANCE" if lock.mode == "COMPLIANCE" else "GOVERNANCE",
            "RetainUntilDate": lock.upload_args()["ObjectLockRetainUntilDate"],
        }
        client.put_object_retention(Bucket=bucket, Key=key, Retention=retention, **kwargs)
    if lock.legal_hold and not have.legal_hold:
        client.put_object_legal_hold(Bucket=bucket, Key=key, LegalHold={"Status": "ON"}, **kwargs)
