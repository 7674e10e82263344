"""Participant audio files, meeting manifests and the archive's asset event, end to end over HTTP.

One meeting (added to the emulator in Zoom's shape, on a date of its own): an MP4, an M4A, a TRANSCRIPT still
processing, and three participant audio files of which two participants share a display name. Two
``airflow dags test`` runs of the archive DAG (the transcript completes between them), then a real scheduler
(``airflow standalone`` on the same metadata DB) runs the example consumer DAG from the README on the two events.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

import pytest
from zoom_sandbox.airflow_proc import AirflowApi, start_standalone

from tests.e2e.helpers import emulator_files, secrets_in, stored_objects
from tests.support.stack import AIRFLOW, DAG_ID, REPO, airflow_settings

pytestmark = pytest.mark.e2e

CONSUMER = "zoom_archive_consumer_example"
DAYS_AGO = 44  # no file of the tricky seed is that old
PARTICIPANTS = ["Jill Chill", "Sam Lee", "Sam Lee"]


def meeting_day() -> str:
    return (datetime.now(timezone.utc).date() - timedelta(days=DAYS_AGO)).isoformat()


def add_meeting(stack) -> dict:
    body = {
        "host_email": "tricia@example.com",
        "topic": "Speakers' corner",
        "start_time": f"{meeting_day()}T10:00:00Z",
        "duration": 20,
        "type": 2,
        "timezone": "Europe/Berlin",
        "recording_files": [
            {"file_type": "MP4", "file_size": 6000},
            {"file_type": "M4A", "file_size": 3000},
            {"file_type": "TRANSCRIPT", "file_size": 1500, "status": "processing"},
        ],
        "participant_audio_files": [
            {"file_name": f"Audio only - {name}", "file_size": 2000 + 100 * i} for i, name in enumerate(PARTICIPANTS)
        ],
    }
    return stack.emulator("POST", "meetings", json=body)


def airflow_cli(airflow, *args: str) -> None:
    env = {**os.environ, **airflow_settings(airflow.home), **airflow.env}
    subprocess.run([AIRFLOW, *args], env=env, check=True, capture_output=True, timeout=300)


def manifests(s3, bucket: str) -> dict[str, dict]:
    """Every manifest in the bucket (latest version), by key, with its metadata."""
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            if obj["Key"].endswith("/manifest.json"):
                got = s3.get_object(Bucket=bucket, Key=obj["Key"])
                found[obj["Key"]] = {"body": json.loads(got["Body"].read()), "meta": got["Metadata"]}
    return found


def rendered_reports(airflow) -> list[str]:
    """The ``report`` task's rendered field of every run, oldest first (what its *Rendered Templates* tab shows)."""
    with sqlite3.connect(airflow.home / "airflow.db") as db:
        rows = db.execute(
            "SELECT rendered_fields FROM rendered_task_instance_fields WHERE dag_id=? AND task_id='report' "
            "ORDER BY run_id",
            (DAG_ID,),
        ).fetchall()
    return [json.loads(row[0])["report"] for row in rows]


def assert_entries_match_objects(s3, bucket: str, manifest: dict) -> None:
    for entry in manifest["files"]:
        version = {"VersionId": entry["version_id"]} if entry["version_id"] else {}
        head = s3.head_object(Bucket=bucket, Key=entry["key"], **version)
        tags = s3.get_object_tagging(Bucket=bucket, Key=entry["key"], **version)["TagSet"]
        body = s3.get_object(Bucket=bucket, Key=entry["key"], **version)["Body"].read()
        assert head["Metadata"]["zoom-file-id"] == entry["file_id"]
        assert head["ContentLength"] == entry["size"] == len(body)
        assert {"Key": "sha256", "Value": entry["sha256"]} in tags
        assert hashlib.sha256(body).hexdigest() == entry["sha256"], f"{entry['key']} does not match its entry"


def test_participant_audio_manifests_and_the_asset_event(airflow, stack, tmp_path):
    dags = tmp_path / "dags"
    dags.mkdir()
    shutil.copy(REPO / "dags" / "zoom_recordings_to_s3.py", dags)
    shutil.copy(REPO / "docs" / "examples" / "zoom_archive_consumer.py", dags)
    airflow.env["AIRFLOW__CORE__DAGS_FOLDER"] = str(dags)
    meeting = add_meeting(stack)
    uuid = meeting["uuid"]
    ours = {f["file_id"]: f for f in emulator_files(stack) if f["meeting_uuid"] == uuid}
    assert not [f for f in emulator_files(stack) if f["start_time"][:10] == meeting_day() and f["file_id"] not in ours]
    transcript = next(f for f in ours.values() if f["status"] == "processing")
    # the consumer is unpaused before the first event (a paused DAG is not queued by an asset event)
    airflow_cli(airflow, "dags", "reserialize")
    airflow_cli(airflow, "dags", "unpause", CONSUMER)

    span = {"from_date": meeting_day(), "to_date": meeting_day()}
    first = airflow.run(span)
    assert first.state == "success", first.output[-4000:]
    s3 = stack.s3_client()
    objects = stored_objects(s3, airflow.bucket)
    done = {fid: f for fid, f in ours.items() if f["status"] == "completed"}
    assert set(objects) == set(done), "every completed file, the three participant files included, is archived"
    for fid, obj in objects.items():
        assert obj.sha256_bytes == done[fid]["sha256"] == obj.sha256_tag, f"{obj.key} is not byte-identical"
    voices = {fid: obj for fid, obj in objects.items() if done[fid]["file_name"]}
    assert len(voices) == 3
    assert len({o.key for o in voices.values()}) == 3, "three distinct participant keys"
    assert sum("/participant_audio-Sam-Lee_" in o.key for o in voices.values()) == 2
    for fid, obj in voices.items():
        meta = s3.head_object(Bucket=airflow.bucket, Key=obj.key)["Metadata"]
        assert "Audio only - " + unquote(meta["zoom-participant"]) == done[fid]["file_name"]
        assert meta["zoom-recording-type"] == "participant_audio"

    [(key, first_manifest)] = manifests(s3, airflow.bucket).items()
    folder = next(iter(objects.values())).key.rsplit("/", 1)[0]
    assert key == f"{folder}/manifest.json"
    assert first_manifest["meta"] == {"zoom-meeting-uuid": uuid}, "a manifest carries no zoom-file-id"
    body = first_manifest["body"]
    assert body["manifest_version"] == 1
    assert body["complete"] is False
    assert body["meeting"] | {"uuid": uuid, "topic": "Speakers' corner", "timezone": "Europe/Berlin"} == body["meeting"]
    assert {e["file_id"] for e in body["files"]} == set(done)
    assert body["missing"] == [{"file_id": transcript["file_id"], "file_type": "", "reason": "processing"}]
    assert_entries_match_objects(s3, airflow.bucket, body)

    # The transcript completes: the next run archives it and rewrites the manifest with it.
    stack.emulator("POST", "complete_processing", json={"file_id": transcript["file_id"]})
    second = airflow.run(span)
    assert second.state == "success", second.output[-4000:]
    rewritten = manifests(s3, airflow.bucket)[key]["body"]
    assert {e["file_id"] for e in rewritten["files"]} == set(ours)
    assert rewritten["complete"] is True
    assert rewritten["missing"] == []
    assert_entries_match_objects(s3, airflow.bucket, rewritten)
    objects_now = {o.key for o in stored_objects(s3, airflow.bucket, read_bytes=False).values()}
    transcript_key = (objects_now - {o.key for o in objects.values()}).pop()
    assert "Run report" in second.output
    assert "Archived 1 files" in second.output
    # the UI shows each run's report as Markdown: the report task's rendered field opens with its headline
    assert [text.splitlines()[0].removeprefix("### ").split(",")[0] for text in rendered_reports(airflow)] == [
        "Archived 5 files",
        "Archived 1 files",
    ]
    assert secrets_in(airflow.all_logs(), stack) == []

    # A real scheduler runs the consumer and hands it the first run's keys (Airflow gives a queued asset-triggered
    # run the events up to the moment it was queued: the second event waits for the consumer's next run). The
    # consumer stays paused (its queued run waits) until the API server its task reports to is up.
    airflow_cli(airflow, "dags", "pause", CONSUMER)
    service, password = start_standalone(airflow.home, tmp_path, airflow.env, dags_folder=dags)
    try:
        api = AirflowApi(service.url, "admin", password)
        api.call("PATCH", f"dags/{CONSUMER}", json={"is_paused": False})
        received = consumer_keys(api, airflow)
        events = api.call("GET", "assets/events", params={"order_by": "timestamp"})["asset_events"]
    finally:
        service.stop()
    assert received == {o.key for o in objects.values()}
    assert [[f["key"] for f in e["extra"]["files"]] for e in events][1:] == [[transcript_key]]


def consumer_keys(api: AirflowApi, airflow, timeout: float = 300) -> set[str]:
    """Keys the consumer's runs received, once every one of them has finished."""
    deadline = time.monotonic() + timeout
    while True:
        runs = api.dag_runs(CONSUMER)
        if runs and all(r["state"] in ("success", "failed") for r in runs):
            break
        assert time.monotonic() < deadline, f"the consumer did not run: {runs}"
        time.sleep(3)
    assert {r["state"] for r in runs} == {"success"}, runs
    assert {r["run_type"] for r in runs} == {"asset_triggered"}
    keys: set[str] = set()
    for run in runs:
        for item in api.xcom(run["dag_run_id"], "new_recordings", dag_id=CONSUMER):
            assert item["uri"] == f"s3://{airflow.bucket}/{item['key']}"
            keys.add(item["key"])
    return keys
