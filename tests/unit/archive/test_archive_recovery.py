"""Recovering the archive step (zoom_archiver.archive): an upload applied although its answer was lost, a multipart
upload a failed transfer left behind, the stored form of a file id."""

from __future__ import annotations

import hashlib
import io
import types

import boto3
import pytest
import tenacity
from moto import mock_aws

from zoom_archiver.archive.archive import archive_file, existing_copy, file_metadata
from zoom_archiver.s3.bucket import ArchiveBucket
from zoom_archiver.s3.metadata import metadata_value
from zoom_archiver.settings import TransferSettings

BUCKET = "zoom-hardening"


DATA = hashlib.sha256(b"x").digest() * 2048  # 64 KiB


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(tenacity.nap, "time", types.SimpleNamespace(sleep=lambda _: None))


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield client


class Download:
    def __init__(self, data: bytes) -> None:
        self.stream = io.BytesIO(data)
        self.response = types.SimpleNamespace(status_code=200, headers={})

    def close(self) -> None:
        pass


class Zoom:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.calls = 0

    def open_download(self, url: str, *, range_start: int = 0) -> Download:
        self.calls += 1
        return Download(self.data[range_start:])


class FlakyHook:
    """An S3Hook whose ``load_file_obj`` does the upload and then fails as a lost answer would, or leaves an
    incomplete multipart upload behind and fails (an abort that did not go through)."""

    def __init__(self, s3, planned, mode: str) -> None:
        self.s3, self.planned, self.mode, self.uploads = s3, planned, mode, 0

    def get_conn(self):
        return self.s3

    def load_file_obj(self, fileobj, *, key: str, bucket_name: str, replace: bool) -> None:
        body = fileobj.read()
        self.uploads += 1
        if self.mode == "lost_ack":
            self.s3.put_object(Bucket=bucket_name, Key=key, Body=body, Metadata=file_metadata(self.planned))
            raise ConnectionResetError("Connection reset by peer (the answer was lost)")
        if self.mode == "left_upload" and self.uploads == 1:
            self.s3.create_multipart_upload(Bucket=bucket_name, Key=key)
            raise ConnectionResetError("upload part failed and so did the abort")
        self.s3.put_object(Bucket=bucket_name, Key=key, Body=body, Metadata=file_metadata(self.planned))


class TestArchiveRecovery:
    def test_upload_applied_but_answer_lost_is_not_uploaded_again(self, s3, make_planned):
        planned = make_planned(file_size=len(DATA))
        hook = FlakyHook(s3, planned, "lost_ack")
        result = archive_file(planned, zoom=Zoom(DATA), s3_hook=hook, bucket=BUCKET, settings=TransferSettings())
        assert result.outcome == "archived"
        assert result.sha256 == hashlib.sha256(DATA).hexdigest()
        assert hook.uploads == 1, "verified from the stored bytes, not uploaded again"
        versions = s3.list_object_versions(Bucket=BUCKET)["Versions"]
        assert len(versions) == 1
        tags = s3.get_object_tagging(Bucket=BUCKET, Key=planned.key)["TagSet"]
        assert tags == [{"Key": "sha256", "Value": hashlib.sha256(DATA).hexdigest()}]

    def test_lost_answer_with_other_bytes_stored_is_uploaded_again(self, s3, make_planned):
        planned = make_planned(file_size=len(DATA))
        s3.put_object(Bucket=BUCKET, Key=planned.key, Body=b"\0" * len(DATA), Metadata=file_metadata(planned),
                      Tagging="sha256=stale")  # fmt: skip

        class Hook(FlakyHook):
            def load_file_obj(self, fileobj, **kwargs) -> None:
                self.uploads += 1
                fileobj.read()
                if self.uploads == 1:
                    raise ConnectionResetError("dropped before S3 stored anything")
                self.s3.put_object(Bucket=BUCKET, Key=planned.key, Body=DATA, Metadata=file_metadata(planned))

        hook = Hook(s3, planned, "")
        result = archive_file(planned, zoom=Zoom(DATA), s3_hook=hook, bucket=BUCKET, settings=TransferSettings(),
                              force=True)  # fmt: skip
        assert hook.uploads == 2
        assert result.sha256 == hashlib.sha256(DATA).hexdigest()
        assert s3.get_object(Bucket=BUCKET, Key=planned.key)["Body"].read() == DATA

    def test_a_multipart_upload_left_by_a_failed_transfer_is_aborted(self, s3, make_planned):
        planned = make_planned(file_size=len(DATA))
        hook = FlakyHook(s3, planned, "left_upload")
        archive_file(planned, zoom=Zoom(DATA), s3_hook=hook, bucket=BUCKET, settings=TransferSettings())
        assert hook.uploads == 2
        assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []

    def test_abort_uploads_of_key_touches_only_that_key(self, s3):
        mine = s3.create_multipart_upload(Bucket=BUCKET, Key="zoom/a/file.mp4")["UploadId"]
        s3.create_multipart_upload(Bucket=BUCKET, Key="zoom/a/file.mp4.other")
        s3.create_multipart_upload(Bucket=BUCKET, Key="zoom/b/file.mp4")
        assert ArchiveBucket(s3, BUCKET).abort_uploads_of_key("zoom/a/file.mp4", [mine]) == 1
        left = {u["Key"] for u in s3.list_multipart_uploads(Bucket=BUCKET)["Uploads"]}
        assert left == {"zoom/a/file.mp4.other", "zoom/b/file.mp4"}
        assert mine not in {u["UploadId"] for u in s3.list_multipart_uploads(Bucket=BUCKET)["Uploads"]}

    def test_abort_uploads_of_key_never_raises(self):
        class Broken:
            def get_paginator(self, name):
                from botocore.exceptions import EndpointConnectionError

                raise EndpointConnectionError(endpoint_url="http://s3")

        assert ArchiveBucket(Broken(), BUCKET).abort_uploads_of_key("k", ["id"]) == 0


class TestStoredFileId:
    def test_existing_copy_compares_the_stored_form_of_the_file_id(self, s3, make_planned):
        planned = make_planned(file_id="id-with-ü", file_size=len(DATA))
        meta = file_metadata(planned)
        s3.put_object(Bucket=BUCKET, Key=planned.key, Body=DATA, Metadata=meta, Tagging="sha256=abc")
        assert metadata_value(planned.file_id) == "id-with-?"
        assert existing_copy(ArchiveBucket(s3, BUCKET), planned).outcome == "already_archived"
