"""What planning makes of each recording file: not ready until completed, transcripts' play URLs, ids derived
for id-less files, extensions and content types of every file type."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.unit.discover.planning_helpers import WINDOW_2019, completed_meeting, mp4_file, plan_of


class TestPlanMeeting:
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
