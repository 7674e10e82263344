"""The audit against the archive (issue 21): the hash recorded when a file was archived, not the object's own tag,
Zoom files without a size, and files the reclaim trashed in Zoom (moto in-process)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from tests.unit.audit.test_audit import BUCKET, SETTINGS, WINDOW, FakeZoom, archive, body, statuses
from zoom_archiver.archive.archive import file_metadata
from zoom_archiver.audit import audit
from zoom_archiver.audit import report as audit_report
from zoom_archiver.model import PlannedFile


def recorded_hashes(files: list[PlannedFile]) -> dict[str, tuple[str, int]]:
    """What the hourly ``commit`` recorded when it archived ``files`` (the bytes streamed from Zoom)."""
    return {f.file_id: (hashlib.sha256(body(f)).hexdigest(), len(body(f))) for f in files}


def replace(s3, planned: PlannedFile, data: bytes, *, retag: bool = True) -> None:
    """Overwrite ``planned``'s copy with ``data`` (our metadata kept), its sha256 tag recomputed to match."""
    tag = f"sha256={hashlib.sha256(data).hexdigest()}" if retag else ""
    s3.put_object(Bucket=BUCKET, Key=planned.key, Body=data, Metadata=file_metadata(planned), Tagging=tag)


def run(zoom, bucket, recorded: audit.Recorded | None = None, *, deep: bool = False) -> audit.Audit:
    return audit.run_audit(zoom, SETTINGS, bucket, WINDOW, deep=deep, list_workers=2, recorded=recorded)


def row_of(result: audit.Audit, file_id: str) -> audit.AuditRow:
    return next(r for r in result.rows if r.file_id == file_id)


@pytest.fixture
def files(real_listing, real_host) -> list[PlannedFile]:
    from tests.unit.audit.test_audit import planned_files

    return planned_files(real_listing, real_host)


@pytest.fixture
def zoom(real_listing, real_host) -> FakeZoom:
    return FakeZoom(real_listing["meetings"], real_host)


class TestArchiveTimeHash:
    def test_bytes_replaced_with_a_recomputed_tag_differ_from_the_archive(self, s3, bucket, zoom, files):
        archive(s3, files)
        recorded = audit.Recorded(hashes=recorded_hashes(files))
        m4a = files[1]
        replace(s3, m4a, b"z" * len(body(m4a)))
        for deep in (False, True):
            result = run(zoom, bucket, recorded, deep=deep)
            row = row_of(result, m4a.file_id)
            assert row.status == audit.DIFFERS_FROM_ARCHIVE
            assert row.archive_sha256 == recorded.hashes[m4a.file_id][0] != row.sha256_tag
            assert result.failed
            assert [r.key for r in result.problems] == [m4a.key]

    def test_a_hash_kept_by_the_manifest_proves_a_file_the_ledger_has_no_hash_of(self, s3, bucket, zoom, files):
        # a webhook run archived the files (the ledger has no hash of them); its publish kept them in the manifest
        from zoom_archiver.model import file_entry
        from zoom_archiver.publish.manifest import write_manifests

        archive(s3, files)
        meeting = {"uuid": files[0].meeting_uuid}
        listed = [f for f in files if f.meeting_uuid == files[0].meeting_uuid]
        entries = [{"meeting": meeting, "files": [file_entry(f) for f in listed], "processing": [], "quarantined": []}]
        write_manifests(bucket, entries, streamed={f.file_id: recorded_hashes([f])[f.file_id] for f in listed})
        victim = listed[-1]
        replace(s3, victim, b"z" * len(body(victim)))
        result = run(zoom, bucket)
        assert statuses(result)[victim.file_id] == audit.DIFFERS_FROM_ARCHIVE
        assert row_of(result, victim.file_id).archive_sha256 == recorded_hashes([victim])[victim.file_id][0]

    def test_deep_compares_the_bytes_with_the_recorded_hash_even_when_the_tag_agrees(self, s3, bucket, zoom, files):
        archive(s3, files)
        recorded = audit.Recorded(hashes=recorded_hashes(files))
        mp4 = files[0]
        original_tag = s3.get_object_tagging(Bucket=BUCKET, Key=mp4.key)["TagSet"]
        replace(s3, mp4, b"y" * len(body(mp4)), retag=False)
        s3.put_object_tagging(Bucket=BUCKET, Key=mp4.key, Tagging={"TagSet": original_tag})
        assert statuses(run(zoom, bucket, recorded))[mp4.file_id] == audit.INTACT  # plain: tag == recorded
        row = row_of(run(zoom, bucket, recorded, deep=True), mp4.file_id)
        assert row.status == audit.DIFFERS_FROM_ARCHIVE
        assert row.sha256_read == hashlib.sha256(b"y" * len(body(mp4))).hexdigest()

    def test_intact_files_are_proven_against_the_recorded_hash_and_the_rest_counted(self, s3, bucket, zoom, files):
        archive(s3, files)
        recorded = audit.Recorded(hashes=recorded_hashes(files[:2]))
        result = run(zoom, bucket, recorded, deep=True)
        assert set(statuses(result).values()) == {audit.INTACT}
        assert not result.failed
        report = audit_report.summary(result)
        assert (report["archive_hash"], report["no_archive_hash"]) == (2, 1)
        assert any("1 without an archive-time hash" in line for line in audit_report.log_lines(report))

    def test_without_a_recorded_hash_a_recomputed_tag_still_passes_and_is_counted(self, s3, bucket, zoom, files):
        archive(s3, files)
        replace(s3, files[1], b"z" * len(body(files[1])))
        result = run(zoom, bucket, deep=True)
        assert statuses(result)[files[1].file_id] == audit.INTACT  # today's behaviour: nothing to prove it against
        assert audit_report.summary(result)["no_archive_hash"] == 3


class TestSizeWithoutZoomSize:
    def test_a_truncated_copy_of_a_file_zoom_lists_without_size(self, s3, bucket, real_listing, real_host, files):
        archive(s3, files)
        recorded = audit.Recorded(hashes=recorded_hashes(files))
        timeline = files[2]
        for raw in real_listing["meetings"][1]["recording_files"]:
            if raw.get("id") == timeline.file_id:
                raw.pop("file_size", None)
        replace(s3, timeline, body(timeline)[:3])
        row = row_of(run(FakeZoom(real_listing["meetings"], real_host), bucket, recorded), timeline.file_id)
        assert row.zoom_size is None
        assert (row.status, row.s3_size, row.archive_size) == (audit.SIZE_MISMATCH, 3, len(body(timeline)))


class TestTrashedFiles:
    @pytest.fixture
    def trashed_m4a(self, s3, real_listing, real_host, files) -> tuple[FakeZoom, PlannedFile, audit.Recorded]:
        """The M4A as the reclaim leaves it: trashed in Zoom (no longer listed), in the record with its hash."""
        archive(s3, files)
        m4a = files[1]
        meeting = real_listing["meetings"][1]
        meeting["recording_files"] = [f for f in meeting["recording_files"] if f.get("id") != m4a.file_id]
        entry: dict[str, Any] = {"at": "2024-12-06T10:00:00+00:00", "meeting": m4a.meeting_uuid, "size": 7}
        recorded = audit.Recorded(hashes=recorded_hashes(files), trashed={m4a.file_id: entry})
        return FakeZoom(real_listing["meetings"], real_host), m4a, recorded

    def test_a_good_copy_is_intact_trashed_and_passes(self, bucket, trashed_m4a):
        zoom, m4a, recorded = trashed_m4a
        for deep in (False, True):
            result = run(zoom, bucket, recorded, deep=deep)
            row = row_of(result, m4a.file_id)
            assert (row.status, row.trashed_at) == (audit.INTACT_TRASHED, "2024-12-06T10:00:00+00:00")
            assert not result.failed
            assert audit_report.summary(result)["zoom_files"] == 2

    @pytest.mark.parametrize(
        ("data", "status"), [(b"garbage", audit.SIZE_MISMATCH), (None, audit.DIFFERS_FROM_ARCHIVE)]
    )
    def test_a_copy_replaced_by_garbage_is_a_problem(self, s3, bucket, trashed_m4a, data, status):
        zoom, m4a, recorded = trashed_m4a
        replace(s3, m4a, data or b"g" * len(body(m4a)))
        result = run(zoom, bucket, recorded, deep=True)
        assert row_of(result, m4a.file_id).status == status
        assert result.failed

    def test_a_trashed_copy_is_proven_by_its_manifest_when_nothing_else_keeps_its_hash(self, s3, bucket, trashed_m4a):
        from zoom_archiver.model import file_entry
        from zoom_archiver.publish.manifest import write_manifests

        zoom, m4a, recorded = trashed_m4a
        entry = {"meeting": {"uuid": m4a.meeting_uuid}, "files": [file_entry(m4a)], "processing": [], "quarantined": []}
        write_manifests(bucket, [entry], streamed={m4a.file_id: recorded.hashes[m4a.file_id]})
        only_trashed = audit.Recorded(trashed=recorded.trashed)  # no ledger or repair hash of it any more
        replace(s3, m4a, b"g" * len(body(m4a)))  # its tag recomputed
        assert row_of(run(zoom, bucket, only_trashed), m4a.file_id).status == audit.DIFFERS_FROM_ARCHIVE

    def test_same_size_garbage_with_the_old_tag_is_found_deep(self, s3, bucket, trashed_m4a):
        zoom, m4a, recorded = trashed_m4a
        tags = s3.get_object_tagging(Bucket=BUCKET, Key=m4a.key)["TagSet"]
        replace(s3, m4a, b"g" * len(body(m4a)), retag=False)
        s3.put_object_tagging(Bucket=BUCKET, Key=m4a.key, Tagging={"TagSet": tags})
        assert row_of(run(zoom, bucket, recorded), m4a.file_id).status == audit.INTACT_TRASHED
        assert row_of(run(zoom, bucket, recorded, deep=True), m4a.file_id).status == audit.DIFFERS_FROM_ARCHIVE

    def test_a_deleted_copy_is_missing(self, s3, bucket, trashed_m4a):
        zoom, m4a, recorded = trashed_m4a
        s3.delete_object(Bucket=BUCKET, Key=m4a.key)
        result = run(zoom, bucket, recorded)
        row = row_of(result, m4a.file_id)
        assert row.status == audit.MISSING
        assert "trashed in Zoom" in row.detail
        assert result.failed
        assert f"missing file {m4a.file_id}" in (audit_report.verdict(audit_report.summary(result)) or "")

    def test_a_file_zoom_no_longer_lists_and_never_trashed_by_us_stays_not_in_zoom(self, bucket, trashed_m4a):
        zoom, m4a, recorded = trashed_m4a
        result = run(zoom, bucket, audit.Recorded(hashes=recorded.hashes))
        assert statuses(result)[m4a.file_id] == audit.NOT_IN_ZOOM
        assert not result.failed
