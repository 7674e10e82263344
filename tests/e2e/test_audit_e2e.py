"""The audit DAG end to end: ``airflow dags test`` of ``zoom_recordings_audit`` against the Zoom emulator and moto's
S3 server over HTTP, after a real archive run of ``zoom_recordings_to_s3`` (the emulator's small ``demo`` seed).

One archive run is shared by every assertion: a deep audit of the complete archive (every file proven against the
hash the archive run recorded in the ledger), then, after one object is deleted, another's bytes corrupted (same size,
metadata and tag kept), a third's tag removed, a fourth file trashed in Zoom and an M4A's bytes replaced (same size)
with its ``sha256`` tag recomputed to match, a deep audit and a plain audit.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.e2e.helpers import secrets_in, stored_objects
from tests.e2e.test_archive_e2e import window

pytestmark = pytest.mark.e2e

PREFIX = "archive"
AUDIT_DAG = "zoom_recordings_audit"


def reports(s3, bucket: str) -> list[str]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"{PREFIX}/_audit/").get("Contents", [])
    return sorted(o["Key"] for o in listed if o["Key"].endswith("/report.json"))


def audit(airflow, stack, **conf) -> tuple[object, dict]:
    """Run the audit DAG; its state and the report it wrote (the one new report under ``_audit/``)."""
    s3 = stack.s3_client()
    before = reports(s3, airflow.bucket)
    run = airflow.run({**window(10), **conf}, dag_id=AUDIT_DAG)
    new = [key for key in reports(s3, airflow.bucket) if key not in before]
    assert len(new) == 1, run.output[-3000:]
    assert s3.head_object(Bucket=airflow.bucket, Key=new[0].replace(".json", ".csv"))["ContentLength"] > 0
    return run, json.loads(s3.get_object(Bucket=airflow.bucket, Key=new[0])["Body"].read())


def snapshot(s3, bucket: str) -> dict[str, tuple]:
    """Every object version outside the reports (key, version, ETag) and the current objects' tags."""
    versions = s3.list_object_versions(Bucket=bucket)
    found = {(v["Key"], v["VersionId"], v["ETag"]) for v in versions.get("Versions", [])}
    found |= {(m["Key"], m["VersionId"], "delete marker") for m in versions.get("DeleteMarkers", [])}
    current = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    tags = {o["Key"]: s3.get_object_tagging(Bucket=bucket, Key=o["Key"])["TagSet"] for o in current}
    return {
        "versions": sorted(v for v in found if "/_audit/" not in v[0]),
        "tags": sorted((k, str(t)) for k, t in tags.items() if "/_audit/" not in k),
    }


def problems(report: dict) -> dict[str, str]:
    return {f["key"]: f["status"] for f in report["files"] if f["status"] not in ("intact", "not_in_zoom")}


def test_audit_proves_a_complete_archive_and_names_exactly_what_was_damaged(airflow, stack):
    stack.emulator("POST", "reset", json={"seed": "demo"})
    archived = airflow.run(window(10))
    assert archived.state == "success", archived.output[-3000:]
    s3 = stack.s3_client()
    objects = sorted(stored_objects(s3, airflow.bucket, read_bytes=False).values(), key=lambda o: o.key)
    assert len(objects) > 10

    clean, report = audit(airflow, stack, deep=True)
    assert clean.state == "success", clean.output[-3000:]
    assert clean.states("verdict") == ["success"]
    assert report["summary"]["problems"] == 0
    assert report["summary"]["counts"]["intact"] == len(objects)
    assert {f["key"] for f in report["files"]} == {o.key for o in objects}
    assert all(f["sha256_read"] == f["sha256_tag"] == f["archive_sha256"] for f in report["files"])
    assert (report["summary"]["archive_hash"], report["summary"]["no_archive_hash"]) == (len(objects), 0)

    deleted, corrupted, untagged, trashed = objects[0], objects[1], objects[2], objects[3]
    s3.delete_object(Bucket=airflow.bucket, Key=deleted.key)
    head = s3.head_object(Bucket=airflow.bucket, Key=corrupted.key)
    tags = s3.get_object_tagging(Bucket=airflow.bucket, Key=corrupted.key)["TagSet"]
    s3.put_object(Bucket=airflow.bucket, Key=corrupted.key, Body=b"\0" * corrupted.size,
                  Metadata=head["Metadata"], ContentType=head["ContentType"])  # fmt: skip
    s3.put_object_tagging(Bucket=airflow.bucket, Key=corrupted.key, Tagging={"TagSet": tags})
    s3.delete_object_tagging(Bucket=airflow.bucket, Key=untagged.key)
    stack.emulator("POST", "delete", json={"file_id": trashed.file_id})
    replaced = next(o for o in objects[4:] if o.key.endswith(".m4a"))  # the tag recomputed: only the ledger knows
    head = s3.head_object(Bucket=airflow.bucket, Key=replaced.key)
    forged = b"\x01" * replaced.size
    s3.put_object(Bucket=airflow.bucket, Key=replaced.key, Body=forged, Metadata=head["Metadata"],
                  ContentType=head["ContentType"], Tagging=f"sha256={hashlib.sha256(forged).hexdigest()}")  # fmt: skip
    after_damage = snapshot(s3, airflow.bucket)

    deep, report = audit(airflow, stack, deep=True)
    assert deep.state == "failed"
    assert deep.states("verdict") == ["failed"]
    assert problems(report) == {
        deleted.key: "missing",
        corrupted.key: "differs_from_archive",  # the bytes, against the hash recorded when it was archived
        untagged.key: "tag_missing",
        replaced.key: "differs_from_archive",
    }
    not_in_zoom = [f["key"] for f in report["files"] if f["status"] == "not_in_zoom"]
    assert not_in_zoom == [trashed.key]
    assert f"differs_from_archive {replaced.key}" in deep.output
    for key in (deleted.key, corrupted.key, untagged.key, replaced.key):
        assert key in deep.output, f"the failure does not name {key}"

    plain, report = audit(airflow, stack)
    assert plain.state == "failed"
    # the recomputed tag differs from the archive-time hash: found without reading a byte
    assert problems(report) == {
        deleted.key: "missing",
        untagged.key: "tag_missing",
        replaced.key: "differs_from_archive",
    }

    # the audits changed nothing in S3 besides their reports
    assert snapshot(s3, airflow.bucket) == after_damage
    assert secrets_in(airflow.all_logs(), stack) == []
