from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from zoom_archiver.keys import DEFAULT_KEY_TEMPLATE, decode_uuid
from zoom_archiver.planning import Filters, Plan, PlannedFile, Planner, dedupe, select_batch
from zoom_archiver.windows import Window

PREFIX = "zoom"
WINDOW_2024 = Window(date(2024, 11, 1), date(2024, 12, 5))
WINDOW_2019 = Window(date(2019, 7, 1), date(2019, 7, 31))


def plan_of(meetings: list[Any], host: dict[str, Any], *, window: Window = WINDOW_2024, filters=None) -> Plan:
    planner = Planner(window=window, filters=filters or Filters(), template=DEFAULT_KEY_TEMPLATE, prefix=PREFIX)
    for meeting in meetings:
        planner.add(meeting, host)
    return planner.plan


def completed_meeting(uuid: str = "2jQ60QnYThiV9cm+fdIbZQ==", **overrides: Any) -> dict[str, Any]:
    meeting = {
        "uuid": uuid,
        "id": 82205654575,
        "host_id": "MoRLcTuVS12AoJ72n6L11Q",
        "topic": "Weekly sync",
        "start_time": "2024-11-29T16:51:20Z",
        "recording_files": [
            mp4_file("file-mp4-1"),
        ],
    }
    meeting.update(overrides)
    return meeting


def mp4_file(file_id: str, **overrides: Any) -> dict[str, Any]:
    record = {
        "id": file_id,
        "recording_start": "2024-11-29T16:51:28Z",
        "recording_end": "2024-11-29T16:51:35Z",
        "file_type": "MP4",
        "file_extension": "MP4",
        "file_size": 1000,
        "download_url": f"https://us06web.zoom.us/rec/download/{file_id}",
        "status": "completed",
        "recording_type": "shared_screen_with_speaker_view",
    }
    record.update(overrides)
    return record


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

    @pytest.mark.parametrize("status", ["processing", "failed", "deleted", ""])
    def test_not_completed_files_are_not_ready(self, status):
        meeting = completed_meeting(recording_files=[mp4_file("a", status=status), mp4_file("b")])
        plan = plan_of([meeting], {"email": "h@example.com"})
        assert plan.not_ready == 1
        assert [f.file_id for f in plan.files] == ["b"]

    def test_files_without_status_are_archived(self, seed_event):
        meeting = seed_event["payload"]["object"]
        plan = plan_of([meeting], {"email": meeting["host_email"]}, window=WINDOW_2019)
        assert plan.rejected == []
        assert plan.not_ready == 0
        timeline = next(f for f in plan.files if f.file_type == "TIMELINE")
        assert timeline.download_url == "https://zoom.us/recording/download/2dBBBBBccccDDDDeeee"
        assert len(plan.files) == 4

    def test_seed_sample(self, seed_event):
        meeting = seed_event["payload"]["object"]
        plan = plan_of([meeting], {"email": meeting["host_email"]}, window=WINDOW_2019)
        by_type = {f.file_type: f for f in plan.files}
        # No file_extension anywhere in the 2019 sample: derived from the type.
        assert by_type["MP4"].key.endswith(".mp4")
        assert by_type["M4A"].key.endswith(".m4a")
        assert by_type["TRANSCRIPT"].key.endswith(".vtt")
        assert by_type["TRANSCRIPT"].content_type == "text/vtt"
        timeline = by_type["TIMELINE"]
        assert timeline.derived_id
        assert timeline.file_id.startswith("d-")
        assert timeline.key.endswith(f"_{timeline.file_id}.json")
        assert timeline.file_size is None
        assert not by_type["MP4"].derived_id

    def test_seed_transcript_play_url_rewritten_to_download(self, seed_event):
        """The sample's TRANSCRIPT points at its play page; its file lives at the matching download path."""
        meeting = seed_event["payload"]["object"]
        plan = plan_of([meeting], {"email": meeting["host_email"]}, window=WINDOW_2019)
        transcript = next(f for f in plan.files if f.file_type == "TRANSCRIPT")
        assert "/play/" not in transcript.download_url
        assert transcript.download_url == "https://zoom.us/recording/download/7h0BBBBBBBchfhfhffh_0AAAAbbbbbeeSFcf209m"

    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            pytest.param(
                "https://us06web.zoom.us/rec/play/abc?pwd=1",
                "https://us06web.zoom.us/rec/download/abc?pwd=1",
                id="rec-play",
            ),
            pytest.param(
                "https://us06web.zoom.us/rec/download/abc",
                "https://us06web.zoom.us/rec/download/abc",
                id="already-download",
            ),
        ],
    )
    def test_transcript_rec_play_rewritten(self, url, expected):
        record = mp4_file("t1", file_type="TRANSCRIPT", file_extension="VTT", download_url=url)
        plan = plan_of([completed_meeting(recording_files=[record])], {"email": "h@example.com"})
        assert plan.files[0].download_url == expected

    def test_only_transcripts_are_rewritten(self):
        record = mp4_file("m1", download_url="https://us06web.zoom.us/rec/play/abc")
        plan = plan_of([completed_meeting(recording_files=[record])], {"email": "h@example.com"})
        assert plan.files[0].download_url == "https://us06web.zoom.us/rec/play/abc"

    def test_derived_id_is_stable(self, seed_event):
        meeting = seed_event["payload"]["object"]
        first = plan_of([meeting], {"email": "h@example.com"}, window=WINDOW_2019)
        second = plan_of([copy.deepcopy(meeting)], {"email": "h@example.com"}, window=WINDOW_2019)
        ids = lambda plan: [f.file_id for f in plan.files]  # noqa: E731
        assert ids(first) == ids(second)
        assert [f.key for f in first.files] == [f.key for f in second.files]

    def test_derived_id_depends_on_recording_start(self):
        def timeline(start: str) -> dict[str, Any]:
            return {
                "file_type": "TIMELINE",
                "recording_start": start,
                "recording_end": "2024-11-29T17:00:00Z",
                "download_url": "https://us06web.zoom.us/rec/download/tl",
            }

        meeting = completed_meeting(
            recording_files=[timeline("2024-11-29T16:51:28Z"), timeline("2024-11-29T16:55:00Z")]
        )
        plan = plan_of([meeting], {"email": "h@example.com"})
        ids = [f.file_id for f in plan.files]
        assert len(ids) == 2
        assert len(set(ids)) == 2
        assert all(f.derived_id for f in plan.files)

    def test_derived_id_depends_on_meeting(self):
        record = {
            "file_type": "TIMELINE",
            "recording_start": "2024-11-29T16:51:28Z",
            "download_url": "https://zoom.us/x",
        }
        meetings = [
            completed_meeting("uuidAAAAAAAA", recording_files=[record]),
            completed_meeting("uuidBBBBBBBB", recording_files=[record]),
        ]
        plan = plan_of(meetings, {"email": "h@example.com"})
        assert len({f.file_id for f in plan.files}) == 2

    @pytest.mark.parametrize(
        ("file_type", "extension", "expected_ext"),
        [
            pytest.param("HOLOGRAM", "HOLO", "holo", id="unknown-type-with-extension"),
            pytest.param("HOLOGRAM", None, "hologram", id="unknown-type-without-extension"),
            pytest.param("SUMMARY", "JSON", "json", id="summary"),
            pytest.param("TB", "JPG", "jpg", id="thumbnail"),
            pytest.param("CHAT_MESSAGE", None, "txt", id="chat-message"),
            pytest.param("TIMELINE", None, "json", id="timeline-no-extension"),
            pytest.param("CC", "", "vtt", id="cc-empty-extension"),
            pytest.param("CSV", None, "csv", id="poll"),
            pytest.param(None, None, "bin", id="no-type"),
        ],
    )
    def test_file_types_pass_through(self, file_type, extension, expected_ext):
        record = mp4_file("f1", file_type=file_type, file_extension=extension, recording_type=None)
        plan = plan_of([completed_meeting(recording_files=[record])], {"email": "h@example.com"})
        assert plan.rejected == []
        [planned] = plan.files
        assert planned.key.endswith(f"_f1.{expected_ext}")
        assert planned.file_type == (file_type or "")

    def test_unknown_type_gets_generic_content_type(self):
        record = mp4_file("f1", file_type="HOLOGRAM", file_extension="HOLO")
        [planned] = plan_of([completed_meeting(recording_files=[record])], {"email": "h@example.com"}).files
        assert planned.content_type == "application/octet-stream"

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
