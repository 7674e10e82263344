"""The audit DAG's task bodies (zoom_archiver.tasks.audit): params, reports written, the verdict.

S3 is moto in-process and Zoom a fake at the module's seams (``_bucket``, ``_zoom``); Variables a dict.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import boto3
import pytest
from airflow.sdk.exceptions import AirflowFailException
from moto import mock_aws

from tests.unit.audit.test_audit import FakeZoom, archive, planned_files
from zoom_archiver.s3.bucket import ArchiveBucket
from zoom_archiver.tasks import audit as audit_task

BUCKET = "zoom-audit-test"
NOW = datetime(2024, 12, 9, 6, 0, tzinfo=timezone.utc)
PARAMS = {"from_date": "2024-11-29", "to_date": "2024-12-05"}


@pytest.fixture
def s3(monkeypatch):
    from airflow.sdk import Variable

    store = {"zoom_archive_bucket": BUCKET, "zoom_archive_prefix": "zoom"}
    monkeypatch.setattr(Variable, "get", staticmethod(lambda key, default=None: store.get(key, default)))
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        monkeypatch.setattr(audit_task, "archive_bucket", lambda bucket, aws_conn_id: ArchiveBucket(client, bucket))
        yield client


@pytest.fixture
def zoom(monkeypatch, real_listing, real_host):
    fake = FakeZoom(real_listing["meetings"], real_host)
    monkeypatch.setattr(audit_task, "_zoom", lambda settings: (fake, 2, "auto"))
    return fake


def keys(s3) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_audit_writes_both_reports_and_nothing_else(s3, zoom, real_listing, real_host):
    files = planned_files(real_listing, real_host)
    archive(s3, files)
    before = {o["Key"]: o["ETag"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    report = audit_task.audit(PARAMS, {"run_id": "manual__1"}, now=NOW)
    assert report["counts"]["intact"] == 3
    assert report["problems"] == 0
    assert report["report_json"] == f"s3://{BUCKET}/zoom/_audit/2024-12-09T060000Z/report.json"
    new = sorted(set(keys(s3)) - set(before))
    assert new == ["zoom/_audit/2024-12-09T060000Z/report.csv", "zoom/_audit/2024-12-09T060000Z/report.json"]
    assert {o["Key"]: o["ETag"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"] if o["Key"] in before} == before
    document = json.loads(s3.get_object(Bucket=BUCKET, Key=new[1])["Body"].read())
    assert document["run_id"] == "manual__1"
    assert len(document["files"]) == 3
    assert audit_task.verdict(report) == {"passed": True, "intact": 3}


def test_a_missing_file_fails_the_verdict_naming_it(s3, zoom, real_listing, real_host):
    files = planned_files(real_listing, real_host)
    archive(s3, files[1:])
    report = audit_task.audit({**PARAMS, "deep": True}, {}, now=NOW)
    assert report["deep"] is True
    assert report["counts"]["missing"] == 1
    with pytest.raises(AirflowFailException, match=f"missing {files[0].key}"):
        audit_task.verdict(report)


def test_bad_dates_fail_without_retries(s3, zoom):
    with pytest.raises(AirflowFailException, match="to_date 2024-11-01 is before from_date 2024-11-29"):
        audit_task.audit({"from_date": "2024-11-29", "to_date": "2024-11-01"}, {}, now=NOW)
    assert keys(s3) == []


def test_the_task_reads_the_archive_time_hashes_and_the_trashed_files(s3, zoom, real_listing, real_host, monkeypatch):
    from airflow.sdk import Variable

    from tests.unit.audit.test_archive_proof import recorded_hashes, replace
    from zoom_archiver.ledger import dump_hashes

    files = planned_files(real_listing, real_host)
    archive(s3, files)
    mp4, m4a = files[0], files[1]
    replace(s3, mp4, b"z" * (mp4.file_size or 0))  # same size, tag recomputed
    hashes = recorded_hashes(files)
    ledger = {"version": 2, "archived": {}, "hashes": dump_hashes({mp4.file_id: hashes[mp4.file_id]})}
    meeting = real_listing["meetings"][1]
    meeting["recording_files"] = [f for f in meeting["recording_files"] if f.get("id") != m4a.file_id]
    trashed = {m4a.file_id: {"at": "2024-12-06T10:00:00+00:00", "meeting": m4a.meeting_uuid, "size": 1}}
    record = {"version": 1, "trashed": trashed, "hashes": dump_hashes({m4a.file_id: hashes[m4a.file_id]})}
    store = {"zoom_archive_bucket": BUCKET, "zoom_archive_prefix": "zoom", "zoom_archive_ledger": json.dumps(ledger),
             "zoom_archive_reclaim": json.dumps(record)}  # fmt: skip
    monkeypatch.setattr(Variable, "get", staticmethod(lambda key, default=None: store.get(key, default)))
    report = audit_task.audit(PARAMS, {}, now=NOW)
    assert report["counts"]["differs_from_archive"] == 1
    assert report["counts"]["intact_trashed"] == 1
    assert (report["archive_hash"], report["no_archive_hash"]) == (2, 1)
    with pytest.raises(AirflowFailException, match=f"differs_from_archive {mp4.key}"):
        audit_task.verdict(report)


def test_a_malformed_record_fails_the_verdict_naming_it(s3, zoom, real_listing, real_host):
    files = planned_files(real_listing, real_host)
    archive(s3, files)
    zoom.meetings[1]["recording_files"][2]["download_url"] = "ftp://elsewhere/x"
    report = audit_task.audit(PARAMS, {}, now=NOW)
    assert report["problems"] == 0
    with pytest.raises(AirflowFailException, match="rejected as malformed.*download_url"):
        audit_task.verdict(report)
