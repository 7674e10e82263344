"""Meeting manifests (zoom_archiver.publish.manifest): where they go, what they list, and that they list only what S3
holds."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import boto3
import pytest
from moto import mock_aws

from zoom_archiver.discover.planning import meeting_entries
from zoom_archiver.publish.manifest import MANIFEST_VERSION, is_manifest_key, manifest_key, write_manifests
from zoom_archiver.s3.bucket import ArchiveBucket

BUCKET = "zoom-archive-test"
UUID = "2jQ60QnYThiV9cm+fdIbZQ=="
FOLDER = "zoom/jill@example.com/2024/11/29/2024-11-29T165120Z_Weekly_2jQ60QnYThiV9cm-fdIbZQ"
NOW = datetime(2024, 12, 1, 12, 0, tzinfo=timezone.utc)
MEETING = {"uuid": UUID, "id": 82205654575, "topic": "Weekly", "host_id": "h", "host_email": "jill@example.com",
           "start_time": "2024-11-29T16:51:20Z", "timezone": "Europe/Berlin", "duration": 30, "type": 2}  # fmt: skip


class TestKeys:
    def test_next_to_the_meeting_files(self):
        keys = [f"{FOLDER}/shared_screen_a.mp4", f"{FOLDER}/audio_only_b.m4a"]
        assert manifest_key(keys, UUID) == f"{FOLDER}/manifest.json"

    def test_in_a_folder_of_its_own_when_the_template_folders_do_not_name_the_meeting(self):
        keys = ["zoom/jill@example.com/MP4/a.mp4", "zoom/jill@example.com/M4A/b.m4a"]
        assert manifest_key(keys, UUID) == "zoom/jill@example.com/2jQ60QnYThiV9cm-fdIbZQ/manifest.json"

    @pytest.mark.parametrize(("key", "expected"), [(f"{FOLDER}/manifest.json", True), (f"{FOLDER}/x.json", False),
                                                   ("zoom/a/manifest.json.mp4", False)])  # fmt: skip
    def test_is_manifest_key(self, key, expected):
        assert is_manifest_key(key) is expected


def test_entries_for_the_touched_meetings_only(make_planned):
    files = [
        make_planned(file_id="a", key=f"{FOLDER}/a.mp4"),
        make_planned(file_id="q", key=f"{FOLDER}/q.mp4", participant="Sam"),
        make_planned(file_id="o", meeting_uuid="other==", key="zoom/o/o.mp4"),
        make_planned(file_id="a", key=f"{FOLDER}/a.mp4"),  # the meeting listed again (two windows)
    ]
    entries = meeting_entries({UUID: MEETING}, files, [(UUID, "p1"), ("other==", "p2")], [("q", "KeyConflict")], {UUID})
    [entry] = entries
    assert entry["meeting"] == MEETING
    assert [f["file_id"] for f in entry["files"]] == ["a", "q"]
    assert entry["files"][1]["participant"] == "Sam"
    assert entry["processing"] == ["p1"]
    assert entry["quarantined"] == [["q", "KeyConflict"]]
    json.dumps(entries)  # an XCom: JSON types only


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield client


def archive(s3, key: str, file_id: str, data: bytes, *, tag: bool = True) -> str:
    s3.put_object(Bucket=BUCKET, Key=key, Body=data, Metadata={"zoom-file-id": file_id})
    if tag:
        tags = {"TagSet": [{"Key": "sha256", "Value": hashlib.sha256(data).hexdigest()}]}
        s3.put_object_tagging(Bucket=BUCKET, Key=key, Tagging=tags)
    return hashlib.sha256(data).hexdigest()


def file(file_id: str, size: int | None, file_type: str = "MP4", participant: str = "") -> dict:
    return {"file_id": file_id, "file_type": file_type, "recording_type": "r", "participant": participant,
            "recording_start": "2024-11-29T16:51:25Z", "recording_end": "2024-11-29T17:20:00Z",
            "key": f"{FOLDER}/{file_id}.bin", "zoom_size": size}  # fmt: skip


def entry(*files: dict, processing=(), quarantined=()) -> dict:
    return {"meeting": MEETING, "files": list(files), "processing": list(processing), "quarantined": list(quarantined)}


def stored_manifest(s3) -> tuple[dict, dict]:
    got = s3.get_object(Bucket=BUCKET, Key=f"{FOLDER}/manifest.json")
    return json.loads(got["Body"].read()), got["Metadata"]


class TestWriteManifests:
    def test_lists_what_s3_holds_and_says_what_is_missing(self, s3):
        sha = archive(s3, f"{FOLDER}/a.bin", "a", b"a" * 10)
        archive(s3, f"{FOLDER}/v.bin", "v", b"v" * 5)
        archive(s3, f"{FOLDER}/t.bin", "t", b"t" * 3, tag=False)  # the run that wrote it stopped before tagging
        archive(s3, f"{FOLDER}/w.bin", "someone-else", b"w" * 4)  # the key holds another file
        archive(s3, f"{FOLDER}/s.bin", "s", b"s" * 7)  # Zoom now says another size
        listed = entry(
            file("a", 10), file("v", 5, "M4A", "Sam Lee"), file("t", 3), file("w", 4), file("s", 8), file("q", 1),
            processing=["p"], quarantined=[["q", "permanent error: KeyConflict"]],
        )  # fmt: skip
        [result] = write_manifests(ArchiveBucket(s3, BUCKET), [listed], now=NOW)
        assert result == {"key": f"{FOLDER}/manifest.json", "meeting_uuid": UUID, "files": 2, "missing": 5,
                          "written": True}  # fmt: skip
        manifest, metadata = stored_manifest(s3)
        assert metadata == {"zoom-meeting-uuid": UUID}, "a manifest never has a zoom-file-id"
        assert manifest["manifest_version"] == MANIFEST_VERSION
        assert manifest["complete"] is False
        assert manifest["meeting"] == MEETING
        assert [f["file_id"] for f in manifest["files"]] == ["v", "a"]  # by start, type, id
        first = manifest["files"][1]
        version = s3.head_object(Bucket=BUCKET, Key=f"{FOLDER}/a.bin")["VersionId"]
        assert first == {"file_id": "a", "file_type": "MP4", "recording_type": "r",
                         "recording_start": "2024-11-29T16:51:25Z", "recording_end": "2024-11-29T17:20:00Z",
                         "size": 10, "sha256": sha, "key": f"{FOLDER}/a.bin", "version_id": version,
                         "archived_at": first["archived_at"]}  # fmt: skip
        assert manifest["files"][0]["participant"] == "Sam Lee"
        reasons = {m["file_id"]: m["reason"] for m in manifest["missing"]}
        assert reasons == {"t": "sha256_tag_missing", "w": "not_archived", "s": "not_archived", "q": "quarantined",
                           "p": "processing"}  # fmt: skip

    def test_an_unchanged_manifest_is_not_rewritten_and_a_late_file_rewrites_it(self, s3):
        archive(s3, f"{FOLDER}/a.bin", "a", b"a")
        bucket = ArchiveBucket(s3, BUCKET)
        assert write_manifests(bucket, [entry(file("a", 1), processing=["t"])], now=NOW)[0]["written"]
        assert not write_manifests(bucket, [entry(file("a", 1), processing=["t"])], now=NOW)[0]["written"]
        archive(s3, f"{FOLDER}/t.bin", "t", b"tt")  # the transcript completed and was archived
        assert write_manifests(bucket, [entry(file("a", 1), file("t", 2))], now=NOW)[0]["written"]
        manifest, _ = stored_manifest(s3)
        assert [f["file_id"] for f in manifest["files"]] == ["a", "t"]
        assert manifest["complete"] is True
        versions = s3.list_object_versions(Bucket=BUCKET, Prefix=f"{FOLDER}/manifest.json")["Versions"]
        assert len(versions) == 2

    def test_no_manifest_while_no_file_of_the_meeting_is_in_s3(self, s3):
        [result] = write_manifests(ArchiveBucket(s3, BUCKET), [entry(file("a", 1))], now=NOW)
        assert result["written"] is False
        assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0

    def test_the_archive_encryption_and_storage_class_apply(self, s3):
        archive(s3, f"{FOLDER}/a.bin", "a", b"a")
        extra = {"ServerSideEncryption": "AES256", "StorageClass": "STANDARD_IA", "Metadata": {"x": "y"}}
        write_manifests(ArchiveBucket(s3, BUCKET), [entry(file("a", 1))], extra_args=extra, now=NOW)
        head = s3.head_object(Bucket=BUCKET, Key=f"{FOLDER}/manifest.json")
        assert head["ServerSideEncryption"] == "AES256"
        assert head["StorageClass"] == "STANDARD_IA"
        assert head["ContentType"] == "application/json"
        assert head["Metadata"] == {"zoom-meeting-uuid": UUID}
