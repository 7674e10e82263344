"""Object versions for the reclaim (zoom_archiver.s3.versions) on moto: the bucket's versioning status, the refusal
naming the bucket and what to do, and the current version (id and ETag) of a key."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from zoom_archiver.errors import ConfigurationError
from zoom_archiver.s3 import versions

BUCKET = "zoom-versions-test"


def test_versioning_status_and_the_refusal(s3, bucket):
    assert versions.versioning_status(bucket) == ""
    with pytest.raises(ConfigurationError, match=f"{BUCKET!r}.*never enabled.*Status=Enabled.*Object Lock"):
        versions.require_versioning(bucket)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    assert versions.versioning_status(bucket) == "Enabled"
    versions.require_versioning(bucket)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})
    with pytest.raises(ConfigurationError, match="status: Suspended"):
        versions.require_versioning(bucket)


def test_a_store_without_versioning_is_refused(bucket, monkeypatch):
    def not_implemented(**_):
        raise ClientError({"Error": {"Code": "NotImplemented"}}, "GetBucketVersioning")

    monkeypatch.setattr(bucket.client, "get_bucket_versioning", not_implemented)
    assert versions.versioning_status(bucket) == ""
    with pytest.raises(ConfigurationError):
        versions.require_versioning(bucket)


def test_the_current_version_changes_with_every_write_and_is_gone_after_a_delete(s3, bucket):
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    assert versions.current_version(bucket, "k") is None
    first = s3.put_object(Bucket=BUCKET, Key="k", Body=b"one")
    seen = versions.current_version(bucket, "k")
    assert seen == versions.ObjectVersion(first["VersionId"], first["ETag"])
    s3.put_object(Bucket=BUCKET, Key="k", Body=b"one")  # the same bytes again: same ETag, another version
    again = versions.current_version(bucket, "k")
    assert again is not None
    assert again.etag == seen.etag
    assert again != seen
    s3.delete_object(Bucket=BUCKET, Key="k")  # a delete marker
    assert versions.current_version(bucket, "k") is None


def test_other_errors_propagate(bucket, monkeypatch):
    def denied(**_):
        raise ClientError({"Error": {"Code": "AccessDenied"}}, "HeadObject")

    monkeypatch.setattr(bucket.client, "head_object", denied)
    with pytest.raises(ClientError):
        versions.current_version(bucket, "k")


def test_a_refused_versioning_read_says_which_permission_is_missing(bucket, monkeypatch):
    def denied(**_):
        raise ClientError({"Error": {"Code": "AccessDenied"}}, "GetBucketVersioning")

    monkeypatch.setattr(bucket.client, "get_bucket_versioning", denied)
    with pytest.raises(ConfigurationError, match="s3:GetBucketVersioning"):
        versions.require_versioning(bucket)
