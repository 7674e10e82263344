"""The account-level listing and Zoom Rooms (zoom_emulator.rooms): every user's recordings and the rooms', the
rooms absent from /users, webinars (types 5, 6, 9) in the ordinary listings."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

WINDOW = {"from": "2026-04-01", "to": "2026-05-01"}


@pytest.fixture
def account(make_client: Any) -> Any:
    return make_client("all_sources", today="2026-05-01")


def _all(client: Any, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        body = client.v2(path, **params).json()
        items += body["meetings"]
        if not body["next_page_token"]:
            return items
        params = {"next_page_token": body["next_page_token"]}


def test_the_account_listing_holds_every_host_and_the_rooms(account: Any) -> None:
    meetings = _all(account, "/accounts/me/recordings", page_size=4, **WINDOW)
    assert len(meetings) == len({m["uuid"] for m in meetings}) == len(account.emu.state.dataset.meetings)
    hosts = {m["host_email"] for m in meetings}
    assert {"olivia@example.com", "wes.webinar@example.com", "ivan.inactive@example.com"} <= hosts
    rooms = [m for m in meetings if m["host_email"].startswith("rooms_")]
    assert len(rooms) == 2
    starts = [m["start_time"] for m in meetings]
    assert starts == sorted(starts, reverse=True)
    assert list(meetings[0])[:5] == ["uuid", "id", "account_id", "host_id", "host_email"]
    by_id = _all(account, f"/accounts/{account.emu.state.dataset.account_id}/recordings", **WINDOW)
    assert [m["uuid"] for m in by_id] == [m["uuid"] for m in meetings]
    assert account.v2("/accounts/other-account/recordings").json()["code"] == 2001


def test_a_room_is_not_a_user(account: Any) -> None:
    (room,) = account.v2("/rooms").json()["rooms"]
    assert room["id"] == room["room_id"]
    assert room["name"] == "Board Room"
    emails = {
        u["email"] for status in ("active", "inactive") for u in account.v2("/users", status=status).json()["users"]
    }
    assert not any(e.startswith("rooms_") for e in emails)
    assert account.v2(f"/users/{room['id']}/recordings", **WINDOW).json()["code"] == 1001
    meetings = _all(account, "/accounts/me/recordings", **WINDOW)
    assert {m["host_id"] for m in meetings if m["host_email"].startswith("rooms_")} == {room["id"]}
    room_meeting = next(m for m in meetings if m["host_id"] == room["id"])
    segment = quote(quote(room_meeting["uuid"], safe=""), safe="")
    assert account.v2(f"/meetings/{segment}/recordings").json()["host_email"] == room_meeting["host_email"]
    got = account.fetch(room_meeting["recording_files"][0]["download_url"])
    assert len(got.content) == room_meeting["recording_files"][0]["file_size"]


def test_rooms_added_through_the_control_plane(account: Any) -> None:
    room = account.control("POST", "rooms", {"name": "Huddle"})
    added = account.control(
        "POST",
        "meetings",
        {"host_id": room["id"], "start_time": "2026-04-30T09:00:00Z", "recording_files": [{"file_size": 100}]},
    )
    assert added["host_id"] == room["id"]
    assert added["uuid"] in {m["uuid"] for m in _all(account, "/accounts/me/recordings", **WINDOW)}
    assert [r["name"] for r in account.v2("/rooms", query_name="hud").json()["rooms"]] == ["Huddle"]


def test_webinars_are_listed_with_their_types(account: Any) -> None:
    meetings = _all(account, "/users/wes.webinar@example.com/recordings", **WINDOW)
    assert sorted(m["type"] for m in meetings if m["type"] in (5, 6, 9)) == [5, 6, 9]
    for webinar in (m for m in meetings if m["type"] in (5, 6, 9)):
        assert {f["file_type"] for f in webinar["recording_files"]} == {"MP4", "M4A", "CHAT"}
