"""Listing every user over a run's windows (zoom_archiver.discover.listing): one user's failure is that user's."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from zoom_archiver.dates import Window
from zoom_archiver.discover.listing import plan_listing
from zoom_archiver.discover.planning import Filters, Planner
from zoom_archiver.errors import ZoomApiError, ZoomRateLimited, ZoomTokenRejected, ZoomTransientError
from zoom_archiver.keys import DEFAULT_KEY_TEMPLATE

WINDOWS = [Window(date(2024, 11, 1), date(2024, 11, 10)), Window(date(2024, 11, 25), date(2024, 12, 5))]


class FakeClient:
    def __init__(self, meetings: dict[str, list[dict[str, Any]]], errors: dict[str, Exception]) -> None:
        self.meetings = meetings
        self.errors = errors
        self.calls: list[tuple[str, date, date]] = []

    def list_user_recordings(self, user_id: str, start: date, end: date):
        self.calls.append((user_id, start, end))
        if user_id in self.errors:
            raise self.errors[user_id]
        yield from self.meetings.get(user_id, [])


def planner() -> Planner:
    return Planner(window=WINDOWS, filters=Filters(), template=DEFAULT_KEY_TEMPLATE, prefix="zoom")


def users() -> list[dict[str, Any]]:
    return [{"id": "u1", "email": "one@example.com"}, {"id": "u2", "email": "gone@example.com"}]


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(
            ZoomApiError("GET users/u2/recordings: HTTP 404 code=1001 User does not exist", status=404, code=1001),
            id="user-deleted-mid-run",
        ),
        pytest.param(
            ZoomApiError("HTTP 400 code=4711 Invalid access token, does not contain scopes", status=400, code=4711),
            id="missing-scope",
        ),
        pytest.param(
            ZoomApiError("Zoom error code=300 The next page token is invalid or expired", status=200, code=300),
            id="expired-page-token",
        ),
        pytest.param(ZoomTransientError("HTTP 502", status=502), id="5xx-outlasting-retries"),
    ],
)
def test_a_users_failure_is_that_users_and_the_others_are_planned(real_listing, error):
    client = FakeClient({"u1": real_listing["meetings"]}, {"u2": error})
    listing = plan_listing(client, users(), WINDOWS, planner(), workers=2)
    assert len(listing.files) == 3  # every completed file of the other user
    [failure] = listing.failures
    assert failure.user == "gone@example.com"
    assert str(error)[:40] in failure.error


def test_every_window_is_listed_for_every_user(real_listing):
    client = FakeClient({"u1": real_listing["meetings"]}, {})
    plan_listing(client, users(), WINDOWS, planner(), workers=1)
    assert sorted(client.calls) == sorted((u, w.start, w.end) for u in ("u1", "u2") for w in WINDOWS)


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(ZoomTokenRejected("access token rejected", status=401, code=124), id="token-rejected"),
        pytest.param(ZoomRateLimited("daily limit", daily=True), id="daily-rate-limit"),
    ],
)
def test_an_account_wide_error_stops_the_listing(real_listing, error):
    client = FakeClient({"u1": real_listing["meetings"]}, {"u2": error})
    with pytest.raises(type(error)):
        plan_listing(client, users(), WINDOWS, planner(), workers=2)


class DetailClient(FakeClient):
    """Also answers the meeting detail: participant audio files, or an error."""

    def __init__(self, meetings: dict[str, list[dict[str, Any]]], detail: Any) -> None:
        super().__init__(meetings, {})
        self.detail = detail
        self.details: list[str] = []

    def get_meeting_recordings(self, uuid: str) -> dict[str, Any]:
        self.details.append(uuid)
        if isinstance(self.detail, Exception):
            raise self.detail
        return self.detail


def with_voices(meeting: dict[str, Any]) -> dict[str, Any]:
    """The meeting as listed when it has participant files: the count includes two more files."""
    return {**meeting, "recording_count": meeting.get("recording_count", 0) + 2}


VOICES = {
    "participant_audio_files": [
        {"id": f"v{i}", "file_type": "M4A", "file_name": "Audio only - Sam Lee", "file_size": 10, "status": "completed",
         "download_url": f"https://us06web.zoom.us/rec/download/v{i}"}
        for i in (1, 2)
    ]
}  # fmt: skip


def test_a_meeting_counting_more_files_than_it_shows_brings_its_participant_audio(real_listing):
    meetings = [with_voices(real_listing["meetings"][1]), *real_listing["meetings"][2:]]
    client = DetailClient({"u1": meetings}, VOICES)
    listing = plan_listing(client, users()[:1], WINDOWS, planner(), workers=1)
    assert client.details == [meetings[0]["uuid"]], "only the meeting whose count says so"
    voices = [f for f in listing.files if f.participant]
    assert [(f.file_id, f.participant, f.meeting_uuid) for f in voices] == [
        ("v1", "Sam Lee", meetings[0]["uuid"]),
        ("v2", "Sam Lee", meetings[0]["uuid"]),
    ]
    never = DetailClient({"u1": meetings}, VOICES)
    plan_listing(never, users()[:1], WINDOWS, planner(), workers=1, participant_audio="never")
    assert never.details == []


def test_a_failed_detail_is_its_users_failure(real_listing):
    client = DetailClient({"u1": [with_voices(real_listing["meetings"][1])]}, ZoomTransientError("HTTP 503"))
    listing = plan_listing(client, users()[:1], WINDOWS, planner(), workers=1)
    assert [f.user for f in listing.failures] == ["one@example.com"]
    assert listing.files == []
