"""Participant audio files (zoom_archiver.discover.listing): when the meeting detail is fetched, what is taken
from
it, and how the planner turns the files into keys of their own."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from zoom_archiver.dates import Window
from zoom_archiver.discover.listing import needs_detail, with_participant_audio
from zoom_archiver.discover.planning import Filters, Planner
from zoom_archiver.errors import ZoomApiError, ZoomTransientError
from zoom_archiver.zoom.records import participant_name

UUID = "G9kkuWLyS260vDFGQpFFPA=="


def listed(count: int | None = 2, total: int | None = 300, files: list[dict] | None = None) -> dict[str, Any]:
    files = files if files is not None else [
        {"id": "a", "status": "completed", "file_size": 200, "file_type": "MP4"},
        {"id": "b", "status": "completed", "file_size": 100, "file_type": "M4A"},
    ]  # fmt: skip
    meeting: dict[str, Any] = {"uuid": UUID, "recording_files": files}
    if count is not None:
        meeting["recording_count"] = count
    if total is not None:
        meeting["total_size"] = total
    return meeting


def voice(file_id: str, name: str, size: int = 2000) -> dict[str, Any]:
    """A participant_audio_files entry in the shape of Zoom's spec (§3c)."""
    return {
        "id": file_id,
        "recording_start": "2020-09-30T18:30:47Z",
        "recording_end": "2020-09-30T19:15:42Z",
        "file_type": "M4A",
        "file_name": f"Audio only - {name}",
        "file_size": size,
        "file_extension": "M4A",
        "download_url": f"https://example.zoom.us/rec/download/{file_id}",
        "status": "completed",
    }


class TestNeedsDetail:
    def test_a_listing_that_shows_every_file_needs_no_detail(self):
        assert not needs_detail(listed())

    @pytest.mark.parametrize(("count", "total"), [(3, 300), (2, 301), (5, None), (None, 9999)])
    def test_more_files_or_bytes_counted_than_shown_fetch_the_detail(self, count, total):
        assert needs_detail(listed(count, total))

    def test_files_still_processing_count_for_neither(self):
        files = [{"id": "a", "status": "completed", "file_size": 200}, {"id": "p", "status": "processing"}]
        assert not needs_detail(listed(1, 200, files))
        assert needs_detail(listed(2, 200, files))

    def test_the_connection_extra_decides_when_it_says_always_or_never(self):
        assert needs_detail(listed(), "always")
        assert not needs_detail(listed(9, 9999), "never")

    def test_a_malformed_record_needs_no_detail(self):
        assert not needs_detail({"recording_count": 9})
        assert not needs_detail({"uuid": UUID, "recording_count": True, "recording_files": "x"})


class FakeClient:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def get_meeting_recordings(self, uuid: str) -> dict[str, Any]:
        self.asked.append(uuid)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class TestWithParticipantAudio:
    def test_adds_the_detail_files_to_the_meeting(self):
        client = FakeClient({"uuid": UUID, "participant_audio_files": [voice("v1", "Jill")]})
        meeting = with_participant_audio(client, listed(3))  # type: ignore[arg-type]
        assert client.asked == [UUID]
        assert [f["id"] for f in meeting["participant_audio_files"]] == ["v1"]
        assert meeting["recording_files"] == listed()["recording_files"]

    def test_recordings_gone_since_the_listing_add_nothing(self):
        gone = ZoomApiError("HTTP 404 code=3301", status=404, code=3301)
        assert with_participant_audio(FakeClient(gone), listed(3)) == listed(3)  # type: ignore[arg-type]

    def test_any_other_error_is_raised_for_the_listing_to_count(self):
        with pytest.raises(ZoomTransientError):
            with_participant_audio(FakeClient(ZoomTransientError("HTTP 503")), listed(3))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("file_name", "name"),
    [
        ("Audio only - Jill Chill", "Jill Chill"),
        ("Jürgen Groß", "Jürgen Groß"),
        ("", "participant"),
        (None, "participant"),
    ],
)
def test_participant_name(file_name, name):
    assert participant_name({"file_name": file_name}) == name


def test_the_planner_gives_each_participant_file_its_own_key_and_metadata(real_host):
    meeting = {
        "uuid": UUID,
        "id": 82766620474,
        "host_id": "JPYZGbjgQg6eIR2WhWMyPw",
        "topic": "Cohort",
        "start_time": "2020-09-30T18:30:46Z",
        "recording_files": [],
        "participant_audio_files": [voice("v1", "Sam Lee"), voice("v2", "Sam Lee"), voice("v3", "Jill/../Chill")],
    }
    planner = Planner(
        window=Window(date(2020, 9, 30), date(2020, 9, 30)), filters=Filters(), template=TEMPLATE, prefix="zoom"
    )
    planner.add(meeting, real_host)
    files = planner.files()
    assert planner.plan.rejected == []
    assert [f.participant for f in files] == ["Sam Lee", "Sam Lee", "Jill/../Chill"]
    assert {f.recording_type for f in files} == {"participant_audio"}
    keys = [f.key.rsplit("/", 1)[1] for f in files]
    assert keys == [
        "participant_audio-Sam-Lee_v1.m4a",
        "participant_audio-Sam-Lee_v2.m4a",
        "participant_audio-Jill-Chill_v3.m4a",
    ]
    assert files[0].label.endswith("M4A (Sam Lee) · 2020-09-30T18:30")
    assert files[0].recording_start == "2020-09-30T18:30:47Z"


TEMPLATE = "{prefix}/{meeting_uuid_safe}/{recording_type}_{file_id}.{ext}"
