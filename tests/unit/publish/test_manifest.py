"""Meeting manifests (zoom_archiver.publish.manifest): where they go, what they list, and that they list only what S3
holds."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from zoom_archiver.discover.planning import meeting_entries
from zoom_archiver.errors import ZoomArchiverError
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


def manifest_puts(s3) -> list[dict]:
    """The conditions (``If-Match`` / ``If-None-Match``) of every manifest PutObject the client sends, recorded."""
    sent: list[dict] = []

    def record(params: dict, **_) -> None:
        if params.get("url_path", "").endswith("/manifest.json"):
            headers = params.get("headers", {})
            sent.append({h: headers[h] for h in ("If-Match", "If-None-Match") if h in headers})

    s3.meta.events.register("before-call.s3.PutObject", record)
    return sent


class TestManifestsNeverRegress:
    """Writers race (a late webhook run, a scheduled run): the stored manifest is merged, never replaced."""

    def test_a_late_stale_publish_keeps_a_complete_manifest_complete(self, s3):
        archive(s3, f"{FOLDER}/a.bin", "a", b"a")
        archive(s3, f"{FOLDER}/t.bin", "t", b"tt")
        bucket = ArchiveBucket(s3, BUCKET)
        assert write_manifests(bucket, [entry(file("a", 1), file("t", 2, "TRANSCRIPT"))], now=NOW)[0]["written"]
        complete, _ = stored_manifest(s3)
        # the webhook run's discover saw the transcript still processing; its publish runs last
        [late] = write_manifests(bucket, [entry(file("a", 1), processing=["t"])], now=NOW)
        assert (late["written"], late["files"], late["missing"]) == (False, 2, 0)
        assert stored_manifest(s3)[0] == complete
        assert complete["complete"] is True

    def test_a_concurrent_writer_first_is_merged_not_overwritten(self, s3):
        archive(s3, f"{FOLDER}/a.bin", "a", b"a")
        archive(s3, f"{FOLDER}/b.bin", "b", b"bb")
        bucket = ArchiveBucket(s3, BUCKET)
        sent = manifest_puts(s3)
        raced = []

        def other_writer_first(params: dict, **_) -> None:
            if params.get("url_path", "").endswith("/manifest.json") and not raced:
                raced.append("")  # the other run writes between our read and our write: S3 answers ours 412
                write_manifests(bucket, [entry(file("b", 2, "M4A"))], now=NOW)
                raced[0] = s3.head_object(Bucket=BUCKET, Key=f"{FOLDER}/manifest.json")["ETag"]

        s3.meta.events.register_first("before-call.s3.PutObject", other_writer_first)
        [ours] = write_manifests(bucket, [entry(file("a", 1), processing=["b"])], now=NOW)
        assert ours["written"] is True
        manifest, _ = stored_manifest(s3)
        assert sorted(f["file_id"] for f in manifest["files"]) == ["a", "b"]
        assert (manifest["missing"], manifest["complete"]) == ([], True)
        # the other run's write (none stored yet), ours (refused), ours again on what the other run stored
        assert sent == [{"If-None-Match": "*"}, {"If-None-Match": "*"}, {"If-Match": raced[0]}]

    def test_a_file_gone_from_s3_is_missing_not_kept(self, s3):
        archive(s3, f"{FOLDER}/a.bin", "a", b"a")
        archive(s3, f"{FOLDER}/t.bin", "t", b"tt")
        bucket = ArchiveBucket(s3, BUCKET)
        write_manifests(bucket, [entry(file("a", 1), file("t", 2))], now=NOW)
        s3.delete_object(Bucket=BUCKET, Key=f"{FOLDER}/t.bin")
        [result] = write_manifests(bucket, [entry(file("a", 1))], now=NOW)  # a writer that does not list t
        manifest, _ = stored_manifest(s3)
        assert (result["written"], [f["file_id"] for f in manifest["files"]]) == (True, ["a"])
        [gone] = manifest["missing"]
        assert (gone["file_id"], gone["reason"], manifest["complete"]) == ("t", "not_archived", False)

    def test_the_version_s3_holds_now_wins(self, s3):
        archive(s3, f"{FOLDER}/a.bin", "a", b"a")
        bucket = ArchiveBucket(s3, BUCKET)
        write_manifests(bucket, [entry(file("a", 1))], now=NOW)
        sha = archive(s3, f"{FOLDER}/a.bin", "a", b"a2")  # archived again: Zoom's file changed
        version = s3.head_object(Bucket=BUCKET, Key=f"{FOLDER}/a.bin")["VersionId"]
        write_manifests(bucket, [entry(file("a", 1))], now=NOW)  # a stale writer: the old size
        [listed] = stored_manifest(s3)[0]["files"]
        assert (listed["sha256"], listed["version_id"], listed["size"]) == (sha, version, 2)

    def test_the_trash_time_of_a_file_stays(self, s3):
        archive(s3, f"{FOLDER}/a.bin", "a", b"a")
        bucket = ArchiveBucket(s3, BUCKET)
        write_manifests(bucket, [entry(file("a", 1))], now=NOW, trashed={"a": "2024-12-02T00:00:00Z"})
        assert not write_manifests(bucket, [entry(file("a", 1))], now=NOW)[0]["written"]
        assert stored_manifest(s3)[0]["files"][0]["trashed_in_zoom_at"] == "2024-12-02T00:00:00Z"

    def test_a_manifest_deleted_between_read_and_write_is_written_anew(self, s3):
        archive(s3, f"{FOLDER}/a.bin", "a", b"a")
        archive(s3, f"{FOLDER}/t.bin", "t", b"tt")
        bucket = ArchiveBucket(s3, BUCKET)
        write_manifests(bucket, [entry(file("a", 1), processing=["t"])], now=NOW)
        sent = manifest_puts(s3)
        deleted = []

        def delete_first(params: dict, **_) -> None:
            if "If-Match" in params.get("headers", {}) and not deleted:
                deleted.append(s3.delete_object(Bucket=BUCKET, Key=f"{FOLDER}/manifest.json"))

        s3.meta.events.register_first("before-call.s3.PutObject", delete_first)
        assert write_manifests(bucket, [entry(file("a", 1), file("t", 2))], now=NOW)[0]["written"]
        assert [list(s) for s in sent] == [["If-Match"], ["If-None-Match"]]  # 404 NoSuchKey, then as a new one
        assert stored_manifest(s3)[0]["complete"] is True

    @pytest.mark.parametrize(("status", "code"), [(412, "PreconditionFailed"), (409, "ConditionalRequestConflict")])
    def test_gives_up_after_five_lost_races(self, s3, monkeypatch, status, code):
        archive(s3, f"{FOLDER}/a.bin", "a", b"a")
        bucket = ArchiveBucket(s3, BUCKET)
        attempts = []

        def refuse(*args, **kwargs) -> None:
            attempts.append(kwargs["etag"])
            raise ClientError({"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "PutObject")

        monkeypatch.setattr(bucket, "replace_manifest", refuse)
        with pytest.raises(ZoomArchiverError, match="changed by other writers during each of 5 attempts"):
            write_manifests(bucket, [entry(file("a", 1))], now=NOW)
        assert attempts == [None] * 5

    def test_a_manifest_of_a_newer_schema_is_left_alone(self, s3):
        archive(s3, f"{FOLDER}/a.bin", "a", b"a")
        newer = json.dumps({"manifest_version": 2, "files": []}).encode()
        s3.put_object(Bucket=BUCKET, Key=f"{FOLDER}/manifest.json", Body=newer)
        assert not write_manifests(ArchiveBucket(s3, BUCKET), [entry(file("a", 1))], now=NOW)[0]["written"]
        assert stored_manifest(s3)[0] == {"manifest_version": 2, "files": []}
