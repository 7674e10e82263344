"""Planning (zoom_archiver.discover.planning): the real listing planned, one key per file and per meeting instance,
duplicates
across windows, and the oldest-first batch."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from tests.unit.discover.planning_helpers import completed_meeting, mp4_file, plan_of
from zoom_archiver.dates import Window
from zoom_archiver.discover.planning import Filters, Planner, dedupe, select_batch
from zoom_archiver.keys import DEFAULT_KEY_TEMPLATE, decode_uuid
from zoom_archiver.model import PlannedFile


class TestPlanMeeting:
    def test_real_listing(self, real_listing, real_host):
        plan = plan_of(real_listing["meetings"], real_host)
        assert plan.not_ready == 1  # the processing file of the first meeting
        assert plan.rejected == []
        by_type = {f.file_type: f for f in plan.files}
        assert set(by_type) == {"MP4", "M4A", "TIMELINE"}
        mp4 = by_type["MP4"]
        assert mp4.file_id == "1ec4ad5a-fba9-4866-b71b-099b38a3e702"
        assert mp4.meeting_uuid == "2jQ60QnYThiV9cm+fdIbZQ=="
        assert mp4.meeting_id == "82205654575"
        assert mp4.host_email == "brian@example.com"  # from /users, lower-cased
        assert mp4.file_size == 342924
        assert mp4.start_time == "2024-11-29T16:51:20Z"
        assert mp4.download_url == "https://us06web.zoom.us/rec/download/c4nr"
        assert mp4.content_type == "video/mp4"
        assert mp4.key == (
            "zoom/brian@example.com/2024/11/29/2024-11-29T165120Z_Bastien-Beurier-s-Zoom-Meeting_"
            "2jQ60QnYThiV9cm-fdIbZQ/shared_screen_with_speaker_view_1ec4ad5a-fba9-4866-b71b-099b38a3e702.mp4"
        )
        assert by_type["M4A"].key.endswith("/audio_only_3f9be9f0-577b-4ae7-a450-ac1a5eaa21f1.m4a")
        assert by_type["M4A"].content_type == "audio/mp4"
        assert by_type["TIMELINE"].key.endswith(".json")
        assert by_type["TIMELINE"].content_type == "application/json"
        assert len({f.key for f in plan.files}) == 3

    def test_meeting_uuid_in_key_is_reversible(self, real_listing, real_host):
        plan = plan_of(real_listing["meetings"], real_host)
        segment = plan.files[0].key.split("/")[5]
        assert decode_uuid(segment.rsplit("_", 1)[1]) == "2jQ60QnYThiV9cm+fdIbZQ=="

    def test_planned_file_round_trips_through_xcom_dict(self, real_listing, real_host):
        planned = plan_of(real_listing["meetings"], real_host).files[0]
        assert PlannedFile.from_dict(planned.to_dict()) == planned

    def test_same_recording_type_files_get_distinct_keys(self):
        files = [
            mp4_file("mp4-a"),
            mp4_file("mp4-b", recording_start="2024-11-29T17:10:00Z"),
            mp4_file("m4a-1", file_type="M4A", file_extension="M4A", recording_type="audio_only"),
            mp4_file("m4a-2", file_type="M4A", file_extension="M4A", recording_type="audio_only",
                     recording_start="2024-11-29T17:10:00Z"),
        ]  # fmt: skip
        plan = plan_of([completed_meeting(recording_files=files)], {"email": "h@example.com"})
        assert len(plan.files) == 4
        assert len({f.key for f in plan.files}) == 4
        assert dedupe(plan.files) == (plan.files, [])
        assert plan.rejected == []

    def test_recurring_meeting_instances_get_distinct_keys(self):
        first = completed_meeting("RecurAAAAAAAAAAAAAAAAA==", recording_files=[mp4_file("file-1")])
        second = completed_meeting(
            "RecurBBBBBBBBBBBBBBBBB==", start_time="2024-11-29T16:51:20Z", recording_files=[mp4_file("file-2")]
        )
        plan = plan_of([first, second], {"email": "h@example.com"})
        assert {f.meeting_id for f in plan.files} == {"82205654575"}
        assert len({f.key for f in plan.files}) == 2
        assert len({f.key.rsplit("/", 1)[0] for f in plan.files}) == 2  # one folder per instance

    def test_host_email_falls_back_to_ids(self):
        plan = plan_of([completed_meeting()], {})
        assert plan.files[0].host_email == "moRLcTuVS12AoJ72n6L11Q".lower()

    def test_hostile_topic_stays_in_its_segment(self):
        meeting = completed_meeting(topic="../../../../etc/passwd\x00 " + "x" * 300)
        [planned] = plan_of([meeting], {"email": "h@example.com"}).files
        assert planned.key.startswith("zoom/")
        assert planned.key.count("/") == DEFAULT_KEY_TEMPLATE.count("/")
        assert all(seg not in ("", ".", "..") for seg in planned.key.split("/"))
        assert len(planned.key.encode()) <= 1024


class TestDedupe:
    def test_same_file_in_two_windows_is_planned_once(self, real_listing, real_host):
        plan = plan_of(real_listing["meetings"] + copy.deepcopy(real_listing["meetings"]), real_host)
        assert len(plan.files) == 6
        files, rejected = dedupe(plan.files)
        assert len(files) == 3
        assert rejected == []

    def test_same_file_id_in_two_meetings_is_flagged_and_kept_once(self, make_planned):
        a = make_planned(meeting_uuid="uuid-a", key="zoom/a/x.mp4")
        b = make_planned(meeting_uuid="uuid-b", key="zoom/b/x.mp4")
        files, rejected = dedupe([a, b])
        assert files == [a]
        assert len(rejected) == 1
        assert "duplicate file id" in rejected[0].reason

    def test_key_collision_is_rejected(self, make_planned):
        a = make_planned(file_id="id-1", key="zoom/same.mp4")
        b = make_planned(file_id="id-2", key="zoom/same.mp4")
        files, rejected = dedupe([a, b])
        assert files == [a]
        assert len(rejected) == 1
        assert "collides" in rejected[0].reason
        assert "id-2" in rejected[0].where


class TestSelectBatch:
    @pytest.fixture
    def files(self, make_planned) -> list[PlannedFile]:
        starts = ["2024-11-03T10:00:00Z", "2024-11-01T10:00:00Z", "2024-11-02T10:00:00Z", "2024-11-01T09:00:00Z"]
        return [make_planned(file_id=f"f{i}", start_time=s, key=f"zoom/{i}") for i, s in enumerate(starts)]

    def test_oldest_first(self, files):
        batch, backlog = select_batch(files, {}, cap=10)
        assert [f.file_id for f in batch] == ["f3", "f1", "f2", "f0"]
        assert backlog == []

    def test_cap_leaves_the_newest_as_backlog(self, files):
        batch, backlog = select_batch(files, {}, cap=2)
        assert [f.file_id for f in batch] == ["f3", "f1"]
        assert [f.file_id for f in backlog] == ["f2", "f0"]

    def test_archived_files_are_skipped(self, files):
        batch, backlog = select_batch(files, {"f3": "2024-11-01", "f1": "2024-11-01"}, cap=10)
        assert [f.file_id for f in batch] == ["f2", "f0"]

    def test_force_ignores_the_ledger(self, files):
        batch, _ = select_batch(files, {"f3": "2024-11-01", "f1": "2024-11-01"}, cap=10, force=True)
        assert len(batch) == 4

    def test_order_is_deterministic_for_equal_start_times(self, make_planned):
        files = [make_planned(file_id=i, key=f"zoom/{i}") for i in ("c", "a", "b")]
        assert [f.file_id for f in select_batch(files, {}, cap=10)[0]] == ["a", "b", "c"]


def test_planner_remembers_meetings_with_a_processing_or_unreadable_file(real_listing, real_host):
    planner = Planner(
        window=Window(date(2000, 1, 1), date(2100, 1, 1)), filters=Filters(), template="{default}", prefix="zoom"
    )
    meeting = dict(real_listing["meetings"][-1])
    files = [dict(f) for f in meeting["recording_files"]]
    files[0] = {**files[0], "file_type": "TRANSCRIPT", "status": "processing"}
    files[1] = {**files[1], "download_url": 42}
    planner.add({**meeting, "recording_files": files}, real_host)
    reasons = planner.plan.blocked[meeting["uuid"]]
    assert any("still processing" in r for r in reasons)
    assert any("unreadable file record" in r for r in reasons)
