"""The reclaim DAG end to end: ``airflow dags test`` of ``zoom_recordings_reclaim`` with a 0-day grace, against the
Zoom emulator and moto's S3 server over HTTP, after a real archive run of ``zoom_recordings_to_s3`` (``demo`` seed).

One archive run (its ledger hashes then dropped, as for files a webhook run archived: the manifests keep them), then:
a dry run (trashes nothing), the real run (trashes exactly the dry run's files, holds back the
meeting whose copy was deleted from S3 and repairs it, and the meeting still processing; no download but the
repair's), a file recovered in Zoom,
an archive rerun (archives nothing new) and a last reclaim (trashes the repaired meeting, not the recovered file).
The audit then proves the trashed files' copies (``intact_trashed``) and fails on one replaced with its tag
recomputed (``differs_from_archive``). Then, versioning suspended on the bucket: the real run refuses to trash, a
dry run warns.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

import pytest

from tests.e2e.helpers import secrets_in, stored_objects
from tests.e2e.test_archive_e2e import downloads, window
from tests.e2e.test_audit_e2e import audit as audit_dag
from tests.e2e.test_audit_e2e import problems as audit_problems

pytestmark = pytest.mark.e2e

RECLAIM_DAG = "zoom_recordings_reclaim"


def report_of(airflow) -> dict[str, Any]:
    """The return value (XCom) of the last reclaim run's task."""
    with sqlite3.connect(airflow.home / "airflow.db") as db:
        (value,) = db.execute(
            "SELECT value FROM xcom WHERE dag_id=? AND task_id='reclaim' AND key='return_value' "
            "ORDER BY timestamp DESC LIMIT 1",
            (RECLAIM_DAG,),
        ).fetchone()
    while isinstance(value, str | bytes):
        value = json.loads(value)
    return value


def reclaim(airflow, **conf) -> dict[str, Any]:
    run = airflow.run(conf or None, dag_id=RECLAIM_DAG)
    assert run.state == "success", run.output[-4000:]
    return report_of(airflow)


def forget_ledger_hashes(airflow) -> None:
    """Drop the ledger's archive-time hashes (a webhook run records none there; its manifest keeps them)."""
    ledger = json.loads(airflow.variable("zoom_archive_ledger") or "{}")
    assert ledger.get("hashes"), "the archive run recorded the hashes of the files it streamed"
    ledger["hashes"] = {}
    with sqlite3.connect(airflow.home / "airflow.db") as db:
        db.execute("UPDATE variable SET val=? WHERE key=?", (json.dumps(ledger), "zoom_archive_ledger"))


def versions(s3, bucket: str) -> list[tuple[str, str]]:
    listed = s3.list_object_versions(Bucket=bucket).get("Versions", [])
    return sorted((v["Key"], v["VersionId"]) for v in listed)


def test_reclaim_trashes_exactly_the_proven_files(airflow, stack):
    stack.emulator("POST", "reset", json={"seed": "demo"})
    airflow.env["AIRFLOW_VAR_ZOOM_ARCHIVE_TRASH_AFTER_DAYS"] = "0"
    archived = airflow.run(window(10))
    assert archived.state == "success", archived.output[-3000:]
    s3 = stack.s3_client()
    objects = stored_objects(s3, airflow.bucket, read_bytes=False)
    zoom_files = stack.emulator("GET", "files")["files"]
    processing = next(f for f in zoom_files if f["status"] == "processing")
    with_id = {f["file_id"] for f in zoom_files if f["file_id"]}
    damaged = next(o for o in objects.values() if o.meeting_uuid != processing["meeting_uuid"] and o.file_id in with_id)
    s3.delete_object(Bucket=airflow.bucket, Key=damaged.key)
    # as if webhook runs had archived every file: the ledger keeps no hash, the meetings' manifests do
    forget_ledger_hashes(airflow)
    fetched = downloads(stack)

    dry = reclaim(airflow, dry_run=True)
    assert stack.emulator("GET", "trash")["calls"] == []
    would = {fid for meeting in dry["would_trash"]["list"] for fid in meeting["files"]}
    held = {h["meeting_uuid"]: " ".join(h["reasons"]) for h in dry["held"]}
    assert "no object at its key" in held[damaged.meeting_uuid]
    assert "still processing" in held[processing["meeting_uuid"]]
    assert would
    assert would <= set(objects)
    assert dry["would_trash"]["files"] == len(would)

    real = reclaim(airflow)
    calls = stack.emulator("GET", "trash")["calls"]
    assert {c["recording_id"] for c in calls} == would  # exactly what the dry run listed
    assert len(calls) == len(would)
    assert {c["action"] for c in calls} == {"trash"}
    listed = {f["file_id"] for f in stack.emulator("GET", "files")["files"]}
    assert not would & listed  # Zoom no longer lists them
    assert real["trashed"]["files"] == len(would) == real["total"]["files"]
    assert real["trashed"]["bytes"] == dry["would_trash"]["bytes"] > 0
    assert real["repaired"] == [damaged.file_id]
    # proven against the manifests' archive-time hashes: nothing downloaded but the repaired copy
    assert set(downloads(stack)) - set(fetched) <= {damaged.file_id}
    assert all(downloads(stack)[fid] == count for fid, count in fetched.items() if fid != damaged.file_id)
    assert s3.head_object(Bucket=airflow.bucket, Key=damaged.key)["Metadata"]["zoom-file-id"] == damaged.file_id
    assert damaged.file_id in listed
    assert processing["file_id"] in listed
    record = json.loads(airflow.variable("zoom_archive_reclaim"))
    assert set(record["trashed"]) == would

    recovered = sorted(would)[0]
    stack.emulator("POST", "trash/recover", json={"file_id": recovered})
    before = versions(s3, airflow.bucket)
    rerun = airflow.run(window(10))
    assert rerun.state == "success", rerun.output[-3000:]
    assert versions(s3, airflow.bucket) == before  # the recovered file is already in S3: nothing archived

    last = reclaim(airflow)
    new_calls = {c["recording_id"] for c in stack.emulator("GET", "trash")["calls"][len(calls) :]}
    assert recovered not in new_calls  # not trashed again before the grace elapses from its recovery
    assert damaged.file_id in new_calls  # the repaired copy, proven by this later run
    assert "recovered in Zoom" in " ".join(r for h in last["held"] for r in h["reasons"])
    assert processing["file_id"] not in {c["recording_id"] for c in stack.emulator("GET", "trash")["calls"]}
    assert last["total"]["files"] == real["trashed"]["files"] + last["trashed"]["files"]
    assert last["warnings"] == []  # the test's bucket is versioned (tests.support.stack.make_airflow)

    # the audit keeps proving what the reclaim trashed in Zoom: intact, until a copy is replaced (tag recomputed)
    run, report = audit_dag(airflow, stack, deep=True)
    assert run.state == "success", run.output[-3000:]
    status = {f["file_id"]: f["status"] for f in report["files"]}
    trashed_now = set(json.loads(airflow.variable("zoom_archive_reclaim") or "{}")["trashed"])
    assert trashed_now
    assert {status[fid] for fid in trashed_now} == {"intact_trashed"}
    victim = objects[sorted(trashed_now)[0]]
    garbage = b"g" * victim.size
    metadata = s3.head_object(Bucket=airflow.bucket, Key=victim.key)["Metadata"]
    s3.put_object(Bucket=airflow.bucket, Key=victim.key, Body=garbage, Metadata=metadata,
                  Tagging=f"sha256={hashlib.sha256(garbage).hexdigest()}")  # fmt: skip
    run, report = audit_dag(airflow, stack, deep=True)
    assert run.state == "failed"
    assert {k: v for k, v in audit_problems(report).items() if v != "intact_trashed"} == {
        victim.key: "differs_from_archive"
    }

    # a bucket without versioning Enabled: the real run refuses, naming the bucket; a dry run warns and still lists
    s3.put_bucket_versioning(Bucket=airflow.bucket, VersioningConfiguration={"Status": "Suspended"})
    trash_calls = len(stack.emulator("GET", "trash")["calls"])
    refused = airflow.run(None, dag_id=RECLAIM_DAG)
    assert refused.state == "failed", refused.output[-3000:]
    assert f"S3 bucket {airflow.bucket!r} does not have versioning enabled (status: Suspended)" in airflow.all_logs()
    assert len(stack.emulator("GET", "trash")["calls"]) == trash_calls
    warned = reclaim(airflow, dry_run=True)
    assert "does not have versioning enabled" in warned["warnings"][0]
    assert len(stack.emulator("GET", "trash")["calls"]) == trash_calls
    assert secrets_in(airflow.all_logs(), stack) == []
    print("reclaim e2e airflow run durations (s):", airflow.durations)
