"""The publish task (zoom_archiver.tasks.publish): manifests of the touched meetings, then the archive asset's event."""

from __future__ import annotations

import hashlib
import json
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from airflow.sdk.exceptions import AirflowSkipException
from moto import mock_aws

from tests.unit.tasks.support import FakeTI
from zoom_archiver.publish.assets import archive_asset
from zoom_archiver.s3.bucket import ArchiveBucket
from zoom_archiver.tasks import publish as publish_mod

BUCKET = "archive-bucket"
UUID = "2jQ60QnYThiV9cm+fdIbZQ=="
FOLDER = "zoom/h/2026/03/05/m_2jQ60QnYThiV9cm-fdIbZQ"
KEY = f"{FOLDER}/shared_screen_a.mp4"


@pytest.fixture
def s3(monkeypatch):
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        monkeypatch.setattr(publish_mod, "archive_bucket", lambda bucket, aws_conn_id: ArchiveBucket(client, bucket))
        yield client


def context() -> dict[str, Any]:
    asset = archive_asset()
    return {"ti": FakeTI(), "run_id": "manual__1", "task": SimpleNamespace(outlets=[asset]),
            "outlet_events": {asset: SimpleNamespace(extra={})}}  # fmt: skip


def meeting_entry() -> dict[str, Any]:
    file = {"file_id": "a", "file_type": "MP4", "recording_type": "shared_screen", "participant": "",
            "recording_start": "", "recording_end": "", "key": KEY, "zoom_size": 3}  # fmt: skip
    return {"meeting": {"uuid": UUID}, "files": [file], "processing": [], "quarantined": []}


def archived(s3) -> dict[str, Any]:
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"abc", Metadata={"zoom-file-id": "a"})
    sha = hashlib.sha256(b"abc").hexdigest()
    s3.put_object_tagging(Bucket=BUCKET, Key=KEY, Tagging={"TagSet": [{"Key": "sha256", "Value": sha}]})
    return {"file_id": "a", "key": KEY, "meeting_uuid": UUID, "file_type": "MP4", "size": 3, "sha256": sha,
            "outcome": "archived", "start_date": "2026-03-05"}  # fmt: skip


def test_writes_the_manifest_and_names_the_new_objects_in_the_event(variables, s3):
    ctx = context()
    result = archived(s3)
    out = publish_mod.publish([result], [meeting_entry()], ctx)
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key=f"{FOLDER}/manifest.json")["Body"].read())
    assert [f["key"] for f in manifest["files"]] == [KEY]
    [event] = ctx["outlet_events"].values()
    assert event.extra["files"] == [{k: result[k] for k in ("key", "meeting_uuid", "file_id", "file_type", "size",
                                                            "sha256")}]  # fmt: skip
    assert event.extra["manifests"] == [f"{FOLDER}/manifest.json"]
    assert (event.extra["bucket"], event.extra["run_id"]) == (BUCKET, "manual__1")
    assert out["new_objects"] == 1


def test_a_run_that_wrote_nothing_new_emits_no_event(variables, s3):
    ctx = context()
    already = {**archived(s3), "outcome": "already_archived"}
    with pytest.raises(AirflowSkipException, match="no asset event"):
        publish_mod.publish([already], [meeting_entry()], ctx)
    assert [e.extra for e in ctx["outlet_events"].values()] == [{}]


def test_no_meeting_touched_is_skipped_without_reading_anything(variables):
    class Unreadable:
        def __len__(self) -> int:
            raise AssertionError("the results must not be read")

    with pytest.raises(AirflowSkipException):
        publish_mod.publish(Unreadable(), [], context())  # type: ignore[arg-type]
