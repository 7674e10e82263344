"""Every call the archiver makes to S3, on one bucket: HEAD with our identity check, the ``sha256`` tag, hashing a
stored object, aborting incomplete multipart uploads, conditional writes, listing, manifests and reports.

One predicate decides whether a key holds a given Zoom file: :meth:`ArchiveBucket.holds` (the object's
``zoom-file-id`` is the file's id and its size the expected one).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from zoom_archiver.errors import ConfigurationError, KeyConflict
from zoom_archiver.s3.errors import bucket_problem
from zoom_archiver.s3.metadata import (
    FILE_ID_METADATA,
    MEETING_UUID_METADATA,
    SHA256_TAG,
    identity_mismatch,
    metadata_value,
)
from zoom_archiver.s3.object_lock import (
    NOT_IMPLEMENTED,
    Retention,
    check_object_lock,
    error_code,
    read_retention,
    refuse_locked_overwrite,
)
from zoom_archiver.settings import MIB

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import HeadObjectOutputTypeDef, ObjectTypeDef, TagTypeDef

log = logging.getLogger(__name__)

_NOT_FOUND = ("404", "NoSuchKey", "NotFound")
_CREATE_MULTIPART = "after-call.s3.CreateMultipartUpload"
_CONDITIONAL_WRITES = ("before-parameter-build.s3.PutObject", "before-parameter-build.s3.CompleteMultipartUpload")


def _version(version_id: str | None) -> dict[str, Any]:
    return {"VersionId": version_id} if version_id else {}


class ArchiveBucket:
    """The archive's bucket, through one boto3 S3 client.

    :param client: a boto3 S3 client (``S3Hook.get_conn()``).
    :param name: the bucket.
    """

    def __init__(self, client: S3Client, name: str) -> None:
        self.client = client
        self.name = name

    def url(self, key: str) -> str:
        return f"s3://{self.name}/{key}"

    def check(self, *, object_lock: bool = False) -> None:
        """One ``head_bucket``: a bucket that does not exist, refuses our credentials or lives in another region is a
        :class:`~zoom_archiver.errors.ConfigurationError` (permanent) saying what to check; other errors propagate.

        With ``object_lock`` (write-once retention configured) the bucket must also have Object Lock enabled.
        """
        try:
            self.client.head_bucket(Bucket=self.name)
            if object_lock:
                check_object_lock(self.client, self.name)
        except ClientError as exc:
            problem = bucket_problem(exc)
            if problem is None:
                raise
            raise ConfigurationError(f"S3 bucket {self.name!r} {problem}") from None

    def retention(self, key: str, *, version_id: str | None = None) -> Retention:
        """The Object Lock retention and legal hold of an object (what the audit reports); empty when none."""
        return read_retention(self.client, self.name, key, version_id=version_id)

    def head(self, key: str) -> HeadObjectOutputTypeDef | None:
        """The object's HEAD, or ``None`` when there is none at ``key``."""
        try:
            return self.client.head_object(Bucket=self.name, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _NOT_FOUND:
                return None
            raise

    @staticmethod
    def holds(found: HeadObjectOutputTypeDef | None, file_id: str, size: int | None) -> bool:
        """Whether a HEAD shows the Zoom file ``file_id`` with ``size`` bytes (any size when ``None``)."""
        if found is None:
            return False
        stored_id = found.get("Metadata", {}).get(FILE_ID_METADATA)
        return identity_mismatch(stored_id, found.get("ContentLength"), file_id, size) is None

    def head_own(self, key: str, file_id: str) -> HeadObjectOutputTypeDef | None:
        """The HEAD of ``key`` (``None``: no object); :class:`KeyConflict` when it holds another Zoom file than
        ``file_id`` (or an object without our metadata)."""
        found = self.head(key)
        if found is not None and not self.holds(found, file_id, None):
            stored = found.get("Metadata", {}).get(FILE_ID_METADATA)
            raise KeyConflict(f"{self.url(key)} holds another file (zoom-file-id={stored!r}); refusing to overwrite it")
        return found

    def held_copy(self, key: str, file_id: str, size: int | None) -> HeadObjectOutputTypeDef | None:
        """The HEAD of ``key`` when it holds the Zoom file ``file_id`` with ``size`` bytes (any size when ``None``).
        ``None`` when there is no object, or one of another size (to be archived again: a new version on a versioned
        bucket); :class:`KeyConflict` when it holds another file, or a locked object that would be replaced in place."""
        found = self.head_own(key, file_id)
        if found is None or self.holds(found, file_id, size):
            return found
        refuse_locked_overwrite(self.url(key), found)
        log.warning("Archived copy has %d bytes, Zoom now says %s: archiving again", found["ContentLength"], size)
        return None

    def sha256_tag(self, key: str, *, version_id: str | None = None) -> str | None:
        tags = self.client.get_object_tagging(Bucket=self.name, Key=key, **_version(version_id)).get("TagSet", [])
        return next((t["Value"] for t in tags if t.get("Key") == SHA256_TAG), None)

    def read_sha256_tag(self, key: str, *, version_id: str | None = None) -> tuple[str | None, bool]:
        """The object's ``sha256`` tag, and whether S3 refused to read it (``InvalidObjectState``: some stores refuse
        to show the tags of an object in an archive storage class)."""
        try:
            return self.sha256_tag(key, version_id=version_id), False
        except ClientError as exc:
            if error_code(exc) == "InvalidObjectState":
                return None, True
            raise

    def put_sha256_tag(self, key: str, sha256: str, *, version_id: str | None = None, fresh: bool = False) -> None:
        """Set the ``sha256`` tag, keeping any other tags the bucket owner added.

        ``fresh``: the version was just written by us without tags, so there are none to keep (no read: one request
        less, and some stores refuse to read the tags of an object in a cold storage class).
        """
        kwargs = _version(version_id)
        tags = [] if fresh else self.client.get_object_tagging(Bucket=self.name, Key=key, **kwargs).get("TagSet", [])
        kept: list[TagTypeDef] = [{"Key": t["Key"], "Value": t["Value"]} for t in tags if t.get("Key") != SHA256_TAG]
        kept.append({"Key": SHA256_TAG, "Value": sha256})
        self.client.put_object_tagging(Bucket=self.name, Key=key, Tagging={"TagSet": kept}, **kwargs)

    def sha256_of_object(self, key: str, *, version_id: str | None = None) -> tuple[str, int]:
        """Hash an object's stored bytes by streaming them (bounded memory); returns the digest and byte count."""
        body = self.client.get_object(Bucket=self.name, Key=key, **_version(version_id))["Body"]
        sha, total = hashlib.sha256(), 0
        for chunk in iter(lambda: body.read(MIB), b""):
            sha.update(chunk)
            total += len(chunk)
        return sha.hexdigest(), total

    def abort_stale_uploads(self, prefix: str, *, max_age: timedelta, now: datetime | None = None) -> int:
        """Abort incomplete multipart uploads below ``prefix/`` initiated more than ``max_age`` ago.

        A transfer that fails aborts its own upload; only a process killed mid-upload leaves one behind. Younger
        uploads may belong to a running transfer and are left alone. The S3 lifecycle rule
        ``AbortIncompleteMultipartUpload`` is the recommended second line of defence.
        """
        cutoff = (now or datetime.now(timezone.utc)) - max_age
        aborted = 0
        try:
            for upload in self._uploads(prefix + "/"):
                if upload["Initiated"] < cutoff:
                    self.client.abort_multipart_upload(Bucket=self.name, Key=upload["Key"], UploadId=upload["UploadId"])
                    log.warning(
                        "Aborted a stale multipart upload of %s (started %s)", upload["Key"], upload["Initiated"]
                    )
                    aborted += 1
        except ClientError as exc:
            if error_code(exc) not in NOT_IMPLEMENTED:
                raise
            log.warning(
                "The S3 store of bucket %s cannot list incomplete multipart uploads (%s): none aborted; rely on its "
                "lifecycle rule (AbortIncompleteMultipartUpload) or its own cleanup",
                self.name,
                error_code(exc),
            )
        return aborted

    @contextmanager
    def uploads_created(self, key: str, into: list[str]) -> Iterator[None]:
        """Append to ``into`` the UploadId of every multipart upload of ``key`` this client creates in the block.

        A botocore ``after-call`` handler on the client, for the block only: a failed transfer then aborts its own
        uploads, never another run's live upload of the same key.
        """

        def remember(parsed: Any = None, **_: Any) -> None:
            if isinstance(parsed, dict) and (parsed.get("Bucket"), parsed.get("Key")) == (self.name, key):
                upload_id = parsed.get("UploadId")
                if upload_id:
                    into.append(upload_id)

        self.client.meta.events.register(_CREATE_MULTIPART, remember)
        try:
            yield
        finally:
            self.client.meta.events.unregister(_CREATE_MULTIPART, remember)

    @contextmanager
    def only_if_absent(self, key: str) -> Iterator[None]:
        """In the block, writes of ``key`` (PutObject, CompleteMultipartUpload) carry ``If-None-Match: *``: S3 refuses
        the second of two runs writing the same key at once (412, or 409 ``ConditionalRequestConflict`` when the two
        writes meet), so a key is never uploaded twice."""

        def condition(params: dict[str, Any], **_: Any) -> None:
            if (params.get("Bucket"), params.get("Key")) == (self.name, key):
                params["IfNoneMatch"] = "*"

        for event in _CONDITIONAL_WRITES:
            self.client.meta.events.register(event, condition)
        try:
            yield
        finally:
            for event in _CONDITIONAL_WRITES:
                self.client.meta.events.unregister(event, condition)

    def abort_uploads_of_key(self, key: str, upload_ids: Collection[str]) -> int:
        """Abort the incomplete multipart uploads ``upload_ids`` of exactly ``key`` (after our transfer failed).

        Only the uploads the failed transfer created: another run may be uploading the same key right now. Best
        effort: the transfer manager normally aborts its own upload already, and ``housekeeping`` plus the bucket's
        lifecycle rule catch whatever this cannot (a failure here is logged, never raised).
        """
        aborted = 0
        try:
            for upload in self._uploads(key):
                if upload["Key"] == key and upload["UploadId"] in upload_ids:
                    self.client.abort_multipart_upload(Bucket=self.name, Key=key, UploadId=upload["UploadId"])
                    aborted += 1
        except (BotoCoreError, ClientError) as exc:
            log.warning("Could not check for incomplete multipart uploads of %s: %s", key, type(exc).__name__)
            return aborted
        if aborted:
            log.warning("Aborted %d incomplete multipart upload(s) of %s left by the failed transfer", aborted, key)
        return aborted

    def get_json(self, key: str, *, max_bytes: int = 16 * MIB) -> Any:
        """The JSON document at ``key`` (a manifest), or ``None`` when there is none, it is too big or not JSON."""
        return self.read_json(key, max_bytes=max_bytes)[0]

    def read_json(self, key: str, *, max_bytes: int = 16 * MIB) -> tuple[Any, str | None]:
        """The JSON document at ``key`` and the ETag of the object read (for a conditional rewrite): the document is
        ``None`` when the object is too big or not JSON, both are ``None`` when there is no object."""
        try:
            response = self.client.get_object(Bucket=self.name, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _NOT_FOUND:
                return None, None
            raise
        etag = response.get("ETag")
        if response.get("ContentLength", 0) > max_bytes:
            return None, etag
        try:
            return json.loads(response["Body"].read()), etag
        except ValueError:
            return None, etag

    def put_manifest(
        self, key: str, body: bytes, meeting_uuid: str, *, extra_args: Mapping[str, Any] | None = None
    ) -> None:
        """Write a meeting manifest: JSON, user metadata ``zoom-meeting-uuid`` only (never ``zoom-file-id``), the
        archive's encryption and storage class from ``extra_args`` (``put_object`` arguments)."""
        self._put_manifest(key, body, meeting_uuid, extra_args, {})

    def replace_manifest(
        self, key: str, body: bytes, meeting_uuid: str, *, etag: str | None, extra_args: Mapping[str, Any] | None = None
    ) -> None:
        """:meth:`put_manifest` only if ``key`` still holds the object read with ``etag`` (``If-Match``), or, with
        ``etag`` ``None``, still holds none (``If-None-Match: *``). Another writer first: S3 answers 412
        ``PreconditionFailed`` (409 ``ConditionalRequestConflict`` when two writes meet; 404 ``NoSuchKey`` when the
        object read was deleted). A store that ignores the conditions (s3rver) writes unconditionally."""
        self._put_manifest(key, body, meeting_uuid, extra_args, {"IfMatch": etag} if etag else {"IfNoneMatch": "*"})

    def _put_manifest(
        self, key: str, body: bytes, uuid: str, extra_args: Mapping[str, Any] | None, condition: Mapping[str, Any]
    ) -> None:
        args = {k: v for k, v in (extra_args or {}).items() if k not in ("Metadata", "ContentType")} | dict(condition)
        metadata = {MEETING_UUID_METADATA: metadata_value(uuid)}
        self.client.put_object(
            Bucket=self.name, Key=key, Body=body, ContentType="application/json", Metadata=metadata, **args
        )

    def list_objects(self, prefix: str) -> Iterator[ObjectTypeDef]:
        """Every object below ``prefix`` (ListObjectsV2, 1,000 per page): key, size, storage class, ..."""
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix):
            yield from page.get("Contents", [])

    def put_report(self, key: str, body: bytes, content_type: str) -> None:
        """Write a small report object (the audit's JSON and CSV) in one PUT."""
        self.client.put_object(Bucket=self.name, Key=key, Body=body, ContentType=content_type)

    def _uploads(self, prefix: str) -> Any:
        for page in self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.name, Prefix=prefix):
            yield from page.get("Uploads", [])
