"""Planning of imperfect input: meetings without files, malformed meetings and files rejected with their reason,
the window, the file-type and host filters, and each meeting's description for its manifest."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from tests.unit.discover.planning_helpers import completed_meeting, mp4_file, plan_of
from zoom_archiver.dates import Window
from zoom_archiver.discover.planning import Filters, Planner
from zoom_archiver.errors import InvalidRecord
from zoom_archiver.keys import DEFAULT_KEY_TEMPLATE
from zoom_archiver.zoom.records import parse_zoom_time


class TestPlanMeeting:
    @pytest.mark.parametrize(
        "meeting",
        [
            pytest.param(completed_meeting(recording_files=None), id="null"),
            pytest.param({k: v for k, v in completed_meeting().items() if k != "recording_files"}, id="absent"),
            pytest.param(completed_meeting(recording_files=[]), id="empty"),
        ],
    )
    def test_meeting_without_files_is_not_an_error(self, meeting):
        plan = plan_of([meeting], {"email": "h@example.com"})
        assert plan.files == []
        assert plan.rejected == []
        assert plan.not_ready == 0

    @pytest.mark.parametrize(
        ("meeting", "reason"),
        [
            pytest.param("not a meeting", "str", id="string"),
            pytest.param(None, "NoneType", id="none"),
            pytest.param(["a"], "list", id="list"),
            pytest.param(completed_meeting(uuid=None), "uuid", id="missing-uuid"),
            pytest.param(completed_meeting(uuid=""), "uuid", id="empty-uuid"),
            pytest.param(completed_meeting(uuid=12345), "uuid", id="numeric-uuid"),
            pytest.param(completed_meeting(start_time="yesterday"), "ISO-8601", id="bad-start-time"),
            pytest.param(completed_meeting(start_time=None), "missing", id="no-start-time"),
            pytest.param(completed_meeting(start_time="2024-11-29T16:51:20"), "timezone", id="naive-start-time"),
            pytest.param(completed_meeting(recording_files="x"), "not a list", id="files-not-a-list"),
        ],
    )
    def test_malformed_meetings_are_rejected_and_the_rest_planned(self, meeting, reason):
        good = completed_meeting("goodUUIDgood", recording_files=[mp4_file("good-file")])
        plan = plan_of([meeting, good], {"email": "h@example.com"})
        assert len(plan.rejected) == 1
        assert reason in plan.rejected[0].reason
        assert [f.file_id for f in plan.files] == ["good-file"]

    @pytest.mark.parametrize(
        ("bad", "reason"),
        [
            pytest.param(mp4_file("bad", file_size="12"), "file_size", id="size-string"),
            pytest.param(mp4_file("bad", file_size=-1), "file_size", id="size-negative"),
            pytest.param(mp4_file("bad", file_size=True), "file_size", id="size-bool"),
            pytest.param(mp4_file("bad", file_size=12.5), "file_size", id="size-float"),
            pytest.param(mp4_file(123), "file id", id="numeric-id"),
            pytest.param({k: v for k, v in mp4_file("bad").items() if k != "download_url"}, "download_url",
                         id="no-url"),
            pytest.param(mp4_file("bad", download_url="…"), "download_url", id="elided-url"),
            pytest.param(mp4_file("bad", download_url="ftp://zoom.us/x"), "download_url", id="ftp-url"),
            pytest.param(mp4_file("bad", file_type=7), "file_type", id="numeric-type"),
            pytest.param("a string", "str", id="not-an-object"),
        ],
    )  # fmt: skip
    def test_malformed_files_are_rejected_and_siblings_planned(self, bad, reason):
        meeting = completed_meeting(recording_files=[mp4_file("before"), bad, mp4_file("after")])
        plan = plan_of([meeting], {"email": "h@example.com"})
        assert [f.file_id for f in plan.files] == ["before", "after"]
        assert len(plan.rejected) == 1
        assert reason in plan.rejected[0].reason
        assert "2jQ60QnYThiV9cm+fdIbZQ==" in plan.rejected[0].where

    @pytest.mark.parametrize(
        "start_time",
        [
            pytest.param("2024-10-31T23:59:59Z", id="day-before"),
            pytest.param("2024-12-06T00:00:00Z", id="day-after"),
            pytest.param("2019-07-11T20:00:00Z", id="years-before"),
        ],
    )
    def test_files_zoom_lists_outside_the_window_are_planned_and_counted(self, start_time):
        # Zoom lists a recurring meeting by its recordings' dates: its start_time can lie before the window
        # (a real capture: start_time Nov 3, recording_start Nov 16). Dropping it silently lost the file.
        plan = plan_of([completed_meeting(start_time=start_time)], {"email": "h@example.com"})
        assert len(plan.files) == 1
        assert plan.outside_window == 1
        assert plan.rejected == []

    @pytest.mark.parametrize(
        "start_time",
        [pytest.param("2024-11-01T00:00:00Z", id="first-day"), pytest.param("2024-12-05T23:59:59Z", id="last-day")],
    )
    def test_window_is_inclusive(self, start_time):
        plan = plan_of([completed_meeting(start_time=start_time)], {"email": "h@example.com"})
        assert len(plan.files) == 1
        assert plan.outside_window == 0

    def test_filter_by_file_type(self, real_listing, real_host):
        filters = Filters.from_params([" mp4 ", "m4a", ""], None)
        plan = plan_of(real_listing["meetings"], real_host, filters=filters)
        assert sorted(f.file_type for f in plan.files) == ["M4A", "MP4"]
        assert plan.filtered_out == 1
        assert [f.file_type for f in plan.filtered] == ["TIMELINE"], "kept for the meeting's manifest"

    def test_every_planned_meeting_is_described_for_its_manifest(self, real_listing, real_host):
        plan = plan_of(real_listing["meetings"], real_host)
        info = plan.meetings["2jQ60QnYThiV9cm+fdIbZQ=="]
        assert info == {
            "uuid": "2jQ60QnYThiV9cm+fdIbZQ==", "id": 82205654575, "topic": "Bastien Beurier's Zoom Meeting",
            "host_id": "MoRLcTuVS12AoJ72n6L11Q", "host_email": real_host["email"].lower(),
            "start_time": "2024-11-29T16:51:20Z", "timezone": "", "duration": 0, "type": 1,
        }  # fmt: skip
        assert plan.processing == [("paw4knJqSPOXq7ThIQWFMw==", "a3968033-fdd6-4770-96bc-0ff0562b280d")]

    @pytest.mark.parametrize(
        ("emails", "expected"),
        [
            pytest.param(["BRIAN@example.com "], 3, id="match-case-insensitive"),
            pytest.param(["someone@else.com"], 0, id="other-host"),
            pytest.param([], 3, id="empty-means-all"),
            pytest.param(None, 3, id="none-means-all"),
        ],
    )
    def test_filter_by_host_email(self, real_listing, real_host, emails, expected):
        other = {"id": "other-user", "email": "other@example.com"}
        users, missing = Filters.from_params(None, emails).select_users([real_host, other])
        assert missing == (["someone@else.com"] if expected == 0 else [])
        listed = [u for u in users if u is real_host]
        plan = plan_of(real_listing["meetings"] if listed else [], real_host)
        assert len(plan.files) == expected
        assert (other in users) == (not emails)


class TestHostileListings:
    WINDOW = Window(date(2024, 11, 1), date(2024, 12, 5))

    def plan(self, meeting: Any, host: Any = None) -> Any:
        planner = Planner(window=self.WINDOW, filters=Filters(), template=DEFAULT_KEY_TEMPLATE, prefix="zoom")
        planner.add(meeting, host if host is not None else {"email": "h@example.com"})
        return planner.plan

    @staticmethod
    def meeting(**overrides: Any) -> dict[str, Any]:
        record = {"uuid": "2jQ60QnYThiV9cm+fdIbZQ==", "id": 82205654575, "host_id": "MoRLcTuVS12AoJ72n6L11Q",
                  "topic": "Weekly", "start_time": "2024-11-29T16:51:20Z",
                  "recording_files": [{"id": "f-1", "file_type": "MP4", "file_size": 10, "status": "completed",
                                       "download_url": "https://us06web.zoom.us/rec/download/a"}]}  # fmt: skip
        record.update(overrides)
        return record

    def test_offsets_are_converted_to_utc(self):
        assert parse_zoom_time("2024-11-30T01:30:00+02:00").isoformat() == "2024-11-29T23:30:00+00:00"
        with pytest.raises(InvalidRecord, match="out of range"):
            parse_zoom_time("0001-01-01T00:00:00+05:00")

    def test_control_characters_never_reach_a_key(self):
        [planned] = self.plan(self.meeting(), {"email": "eve\r\n@example.com\x00"}).files
        assert not any(ord(ch) < 0x20 for ch in planned.key)
        assert planned.key.startswith("zoom/")

    def test_lone_surrogates_are_replaced(self):
        [planned] = self.plan(self.meeting(topic="bad \ud800 topic")).files
        json.dumps(planned.to_dict(), ensure_ascii=False).encode("utf-8")
        assert "\ud800" not in planned.topic

    @pytest.mark.parametrize(
        ("file_id", "reason"),
        [("f\x00-1", "printable ASCII"), ("fichier-é", "printable ASCII"), ("x" * 300, "printable ASCII")],
    )
    def test_file_ids_that_are_no_zoom_ids_are_rejected(self, file_id, reason):
        meeting = self.meeting()
        meeting["recording_files"][0]["id"] = file_id
        plan = self.plan(meeting)
        assert plan.files == []
        assert reason in plan.rejected[0].reason
        assert len(plan.rejected[0].where) <= 300

    def test_a_record_that_breaks_an_unexpected_way_is_rejected_not_raised(self):
        meeting = self.meeting()
        meeting["recording_files"].append({"id": "f-2", "file_type": "MP4", "file_size": 1,
                                           "download_url": "https://[broken/x"})  # fmt: skip
        plan = self.plan(meeting)
        assert [f.file_id for f in plan.files] == ["f-1"]
        assert "download_url" in plan.rejected[0].reason

    def test_status_of_the_wrong_type_is_reported(self):
        meeting = self.meeting()
        meeting["recording_files"][0]["status"] = {"state": "completed"}
        plan = self.plan(meeting)
        assert plan.not_ready == 0
        assert "status" in plan.rejected[0].reason
