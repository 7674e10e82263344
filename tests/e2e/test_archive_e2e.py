"""The archiver end to end: ``airflow dags test`` against the Zoom emulator and moto's S3 server, reached over
HTTPS (the sandbox proxy with a CA made for the session; the ``aws_default`` connection trusts it, verification on).

Dataset: the emulator's ``tricky`` seed (uuids with ``/`` and ``//``, two MP4s of one type, unicode and ``/`` in
topics, a file still processing, an inactive user, a user with 320 meetings over 40 days, id-less TIMELINE/CC,
a /rec/play/ TRANSCRIPT, unknown file types, ...).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from tests.e2e.helpers import emulator_files, incomplete_uploads, secrets_in, stored_objects

pytestmark = pytest.mark.e2e

PREFIX = "archive"


def window(days: int = 45) -> dict[str, str]:
    today = datetime.now(timezone.utc).date()
    return {"from_date": (today - timedelta(days=days)).isoformat(), "to_date": today.isoformat()}


def expected_files(stack) -> list[dict]:
    return [f for f in emulator_files(stack) if f["status"] in ("completed", None)]


def downloads(stack) -> dict:
    stats = stack.emulator("GET", "stats")
    return {k: v for k, v in stats["downloads_by_file"].items() if v.get("api") or v.get("cdn")}


def assert_archive_matches(airflow, stack, expected: list[dict]) -> dict:
    s3 = stack.s3_client()
    objects = stored_objects(s3, airflow.bucket)
    by_meeting_type: dict[tuple[str, str], list] = {}
    for obj in objects.values():
        assert obj.key.startswith(PREFIX + "/"), obj.key
        assert obj.sha256_tag == obj.sha256_bytes, f"sha256 tag of {obj.key} does not match its bytes"
        by_meeting_type.setdefault((obj.meeting_uuid, obj.file_id), []).append(obj)
    assert len(objects) == len(expected), f"{len(objects)} objects for {len(expected)} files"
    for f in expected:
        if f["file_id"]:
            obj = objects.get(f["file_id"])
            assert obj is not None, f"file {f['file_id']} ({f['file_type']}) was not archived"
        else:  # id-less old-shape file: derived id, found by meeting and size
            candidates = [
                o for o in objects.values()
                if o.meeting_uuid == f["meeting_uuid"] and o.file_id.startswith("d-") and o.size == f["size"]
            ]  # fmt: skip
            assert len(candidates) == 1, f"id-less {f['file_type']} of {f['meeting_uuid']} archived {len(candidates)}x"
            obj = candidates[0]
        assert obj.meeting_uuid == f["meeting_uuid"]
        assert obj.size == f["size"]
        assert obj.sha256_bytes == f["sha256"], f"{obj.key} is not byte-identical to Zoom's file"
    assert incomplete_uploads(s3, airflow.bucket) == []
    return objects


def test_tricky_dataset_is_archived_once_and_reruns_download_nothing(airflow, stack):
    expected = expected_files(stack)
    processing = [f for f in emulator_files(stack) if f["status"] == "processing"]
    assert len(expected) > 350, "the tricky seed should hold ~400 files"
    assert processing, "the tricky seed should hold a file still processing"

    first = airflow.run(window())
    assert first.state == "success", first.output[-3000:]
    objects = assert_archive_matches(airflow, stack, expected)
    # Over HTTPS botocore streams every upload aws-chunked with a CRC32 trailer (production's path), and only so.
    assert stack.s3_endpoint.startswith("https://")
    assert json.loads(airflow.env["AIRFLOW_CONN_AWS_DEFAULT"])["extra"]["verify"] == str(stack.tls.ca_path)
    payloads = stack.proxy_call("GET", "stats")["payloads"]
    assert set(payloads) == {"PutObject STREAMING-UNSIGNED-PAYLOAD-TRAILER x-amz-checksum-crc32 aws-chunked"}, payloads
    assert sum(payloads.values()) >= len(expected)  # one per file (more only if a task was retried)
    labels = [ti["label"] for (task, _), ti in first.tis.items() if task == "archive"]
    assert all(label and "·" in label for label in labels), "mapped tasks should be named host · topic · type"
    ledger = json.loads(airflow.variable("zoom_archive_ledger"))
    # The ledger holds every file the run archived, whatever its meeting's date (kept by its archive date).
    assert {fid for ids in ledger["archived"].values() for fid in ids} == set(objects)
    assert list(ledger["archived"]) == [datetime.now(timezone.utc).date().isoformat()]

    # A second run over the same window maps no archive task, downloads nothing, writes no new object version.
    stack.emulator("POST", "stats/reset")
    second = airflow.run(window())
    assert second.state == "success"
    assert [i for (task, i) in second.tis if task == "archive" and i >= 0] == []
    assert downloads(stack) == {}
    assert all(o.versions == 1 for o in stored_objects(stack.s3_client(), airflow.bucket, read_bytes=False).values())

    # The processing file completes: the next run archives exactly that one.
    stack.emulator("POST", "complete_processing", json={"file_id": processing[0]["file_id"]})
    stack.emulator("POST", "stats/reset")
    third = airflow.run(window())
    assert third.state == "success", third.output[-3000:]
    assert list(downloads(stack)) == [processing[0]["file_key"]]
    assert_archive_matches(airflow, stack, expected_files(stack))

    assert secrets_in(airflow.all_logs(), stack) == []


def test_size_mismatch_fails_that_file_only_and_alerts(airflow, stack, smtp_server):
    files = [f for f in expected_files(stack) if f["host_email"].startswith("tricia")]
    victim = next(f for f in files if f["file_type"] == "MP4" and f["file_id"])
    stack.emulator("POST", "corrupt", json={"file_id": victim["file_id"], "size_delta": -1000})
    airflow.env.update(smtp_server.airflow_env(recipient="oncall@example.com"))
    conf = {**window(), "user_emails": [victim["host_email"]]}

    run = airflow.run(conf)
    assert run.state == "failed"
    failed = [key for key, ti in run.tis.items() if ti["state"] == "failed"]
    assert ("commit", -1) in failed
    archive_failed = [key for key in failed if key[0] == "archive"]
    assert len(archive_failed) == 1, run.tis
    assert run.tis[archive_failed[0]]["try_number"] == 2, "the file is retried before it fails"
    s3 = stack.s3_client()
    objects = stored_objects(s3, airflow.bucket)
    assert victim["file_id"] not in objects, "a file with the wrong size must not be stored"
    assert len(objects) == len(files) - 1
    assert incomplete_uploads(s3, airflow.bucket) == []
    alerts = [m for m in smtp_server.messages if victim["file_id"] in m or victim["meeting_uuid"] in m]
    assert alerts, f"no alert e-mail names the failed file; got {len(smtp_server.messages)} messages"
    assert "size mismatch" in alerts[0]
    assert "zoom_recordings_to_s3" in alerts[0]

    # Zoom serves the right bytes again: the next run archives the file and succeeds.
    stack.emulator("POST", "corrupt", json={"file_id": victim["file_id"], "size_delta": 0})
    rerun = airflow.run(conf)
    assert rerun.state == "success", rerun.output[-3000:]
    assert victim["file_id"] in stored_objects(s3, airflow.bucket)
    assert secrets_in(airflow.all_logs(), stack) == []
