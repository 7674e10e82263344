"""What we do to S3 (zoom_archiver.s3.bucket): the identity predicate, tags, hashing stored bytes, aborting uploads."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from zoom_archiver.archive.archive import file_metadata
from zoom_archiver.errors import ConfigurationError, KeyConflict
from zoom_archiver.s3.bucket import ArchiveBucket
from zoom_archiver.s3.metadata import metadata_value

BUCKET = "zoom-archive-test"
DATA = bytes(range(256)) * 1000  # 256 000 bytes


def bucket(client) -> ArchiveBucket:
    return ArchiveBucket(client, BUCKET)


class TestObjectHelpers:
    def test_sha256_of_object(self, s3):
        s3.put_object(Bucket=BUCKET, Key="k", Body=DATA)
        assert bucket(s3).sha256_of_object("k") == (hashlib.sha256(DATA).hexdigest(), len(DATA))

    def test_tag_round_trip_keeps_other_tags(self, s3):
        s3.put_object(Bucket=BUCKET, Key="k", Body=b"x", Tagging="owner=media&sha256=stale")
        assert bucket(s3).sha256_tag("k") == "stale"
        bucket(s3).put_sha256_tag("k", "a" * 64)
        tags = {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=BUCKET, Key="k")["TagSet"]}
        assert tags == {"owner": "media", "sha256": "a" * 64}
        assert bucket(s3).sha256_tag("k") == "a" * 64

    def test_missing_tag(self, s3):
        s3.put_object(Bucket=BUCKET, Key="k", Body=b"x")
        assert bucket(s3).sha256_tag("k") is None

    def test_versioned_bucket(self, s3):
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        old = s3.put_object(Bucket=BUCKET, Key="k", Body=b"old")["VersionId"]
        s3.put_object(Bucket=BUCKET, Key="k", Body=b"new")
        assert bucket(s3).sha256_of_object("k", version_id=old) == (hashlib.sha256(b"old").hexdigest(), 3)
        bucket(s3).put_sha256_tag("k", "b" * 64, version_id=old)
        assert bucket(s3).sha256_tag("k") is None  # the latest version is untouched


class TestIdentity:
    def test_holds_needs_our_file_id_and_the_size(self, s3, make_planned):
        planned = make_planned(file_size=len(DATA))
        s3.put_object(Bucket=BUCKET, Key=planned.key, Body=DATA, Metadata=file_metadata(planned))
        found = bucket(s3).head(planned.key)
        assert ArchiveBucket.holds(found, planned.file_id, len(DATA))
        assert ArchiveBucket.holds(found, planned.file_id, None)
        assert not ArchiveBucket.holds(found, planned.file_id, len(DATA) + 1)
        assert not ArchiveBucket.holds(found, "another-file", len(DATA))
        assert not ArchiveBucket.holds(None, planned.file_id, None)

    def test_head_own_refuses_a_key_holding_another_file(self, s3, make_planned):
        planned = make_planned()
        s3.put_object(Bucket=BUCKET, Key=planned.key, Body=b"x", Metadata={"zoom-file-id": "someone-else"})
        with pytest.raises(KeyConflict, match="someone-else"):
            bucket(s3).head_own(planned.key, planned.file_id)

    def test_head_of_a_missing_key_is_none(self, s3):
        assert bucket(s3).head("nothing/here") is None
        assert metadata_value("id-with-ü") == "id-with-?"


class TestStaleUploads:
    def test_only_old_uploads_under_the_prefix_are_aborted(self, s3):
        s3.create_multipart_upload(Bucket=BUCKET, Key="zoom/a.mp4")
        s3.create_multipart_upload(Bucket=BUCKET, Key="other/b.mp4")
        initiated = s3.list_multipart_uploads(Bucket=BUCKET)["Uploads"][0]["Initiated"]
        later = initiated + timedelta(hours=2)
        assert bucket(s3).abort_stale_uploads("zoom", max_age=timedelta(hours=3), now=later) == 0
        assert bucket(s3).abort_stale_uploads("zoom", max_age=timedelta(hours=1), now=later) == 1
        left = {u["Key"] for u in s3.list_multipart_uploads(Bucket=BUCKET)["Uploads"]}
        assert left == {"other/b.mp4"}

    @pytest.mark.parametrize(("code", "status"), [("NotImplemented", 501), ("MethodNotAllowed", 405)])
    def test_a_store_that_cannot_list_uploads_is_reported_not_fatal(self, code, status, caplog):
        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
        with Stubber(client) as stub:
            stub.add_client_error("list_multipart_uploads", service_error_code=code, http_status_code=status)
            assert bucket(client).abort_stale_uploads("zoom", max_age=timedelta(hours=1)) == 0
        assert "cannot list incomplete multipart uploads" in caplog.text

    def test_other_listing_errors_propagate(self):
        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
        with Stubber(client) as stub:
            stub.add_client_error("list_multipart_uploads", service_error_code="AccessDenied", http_status_code=403)
            with pytest.raises(ClientError):
                bucket(client).abort_stale_uploads("zoom", max_age=timedelta(hours=1))


class TestCheck:
    def test_an_existing_bucket_passes(self, s3):
        bucket(s3).check()

    def test_a_missing_bucket_is_a_configuration_error(self, s3):
        with pytest.raises(ConfigurationError, match="no-such-bucket-here") as info:
            ArchiveBucket(s3, "no-such-bucket-here").check()
        assert "zoom_archive_bucket" in str(info.value)
        assert info.value.permanent

    @pytest.mark.parametrize(
        ("status", "code", "headers", "hint"),
        [
            pytest.param(403, "403", {}, "permission", id="forbidden"),
            pytest.param(403, "AccessDenied", {}, "permission", id="access-denied"),
            pytest.param(404, "NoSuchBucket", {}, "does not exist", id="no-such-bucket"),
            pytest.param(301, "301", {"x-amz-bucket-region": "eu-west-1"}, "eu-west-1", id="wrong-region"),
            pytest.param(301, "PermanentRedirect", {}, "region", id="permanent-redirect"),
        ],
    )
    def test_configuration_problems(self, status, code, headers, hint):
        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
        with Stubber(client) as stub:
            stub.add_client_error(
                "head_bucket", service_error_code=code, http_status_code=status, response_meta={"HTTPHeaders": headers}
            )
            with pytest.raises(ConfigurationError, match=hint) as info:
                ArchiveBucket(client, BUCKET).check()
        assert BUCKET in str(info.value)
        assert info.value.__cause__ is None

    def test_other_errors_propagate(self):
        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
        with Stubber(client) as stub:
            stub.add_client_error("head_bucket", service_error_code="500", http_status_code=500)
            with pytest.raises(ClientError):
                ArchiveBucket(client, BUCKET).check()

    def test_one_head_bucket(self):
        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
        with Stubber(client) as stub:
            stub.add_response("head_bucket", {}, {"Bucket": BUCKET})
            ArchiveBucket(client, BUCKET).check()
            stub.assert_no_pending_responses()


class TestAbortUploadsOfKey:
    def test_only_the_given_uploads_are_aborted(self, s3):
        ours = s3.create_multipart_upload(Bucket=BUCKET, Key="zoom/a.mp4")["UploadId"]
        theirs = s3.create_multipart_upload(Bucket=BUCKET, Key="zoom/a.mp4")["UploadId"]
        assert bucket(s3).abort_uploads_of_key("zoom/a.mp4", [ours]) == 1
        assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=BUCKET)["Uploads"]] == [theirs]

    def test_an_upload_already_gone_is_fine(self, s3):
        gone = s3.create_multipart_upload(Bucket=BUCKET, Key="zoom/a.mp4")["UploadId"]
        s3.abort_multipart_upload(Bucket=BUCKET, Key="zoom/a.mp4", UploadId=gone)
        assert bucket(s3).abort_uploads_of_key("zoom/a.mp4", [gone]) == 0


class TestListingAndReports:
    def test_list_objects_pages_through_everything_under_the_prefix(self, s3):
        for i in range(1005):  # more than one ListObjectsV2 page
            s3.put_object(Bucket=BUCKET, Key=f"zoom/a/{i:04d}", Body=b"")
        s3.put_object(Bucket=BUCKET, Key="zoomed/other", Body=b"")
        keys = [o["Key"] for o in bucket(s3).list_objects("zoom/")]
        assert len(keys) == 1005
        assert "zoomed/other" not in keys

    def test_put_report(self, s3):
        bucket(s3).put_report("zoom/_audit/t/report.json", b"{}", "application/json")
        got = s3.get_object(Bucket=BUCKET, Key="zoom/_audit/t/report.json")
        assert (got["Body"].read(), got["ContentType"]) == (b"{}", "application/json")


class TestConditionalManifest:
    """Reading a manifest with its ETag and replacing it only if unchanged (moto honours If-Match/If-None-Match)."""

    def test_read_json_gives_the_etag_and_none_without_an_object(self, s3):
        assert bucket(s3).read_json("m.json") == (None, None)
        etag = s3.put_object(Bucket=BUCKET, Key="m.json", Body=b'{"a": 1}')["ETag"]
        assert bucket(s3).read_json("m.json") == ({"a": 1}, etag)
        s3.put_object(Bucket=BUCKET, Key="m.json", Body=b"not json")
        assert bucket(s3).read_json("m.json")[0] is None
        assert bucket(s3).get_json("m.json") is None

    def test_replaced_only_if_unchanged(self, s3):
        archive = bucket(s3)
        archive.replace_manifest("m.json", b"{}", "uuid", etag=None)
        with pytest.raises(ClientError, match="PreconditionFailed"):  # If-None-Match: * on a stored object
            archive.replace_manifest("m.json", b"[]", "uuid", etag=None)
        _, etag = archive.read_json("m.json")
        s3.put_object(Bucket=BUCKET, Key="m.json", Body=b'{"other": "writer"}')
        with pytest.raises(ClientError, match="PreconditionFailed"):  # If-Match on the ETag read: changed since
            archive.replace_manifest("m.json", b"[]", "uuid", etag=etag)
        _, etag = archive.read_json("m.json")
        archive.replace_manifest("m.json", b"[1]", "uuid", etag=etag, extra_args={"ContentType": "x", "Metadata": {}})
        got = s3.get_object(Bucket=BUCKET, Key="m.json")
        assert (got["Body"].read(), got["ContentType"], got["Metadata"]) == (b"[1]", "application/json",
                                                                             {"zoom-meeting-uuid": "uuid"})  # fmt: skip
