"""Write-once retention (S3 Object Lock) of archived objects, against moto, which enforces it."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.unit.archive.support import LARGE, PART, SMALL, FakeZoom, full
from zoom_archiver.archive.archive import archive_file, file_hook
from zoom_archiver.errors import ConfigurationError, KeyConflict
from zoom_archiver.s3.bucket import ArchiveBucket
from zoom_archiver.s3.object_lock import Retention, refuse_locked_overwrite
from zoom_archiver.settings import TransferSettings
from zoom_archiver.settings.object_lock import ObjectLockSettings


@pytest.fixture(scope="module")
def aws():
    with pytest.MonkeyPatch.context() as mp, mock_aws():
        mp.setenv("AIRFLOW_CONN_AWS_DEFAULT", json.dumps({"conn_type": "aws", "extra": {"region_name": "us-east-1"}}))
        yield boto3.client("s3", region_name="us-east-1")


@pytest.fixture
def locked_bucket(aws) -> str:
    """A bucket created with Object Lock (so versioned); locked objects stay until the mock ends."""
    name = f"locked-{uuid.uuid4().hex[:12]}"
    aws.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    return name


def archive(planned, bucket: str, data: bytes, lock: ObjectLockSettings | None, *, force: bool = False):
    transfer = TransferSettings(part_size=PART, max_concurrency=2, object_lock=lock)
    hook = file_hook(planned, transfer, "aws_default")
    return archive_file(planned, zoom=FakeZoom(full(data)), s3_hook=hook, bucket=bucket, settings=transfer, force=force)


def versions(s3, bucket: str, key: str) -> list[dict]:
    return [v for v in s3.list_object_versions(Bucket=bucket, Prefix=key).get("Versions", []) if v["Key"] == key]


@pytest.mark.parametrize("data", [pytest.param(SMALL, id="single-put"), pytest.param(LARGE, id="multipart")])
def test_archived_object_cannot_be_deleted_or_overwritten_before_its_date_and_keeps_its_tag(
    aws, locked_bucket, make_planned, data
):
    planned = make_planned(file_size=len(data))
    before = datetime.now(timezone.utc)
    result = archive(planned, locked_bucket, data, ObjectLockSettings("COMPLIANCE", 30, legal_hold=True))

    bucket = ArchiveBucket(aws, locked_bucket)
    retention = bucket.retention(planned.key)
    assert retention.mode == "COMPLIANCE"
    assert retention.legal_hold is True
    assert retention.retain_until is not None
    assert before + timedelta(days=30) - timedelta(minutes=1) < retention.retain_until < before + timedelta(days=31)
    assert retention.locked()
    assert bucket.sha256_tag(planned.key) == hashlib.sha256(data).hexdigest() == result.sha256

    (version,) = versions(aws, locked_bucket, planned.key)
    for attempt in ({}, {"BypassGovernanceRetention": True}):
        with pytest.raises(ClientError) as refused:
            aws.delete_object(Bucket=locked_bucket, Key=planned.key, VersionId=version["VersionId"], **attempt)
        assert refused.value.response["Error"]["Code"] == "AccessDenied"
    # Writing the key again (by hand, or the archiver's force) only adds a version: the locked bytes stay.
    aws.put_object(Bucket=locked_bucket, Key=planned.key, Body=b"not the recording")
    kept = aws.get_object(Bucket=locked_bucket, Key=planned.key, VersionId=version["VersionId"])["Body"].read()
    assert kept == data
    assert len(versions(aws, locked_bucket, planned.key)) == 2


def test_governance_mode_refuses_a_plain_delete(aws, locked_bucket, make_planned):
    planned = make_planned(file_size=len(SMALL))
    archive(planned, locked_bucket, SMALL, ObjectLockSettings("GOVERNANCE", 1))
    (version,) = versions(aws, locked_bucket, planned.key)
    with pytest.raises(ClientError, match="AccessDenied"):
        aws.delete_object(Bucket=locked_bucket, Key=planned.key, VersionId=version["VersionId"])
    assert ArchiveBucket(aws, locked_bucket).retention(planned.key) == Retention(
        "GOVERNANCE", ArchiveBucket(aws, locked_bucket).retention(planned.key).retain_until, False
    )


def test_force_adds_a_new_version_and_never_replaces_the_locked_one(aws, locked_bucket, make_planned):
    planned = make_planned(file_size=len(SMALL))
    lock = ObjectLockSettings("COMPLIANCE", 1)
    archive(planned, locked_bucket, SMALL, lock)
    (first,) = versions(aws, locked_bucket, planned.key)

    again = archive(planned, locked_bucket, SMALL, lock, force=True)
    assert again.outcome == "archived"
    assert len(versions(aws, locked_bucket, planned.key)) == 2
    old = aws.get_object(Bucket=locked_bucket, Key=planned.key, VersionId=first["VersionId"])
    assert old["Body"].read() == SMALL
    assert ArchiveBucket(aws, locked_bucket).sha256_tag(planned.key) == again.sha256


def test_a_rerun_of_a_locked_archived_file_writes_nothing(aws, locked_bucket, make_planned):
    planned = make_planned(file_size=len(SMALL))
    archive(planned, locked_bucket, SMALL, ObjectLockSettings("COMPLIANCE", 1))
    assert archive(planned, locked_bucket, SMALL, ObjectLockSettings("COMPLIANCE", 1)).outcome == "already_archived"
    assert len(versions(aws, locked_bucket, planned.key)) == 1


def test_refuses_to_overwrite_a_locked_object_where_the_store_has_no_versions():
    until = datetime.now(timezone.utc) + timedelta(days=1)
    head = {"ContentLength": 1, "ObjectLockMode": "COMPLIANCE", "ObjectLockRetainUntilDate": until}
    with pytest.raises(KeyConflict, match="Object Lock"):
        refuse_locked_overwrite("s3://b/k", head)  # type: ignore[arg-type]
    with pytest.raises(KeyConflict, match="legal hold"):
        refuse_locked_overwrite("s3://b/k", {"ObjectLockLegalHoldStatus": "ON", "VersionId": "null"})  # type: ignore[arg-type]
    refuse_locked_overwrite("s3://b/k", {**head, "VersionId": "v1"})  # versioned: a new version, allowed
    expired = {
        "ObjectLockMode": "COMPLIANCE",
        "ObjectLockRetainUntilDate": datetime.now(timezone.utc) - timedelta(days=1),
    }
    refuse_locked_overwrite("s3://b/k", expired)  # type: ignore[arg-type]


def test_bucket_without_object_lock_is_a_clear_permanent_error(aws):
    name = f"plain-{uuid.uuid4().hex[:12]}"
    aws.create_bucket(Bucket=name)
    bucket = ArchiveBucket(aws, name)
    bucket.check()  # fine without retention
    with pytest.raises(ConfigurationError, match="does not have Object Lock enabled.*zoom_archive_object_lock_mode"):
        bucket.check(object_lock=True)
    aws.put_object(Bucket=name, Key="plain", Body=b"x")
    assert bucket.retention("plain") == Retention()


def test_bucket_with_object_lock_passes_the_check(aws, locked_bucket):
    ArchiveBucket(aws, locked_bucket).check(object_lock=True)
