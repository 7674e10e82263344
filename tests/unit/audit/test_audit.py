"""The audit (zoom_archiver.audit.audit): Zoom's files of a range against the objects under the prefix (moto
in-process).

The archive is written here as the archiver writes it: the planner's key, ``object_metadata``, the ``sha256`` tag.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import pytest

from zoom_archiver.archive.archive import file_metadata
from zoom_archiver.audit import audit
from zoom_archiver.dates import Window
from zoom_archiver.discover.planning import Filters, Planner
from zoom_archiver.errors import ConfigurationError, ZoomApiError
from zoom_archiver.keys import DEFAULT_KEY_TEMPLATE
from zoom_archiver.model import PlannedFile
from zoom_archiver.settings import ArchiveSettings

BUCKET = "zoom-audit-test"
WINDOW = Window(date(2024, 11, 29), date(2024, 12, 5), scheduled=False)
SETTINGS = ArchiveSettings(bucket=BUCKET, prefix="zoom")


class FakeZoom:
    """Zoom's listing of one user (the real §3a page), or that user's listing failing."""

    def __init__(self, meetings: list[dict[str, Any]], host: dict[str, Any], error: Exception | None = None) -> None:
        self.meetings, self.host, self.error = meetings, host, error

    def list_users(self) -> list[dict[str, Any]]:
        return [self.host]

    def list_user_recordings(self, user_id: str, start: date, end: date):
        if self.error:
            raise self.error
        yield from (m for m in self.meetings if start.isoformat() <= m["start_time"][:10] <= end.isoformat())

    def get_meeting_recordings(self, meeting_uuid: str) -> dict[str, Any]:
        """The meeting's detail (asked when the listing counts more files than it shows): no participant files."""
        return next(m for m in self.meetings if m["uuid"] == meeting_uuid)


def body(planned: PlannedFile) -> bytes:
    return (planned.file_id.encode() * (planned.file_size or 1))[: planned.file_size or 10]


def planned_files(real_listing, real_host) -> list[PlannedFile]:
    planner = Planner(window=WINDOW, filters=Filters(), template=DEFAULT_KEY_TEMPLATE, prefix="zoom")
    for meeting in real_listing["meetings"]:
        planner.add(meeting, real_host)
    return planner.files()


def archive(s3, files: list[PlannedFile], **put: Any) -> None:
    """Write ``files`` as the archiver does: planner key, our metadata, the sha256 tag of the bytes."""
    for f in files:
        data = body(f)
        tag = f"sha256={hashlib.sha256(data).hexdigest()}"
        s3.put_object(Bucket=BUCKET, Key=f.key, Body=data, Metadata=file_metadata(f), Tagging=tag, **put)


@pytest.fixture
def files(real_listing, real_host) -> list[PlannedFile]:
    found = planned_files(real_listing, real_host)
    assert [f.file_type for f in found] == ["MP4", "M4A", "TIMELINE"]
    return found


@pytest.fixture
def zoom(real_listing, real_host) -> FakeZoom:
    return FakeZoom(real_listing["meetings"], real_host)


def run(zoom, bucket, *, deep: bool = False) -> audit.Audit:
    return audit.run_audit(zoom, SETTINGS, bucket, WINDOW, deep=deep, list_workers=2)


def statuses(result: audit.Audit) -> dict[str, str]:
    return {row.file_id: row.status for row in result.rows}


class TestCompleteArchive:
    def test_every_file_intact_and_nothing_else_reported(self, s3, bucket, zoom, files):
        archive(s3, files)
        # not recording files: a per-meeting manifest (no zoom-file-id) and an earlier audit's report
        folder = files[0].key.rsplit("/", 1)[0]
        s3.put_object(Bucket=BUCKET, Key=f"{folder}/manifest.json", Body=b"{}", Metadata={"zoom-meeting-uuid": "x"})
        s3.put_object(Bucket=BUCKET, Key="zoom/_audit/2024-12-06T060000Z/report.json", Body=b"{}")
        result = run(zoom, bucket, deep=True)
        assert statuses(result) == {f.file_id: audit.INTACT for f in files}
        assert not result.failed
        assert result.processing == 1  # the §3a meeting still processing: not expected yet
        assert (result.s3_objects, result.ignored_objects) == (3, 1)
        assert all(row.sha256_read == row.sha256_tag != "" for row in result.rows)


class TestProblems:
    def test_missing_size_tag_and_identity(self, s3, bucket, zoom, files):
        mp4, m4a, timeline = files
        archive(s3, [m4a, timeline])
        s3.delete_object_tagging(Bucket=BUCKET, Key=timeline.key)
        result = run(zoom, bucket)
        assert statuses(result) == {mp4.file_id: audit.MISSING, m4a.file_id: audit.INTACT,
                                    timeline.file_id: audit.TAG_MISSING}  # fmt: skip
        assert result.failed
        assert {r.key for r in result.problems} == {mp4.key, timeline.key}

    def test_size_mismatch(self, s3, bucket, zoom, files):
        archive(s3, files)
        s3.put_object(Bucket=BUCKET, Key=files[0].key, Body=b"short", Metadata=file_metadata(files[0]))
        row = next(r for r in run(zoom, bucket).rows if r.file_id == files[0].file_id)
        assert (row.status, row.s3_size, row.zoom_size) == (audit.SIZE_MISMATCH, 5, files[0].file_size)

    def test_the_key_holding_another_file_or_a_foreign_object(self, s3, bucket, zoom, files):
        archive(s3, files)
        s3.put_object(Bucket=BUCKET, Key=files[0].key, Body=body(files[0]), Metadata={"zoom-file-id": "other"})
        s3.put_object(Bucket=BUCKET, Key=files[1].key, Body=body(files[1]))  # no metadata at all
        found = statuses(run(zoom, bucket))
        assert (found[files[0].file_id], found[files[1].file_id]) == (audit.ID_MISMATCH, audit.ID_MISMATCH)

    def test_deep_finds_same_size_corruption_that_plain_cannot(self, s3, bucket, zoom, files):
        archive(s3, files)
        mp4 = files[0]
        tags = s3.get_object_tagging(Bucket=BUCKET, Key=mp4.key)["TagSet"]
        s3.put_object(Bucket=BUCKET, Key=mp4.key, Body=b"x" * mp4.file_size, Metadata=file_metadata(mp4))
        s3.put_object_tagging(Bucket=BUCKET, Key=mp4.key, Tagging={"TagSet": tags})
        assert statuses(run(zoom, bucket))[mp4.file_id] == audit.INTACT
        deep = run(zoom, bucket, deep=True)
        row = next(r for r in deep.rows if r.file_id == mp4.file_id)
        assert row.status == audit.CORRUPT
        assert row.sha256_read == hashlib.sha256(b"x" * mp4.file_size).hexdigest() != row.sha256_tag
        assert [r.key for r in deep.problems] == [mp4.key]

    def test_a_record_the_planner_rejects_fails_the_audit_naming_it(self, s3, bucket, real_listing, real_host, files):
        archive(s3, files)
        raw = real_listing["meetings"][1]["recording_files"][0]
        raw["download_url"] = "ftp://elsewhere/x"  # malformed: the archive never planned (nor archived) it
        result = run(FakeZoom(real_listing["meetings"], real_host), bucket)
        assert result.failed
        assert not result.problems  # no row: the file was never planned
        [(where, reason)] = result.rejected
        assert raw["id"] in where
        assert "download_url" in reason

    def test_a_users_listing_failure_fails_the_audit(self, s3, bucket, real_host, files):
        archive(s3, files)
        zoom = FakeZoom([], real_host, ZoomApiError("HTTP 404 code=1001 User does not exist", status=404, code=1001))
        result = run(zoom, bucket)
        assert result.user_failures
        assert result.failed
        # its archived objects are still reported, as not listed
        assert set(statuses(result).values()) == {audit.NOT_IN_ZOOM}


class TestNotInZoomAndArchiveClasses:
    def test_objects_zoom_no_longer_lists_are_reported_not_failed(self, s3, bucket, real_listing, real_host, files):
        archive(s3, files)
        real_listing["meetings"][1]["recording_files"].pop(1)  # the M4A is trashed in Zoom
        result = run(FakeZoom(real_listing["meetings"], real_host), bucket)
        assert statuses(result)[files[1].file_id] == audit.NOT_IN_ZOOM
        assert not result.failed
        assert s3.head_object(Bucket=BUCKET, Key=files[1].key)  # kept

    def test_objects_of_other_dates_are_out_of_scope(self, s3, bucket, zoom, files, make_planned):
        archive(s3, files)
        older = make_planned(file_id="older", start_time="2024-10-01T10:00:00Z", key="zoom/old/older.mp4", file_size=3)
        archive(s3, [older])
        assert "older" not in statuses(run(zoom, bucket))

    def test_glacier_objects_are_reported_not_readable_never_failed(self, s3, bucket, zoom, files):
        archive(s3, files, StorageClass="GLACIER")
        result = run(zoom, bucket, deep=True)
        assert set(statuses(result).values()) == {audit.NOT_READABLE}
        assert not result.failed
        assert all("GLACIER" in row.detail for row in result.rows)


class TestWindow:
    def test_defaults_to_the_30_days_up_to_yesterday(self):
        window = audit.audit_window(None, "", today=date(2026, 3, 31))
        assert (window.start, window.end) == (date(2026, 3, 1), date(2026, 3, 30))

    def test_trigger_dates(self):
        window = audit.audit_window("2026-01-01", "2026-01-31", today=date(2026, 3, 31))
        assert (window.start, window.end) == (date(2026, 1, 1), date(2026, 1, 31))

    @pytest.mark.parametrize(("start", "end"), [("2026-02-01", "2026-01-01"), ("01/02/2026", None)])
    def test_bad_dates(self, start, end):
        with pytest.raises(ConfigurationError):
            audit.audit_window(start, end, today=date(2026, 3, 31))
