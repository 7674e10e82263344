"""The discover step (zoom_archiver.discover.discovery): what is mapped, what is skipped and why, what commit is
told."""

from __future__ import annotations

from datetime import date
from typing import Any

import boto3
import pytest
from moto import mock_aws

from zoom_archiver.archive.archive import file_metadata
from zoom_archiver.dates import Window
from zoom_archiver.discover.discovery import RunRequest, discover, find_in_s3
from zoom_archiver.discover.planning import Filters
from zoom_archiver.errors import ZoomApiError
from zoom_archiver.ledger import Ledger
from zoom_archiver.s3.bucket import ArchiveBucket
from zoom_archiver.settings import ArchiveSettings
from zoom_archiver.zoom.client import ApiStats

BUCKET = "zoom-discovery"
WINDOW = Window(date(2024, 11, 1), date(2024, 12, 5))
TODAY = date(2024, 12, 5)


class FakeClient:
    def __init__(self, meetings: list[dict[str, Any]], *, failing: str | None = None) -> None:
        self.meetings = meetings
        self.failing = failing
        self.stats = ApiStats(calls=7)

    def list_users(self) -> list[dict[str, Any]]:
        return [{"id": "u1", "email": "Brian@example.com"}, {"id": "u2", "email": "other@example.com"}]

    def list_user_recordings(self, user_id: str, start: date, end: date):
        if user_id == self.failing:
            raise ZoomApiError("HTTP 404 code=1001 User does not exist", status=404, code=1001)
        yield from (self.meetings if user_id == "u1" else [])


@pytest.fixture
def bucket():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield ArchiveBucket(client, BUCKET)


def run(meetings, *, ledger=None, bucket=None, failing=None, **request: Any):
    fields = {"windows": [WINDOW], **request}
    return discover(
        FakeClient(meetings, failing=failing),
        ArchiveSettings(bucket=BUCKET),
        RunRequest(**fields),
        ledger=ledger or Ledger(),
        workers=2,
        bucket=bucket,
        today=TODAY,
    )


class TestWhatIsMapped:
    def test_every_new_completed_file_is_mapped_oldest_first(self, real_listing):
        found = run(real_listing["meetings"])
        assert len(found.files) == 3
        assert [f.start_time for f in found.files] == sorted(f.start_time for f in found.files)
        assert found.summary.planned == [(f.file_id, f.start_date) for f in found.files]
        assert found.summary.api_calls == 7

    def test_a_file_the_ledger_knows_is_not_mapped(self, real_listing):
        first = run(real_listing["meetings"]).files[0]
        found = run(real_listing["meetings"], ledger=Ledger({first.file_id: TODAY}))
        assert first.file_id not in {f.file_id for f in found.files}

    def test_a_file_s3_holds_is_not_mapped_but_recorded(self, real_listing, bucket):
        first = run(real_listing["meetings"]).files[0]
        bucket.client.put_object(
            Bucket=BUCKET,
            Key=first.key,
            Body=b"x" * first.file_size,
            Metadata=file_metadata(first),
            Tagging="sha256=abc",
        )
        found = run(real_listing["meetings"], bucket=bucket)
        assert first.file_id not in {f.file_id for f in found.files}
        assert found.summary.rebuilt == [(first.file_id, first.start_date)]
        assert len(found.files) == 2

    def test_a_file_s3_holds_brings_the_hash_its_manifest_keeps(self, real_listing, bucket):
        import json

        from zoom_archiver.keys import manifest_key

        planned = run(real_listing["meetings"])
        first = planned.files[0]
        bucket.client.put_object(Bucket=BUCKET, Key=first.key, Body=b"x" * first.file_size,
                                 Metadata=file_metadata(first), Tagging="sha256=abc")  # fmt: skip
        [meeting] = [m for m in planned.meetings if any(f["file_id"] == first.file_id for f in m["files"])]
        key = manifest_key([f["key"] for f in meeting["files"]], first.meeting_uuid)
        kept = {"file_id": first.file_id, "key": first.key, "archive_sha256": "a" * 64, "archive_size": 3}
        bucket.client.put_object(Bucket=BUCKET, Key=key, Body=json.dumps({"manifest_version": 1, "files": [kept]}))
        found = run(real_listing["meetings"], bucket=bucket)
        assert found.summary.found_hashes == {first.file_id: "a" * 64 + ":3"}
        # recorded by a run that found it in S3 before its writer's manifest was written: read again later
        known = Ledger({first.file_id: TODAY})
        assert run(real_listing["meetings"], ledger=known, bucket=bucket).summary.found_hashes == {
            first.file_id: "a" * 64 + ":3"
        }
        known.hashes[first.file_id] = ("b" * 64, 3)  # recorded already: its manifest is not read
        assert run(real_listing["meetings"], ledger=known, bucket=bucket).summary.found_hashes == {}

    def test_force_maps_it_again(self, real_listing, bucket):
        first = run(real_listing["meetings"]).files[0]
        found = run(real_listing["meetings"], ledger=Ledger({first.file_id: TODAY}), bucket=bucket, force=True)
        assert first.file_id in {f.file_id for f in found.files}

    def test_the_cap_leaves_a_backlog_owed_on_its_dates(self, real_listing):
        found = run(real_listing["meetings"], cap=1)
        assert len(found.files) == 1
        assert found.summary.backlog == 2
        assert set(found.summary.leftover_days) >= {"2024-11-29"}


class TestQuarantine:
    def test_a_quarantined_file_is_skipped_with_its_reason(self, real_listing):
        first = run(real_listing["meetings"]).files[0]
        ledger = Ledger(quarantine={first.file_id: {"reason": "permanent error: KeyConflict"}})
        found = run(real_listing["meetings"], ledger=ledger, cap=1)
        assert first.file_id not in {f.file_id for f in found.files}
        assert found.summary.quarantined == [(first.file_id, "permanent error: KeyConflict")]
        assert len(found.files) == 1, "a quarantined file never takes a place under the cap"

    @pytest.mark.parametrize("release", [pytest.param("id", id="by-id"), pytest.param("all", id="all")])
    def test_release_maps_it_again(self, real_listing, release):
        first = run(real_listing["meetings"]).files[0]
        ledger = Ledger(quarantine={first.file_id: {"reason": "x"}})
        found = run(
            real_listing["meetings"], ledger=ledger, release=frozenset({first.file_id if release == "id" else "all"})
        )
        assert first.file_id in {f.file_id for f in found.files}
        assert found.summary.released == [first.file_id]


class TestWhatCommitIsTold:
    def test_processing_files_are_owed_until_they_grow_too_old(self, real_listing):
        found = run(real_listing["meetings"])  # the real listing has one file still processing (2024-12-05)
        assert "2024-12-05" in found.summary.leftover_days
        assert found.summary.stale_processing == 0

    def test_a_failed_user_is_reported_and_its_windows_stay_owed(self, real_listing):
        found = run(real_listing["meetings"], failing="u2")
        assert found.summary.user_failures == [("other@example.com", "HTTP 404 code=1001 User does not exist")]
        assert len(found.files) == 3
        record = found.summary.run_record([], {})
        assert record.owed == [(WINDOW.start, WINDOW.end)]

    def test_a_filtered_run_covers_nothing(self, real_listing):
        found = run(real_listing["meetings"], filters=Filters.from_params(["MP4"], None))
        assert found.summary.run_record([], {}).covered == []
        assert run(real_listing["meetings"]).summary.run_record([], {}).covered == [(WINDOW.start, WINDOW.end)]


def test_a_run_with_no_dates_makes_no_api_call():
    class NoCalls(FakeClient):
        def list_users(self):
            raise AssertionError("no dates to list: no call")

    found = discover(
        NoCalls([]),
        ArchiveSettings(bucket=BUCKET),
        RunRequest(windows=[]),
        ledger=Ledger(),
        workers=1,
        bucket=None,
        today=TODAY,
    )
    assert found.files == []
    assert found.summary.windows == []


def test_users_are_listed_once_per_run_whatever_the_windows():
    class Counting(FakeClient):
        user_listings = 0

        def list_users(self):
            Counting.user_listings += 1
            return super().list_users()

    windows = [Window(date(2024, 9, 1), date(2024, 9, 3)), WINDOW]
    discover(
        Counting([]),
        ArchiveSettings(bucket=BUCKET),
        RunRequest(windows=windows),
        ledger=Ledger(),
        workers=2,
        bucket=None,
        today=TODAY,
    )
    assert Counting.user_listings == 1


class TestFindInS3:
    def test_finds_what_s3_holds_and_keeps_going_on_errors(self):
        def find(item: str):
            if item == "broken":
                raise RuntimeError("S3 said 503")
            return {"key": item} if item.startswith("in-s3") else None

        found, unchecked = find_in_s3(["in-s3-1", "absent", "broken", "in-s3-2"], find, workers=2)
        assert found == ["in-s3-1", "in-s3-2"]
        assert unchecked == 1
