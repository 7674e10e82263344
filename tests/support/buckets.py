"""A scratch-bucket fixture for suites that talk to a real S3 endpoint (moto); a conftest imports it by name."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def make_bucket(request):
    """``make_bucket(s3, name)`` creates a bucket that is emptied (uploads aborted too) and removed after the test."""

    def make(s3: Any, name: str) -> str:
        s3.create_bucket(Bucket=name)

        def remove() -> None:
            for upload in s3.list_multipart_uploads(Bucket=name).get("Uploads", []):
                s3.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
            for obj in s3.list_objects_v2(Bucket=name).get("Contents", []):
                s3.delete_object(Bucket=name, Key=obj["Key"])
            s3.delete_bucket(Bucket=name)

        request.addfinalizer(remove)
        return name

    return make
