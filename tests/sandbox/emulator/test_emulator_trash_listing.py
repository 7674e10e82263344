"""``GET /v2/users/{userId}/recordings?trash=true`` (zoom_emulator.trash_listing): the two trash types, no date
filter, paging, the missing download fields, and files leaving the trash (recovered, or purged after 30 days)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

TODAY = date(2026, 5, 1)


@pytest.fixture
def sources(make_client: Any) -> Any:
    return make_client("all_sources", today=TODAY.isoformat())


def _case(client: Any, tag: str) -> str:
    return client.control("GET", "cases")["cases"][tag]["meeting_uuids"][0]


def _trash(client: Any, email: str = "olivia@example.com", **params: Any) -> dict[str, Any]:
    response = client.v2(f"/users/{email}/recordings", trash="true", **params)
    assert response.status_code == 200, response.text
    return response.json()


def test_meeting_and_file_trash_are_listed_apart(sources: Any) -> None:
    near, far = _case(sources, "deadline_near"), _case(sources, "deadline_far")
    sources.control("POST", "trash/meeting", {"meeting_uuid": near})
    one = sources.files(meeting_uuid=far)[0]
    sources.control("POST", "trash/file", {"file_id": one["file_id"]})

    meetings = _trash(sources)["meetings"]
    assert [m["uuid"] for m in meetings] == [near]
    assert meetings[0]["recording_count"] == len(meetings[0]["recording_files"]) == 2
    files = _trash(sources, trash_type="recording_file")["meetings"]
    assert [(m["uuid"], [f["id"] for f in m["recording_files"]]) for m in files] == [(far, [one["file_id"]])]
    assert far in {m["uuid"] for m in sources.v2("/users/me/recordings", **{"from": "2026-04-20"}).json()["meetings"]}


def test_trash_entries_have_deleted_time_and_no_download_url(sources: Any) -> None:
    near = _case(sources, "deadline_near")
    sources.control("POST", "clock", {"advance_seconds": 3600})
    sources.control("POST", "trash/meeting", {"meeting_uuid": near})
    (meeting,) = _trash(sources)["meetings"]
    for f in meeting["recording_files"]:
        assert f["deleted_time"].endswith("Z")
        assert {"download_url", "play_url", "file_type"}.isdisjoint(f)
        assert {"id", "meeting_id", "file_size", "file_extension", "recording_start", "status"} <= set(f)


def test_the_trash_ignores_from_and_to_and_validates_trash_type(sources: Any) -> None:
    near = _case(sources, "deadline_near")
    sources.control("POST", "trash/meeting", {"meeting_uuid": near})
    old_window = {"from": "2025-01-01", "to": "2025-01-20"}
    assert [m["uuid"] for m in _trash(sources, **old_window)["meetings"]] == [near]
    bad = sources.v2("/users/me/recordings", trash="true", trash_type="everything")
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (400, "trash_type")


def test_trash_pages_with_next_page_token(sources: Any) -> None:
    for tag in ("deadline_near", "deadline_far", "deadline_exempt"):
        sources.control("POST", "trash/meeting", {"meeting_uuid": _case(sources, tag)})
    first = _trash(sources, page_size=2)
    assert (first["total_records"], first["page_count"], len(first["meetings"])) == (3, 2, 2)
    second = sources.v2("/users/me/recordings", next_page_token=first["next_page_token"]).json()
    assert len(second["meetings"]) == 1
    assert second["next_page_token"] == ""
    assert {m["uuid"] for m in first["meetings"] + second["meetings"]} == {
        _case(sources, t) for t in ("deadline_near", "deadline_far", "deadline_exempt")
    }


def test_recovered_files_leave_the_trash_and_expired_ones_are_purged(sources: Any) -> None:
    exempt, far = _case(sources, "deadline_exempt"), _case(sources, "deadline_far")  # no deadline within 31 days
    sources.control("POST", "trash/meeting", {"meeting_uuid": exempt})
    sources.control("POST", "trash/meeting", {"meeting_uuid": far})
    sources.control("POST", "trash/recover", {"meeting_uuid": exempt})
    assert [m["uuid"] for m in _trash(sources)["meetings"]] == [far]
    assert len(sources.files(meeting_uuid=exempt)) == 1
    purged = sources.control("POST", "clock", {"advance_days": 31})["purged"]
    assert sorted(purged) == sorted(f.key for f in sources.emu.state.dataset.meetings[far].files or [])
    near = _case(sources, "deadline_near")  # its deadline (day 2) trashed it 29 days ago: still in the trash
    assert [m["uuid"] for m in _trash(sources)["meetings"]] == [near]
    response = sources.http.post(
        f"{sources.emu.api_url}/_emulator/trash/recover", json={"meeting_uuid": far}, timeout=10
    )
    assert response.status_code == 404
