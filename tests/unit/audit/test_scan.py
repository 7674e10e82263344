"""The audit's view of S3 (zoom_archiver.audit.scan): recording objects by key, foreign ones apart, reports left out."""

from __future__ import annotations

from zoom_archiver.audit.scan import scan_bucket, with_tags
from zoom_archiver.s3.bucket import ArchiveBucket

BUCKET = "zoom-scan-test"
META = {"zoom-file-id": "f1", "zoom-meeting-uuid": "m==", "zoom-start-time": "2026-11-02T10:00:00Z"}


def test_scan_reads_our_metadata_and_keeps_foreign_objects_apart(s3):
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=BUCKET, Key="zoom/h/a.mp4", Body=b"abc", Metadata=META, StorageClass="STANDARD_IA")
    s3.put_object(Bucket=BUCKET, Key="zoom/h/manifest.json", Body=b"{}", Metadata={"zoom-meeting-uuid": "m=="})
    s3.put_object(Bucket=BUCKET, Key="zoom/_audit/t/report.json", Body=b"{}", Metadata=META)
    s3.put_object(Bucket=BUCKET, Key="other/b.mp4", Body=b"abc", Metadata=META)
    scan = scan_bucket(ArchiveBucket(s3, BUCKET), "zoom", workers=2)
    assert list(scan.objects) == ["zoom/h/a.mp4"]
    stored = scan.objects["zoom/h/a.mp4"]
    assert (stored.size, stored.file_id, stored.meeting_uuid, stored.start_time) == (
        3,
        "f1",
        "m==",
        META["zoom-start-time"],
    )
    assert stored.storage_class == "STANDARD_IA"
    assert stored.version_id
    assert stored.unreadable is None
    assert stored.sha256_tag is None  # tags are read only for the objects the audit checks
    assert scan.foreign == {"zoom/h/manifest.json"}


def test_with_tags_reads_the_scanned_version_and_refused_tags(s3):
    s3.put_object(Bucket=BUCKET, Key="zoom/a", Body=b"a", Metadata=META, Tagging="sha256=" + "a" * 64)
    s3.put_object(Bucket=BUCKET, Key="zoom/cold", Body=b"c", Metadata=META, StorageClass="GLACIER")
    bucket = ArchiveBucket(s3, BUCKET)
    scan = scan_bucket(bucket, "zoom")
    tagged = with_tags(bucket, list(scan.objects.values()), 2)
    assert tagged["zoom/a"].sha256_tag == "a" * 64
    assert not tagged["zoom/a"].tag_refused
    assert "GLACIER" in (tagged["zoom/cold"].unreadable or "")
    assert tagged["zoom/cold"].tag_refused  # moto refuses tag reads of archived objects; never an error


def test_the_manifests_near_an_object_are_in_its_folder_above_it_or_named_by_its_meeting():
    from zoom_archiver.audit.scan import Scan, StoredObject, manifests_near

    def stored(key: str, file_id: str, meeting: str = "m+1==") -> StoredObject:
        return StoredObject(key=key, file_id=file_id, size=1, meeting_uuid=meeting)

    scan = Scan(
        objects={"z/a/2024/x.mp4": stored("z/a/2024/x.mp4", "x"), "z/b/y.mp4": stored("z/b/y.mp4", "y")},
        foreign={
            "z/a/2024/manifest.json",
            "z/a/u~m~2B1~3D~3D/manifest.json",
            "z/c/manifest.json",
            "z/a/2024/notes.txt",
        },
    )
    assert manifests_near(scan, {"x"}) == ["z/a/2024/manifest.json", "z/a/u~m~2B1~3D~3D/manifest.json"]
    assert manifests_near(scan, {"y"}) == []
    assert manifests_near(scan, set()) == []
