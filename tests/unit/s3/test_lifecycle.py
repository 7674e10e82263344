"""The example lifecycle rule of the README (docs/lifecycle.json) is valid S3 and does what the README says."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
from moto import mock_aws

from zoom_archiver.settings import ArchiveSettings

RULES = Path(__file__).resolve().parents[3] / "docs" / "lifecycle.json"


def test_example_lifecycle_rule_is_accepted_and_covers_the_default_prefix():
    config = json.loads(RULES.read_text())
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="lifecycle-example")
        s3.put_bucket_lifecycle_configuration(Bucket="lifecycle-example", LifecycleConfiguration=config)
        rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket="lifecycle-example")["Rules"]}

    prefix = ArchiveSettings(bucket="b").prefix + "/"
    tiering, abort = rules["zoom-archive-tiering"], rules["abort-incomplete-multipart-uploads"]
    assert tiering["Filter"]["Prefix"] == abort["Filter"]["Prefix"] == prefix
    assert [(t["Days"], t["StorageClass"]) for t in tiering["Transitions"]] == [
        (30, "GLACIER_IR"),
        (180, "DEEP_ARCHIVE"),
    ]
    # Not younger than housekeeping's default age (24 h): a live upload is never aborted by the rule.
    assert (
        abort["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] * 24
        >= ArchiveSettings(bucket="b").abort_uploads_after.total_seconds() / 3600
    )
