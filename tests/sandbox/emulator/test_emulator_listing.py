"""/v2 listings: users, recordings windows and pagination, single meetings, response shapes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from zoom_emulator.seed_tricky import UUID_CASES
from zoom_emulator.v2 import minus_one_month


def _all_pages(client: Any, path: str, key: str, **params: Any) -> tuple[list[dict[str, Any]], list[dict]]:
    items, bodies = [], []
    while True:
        body = client.v2(path, **params).json()
        bodies.append(body)
        items += body[key]
        if not body["next_page_token"]:
            return items, bodies
        params["next_page_token"] = body["next_page_token"]


def test_users_by_status_and_pagination(client: Any) -> None:
    active, bodies = _all_pages(client, "/users", "users", page_size=2)
    assert [u["email"] for u in active] == ["tricia@example.com", "mononym@example.com", "bulk@example.com"]
    assert [b["page_number"] for b in bodies] == [1, 1]
    assert bodies[0]["page_count"] == 2
    assert bodies[0]["total_records"] == 3
    assert bodies[-1]["next_page_token"] == ""
    mononym = next(u for u in active if u["email"].startswith("mononym"))
    assert "last_name" not in mononym
    assert mononym["first_name"] == "Mononym"
    inactive = client.v2("/users", status="inactive").json()["users"]
    assert [(u["email"], u["status"]) for u in inactive] == [("ina.inactive@example.com", "inactive")]
    pending = client.v2("/users", status="pending").json()["users"]
    assert len(pending) == 1
    assert "id" not in pending[0]
    assert pending[0]["status"] == "pending"


def test_page_size_defaults_and_caps(client: Any) -> None:
    assert client.v2("/users").json()["page_size"] == 30
    assert client.v2("/users", page_size=1000).json()["page_size"] == 300


def test_recordings_clamp_from_to_one_calendar_month(client: Any) -> None:
    body = client.v2("/users/me/recordings", **{"from": "2020-01-01", "to": "2025-03-31"}).json()
    assert (body["from"], body["to"]) == ("2025-02-28", "2025-03-31")
    body = client.v2("/users/me/recordings", **{"from": "2025-03-10", "to": "2025-03-31"}).json()
    assert body["from"] == "2025-03-10"


def test_recordings_defaults_are_today_and_tomorrow(client: Any) -> None:
    today = client.emu.state.today()
    body = client.v2("/users/me/recordings").json()
    assert (body["from"], body["to"]) == (today.isoformat(), (today + timedelta(days=1)).isoformat())
    assert body["meetings"] == []
    assert body["total_records"] == 0
    assert body["next_page_token"] == ""


def test_to_is_inclusive_of_the_whole_utc_day(client: Any) -> None:
    edge_day = (client.emu.state.today() - timedelta(days=2)).isoformat()
    body = client.v2("/users/tricia@example.com/recordings", **{"from": edge_day, "to": edge_day}).json()
    times = [m["start_time"] for m in body["meetings"]]
    assert f"{edge_day}T23:59:30Z" in times
    assert f"{edge_day}T00:00:05Z" in times
    assert times == sorted(times, reverse=True)


def test_newest_first_and_list_shape(client: Any) -> None:
    today = client.emu.state.today()
    body = client.v2("/users/me/recordings", **{"from": str(today - timedelta(days=25)), "to": str(today)}).json()
    starts = [m["start_time"] for m in body["meetings"]]
    assert starts == sorted(starts, reverse=True)
    assert list(body) == ["from", "to", "page_count", "page_size", "total_records", "next_page_token", "meetings"]
    for meeting in body["meetings"]:
        assert "host_email" not in meeting
        assert isinstance(meeting["type"], int)
    by_tag = {m["topic"]: m for m in body["meetings"]}
    assert "recording_files" not in by_tag["Too short to record"]
    processing = next(f for f in by_tag["Town hall (processing)"]["recording_files"] if f["status"] == "processing")
    assert (processing["file_type"], processing["file_extension"], processing["file_size"]) == ("", "", 0)
    assert processing["recording_end"] == ""
    assert "recording_type" not in processing
    old = [f for f in by_tag["Legacy shapes"]["recording_files"] if f["file_type"] in ("TIMELINE", "CC")]
    assert len(old) == 2
    for f in old:
        assert set(f) == {"meeting_id", "recording_start", "recording_end", "file_type", "download_url"}
    mp4 = next(f for f in by_tag["Legacy shapes"]["recording_files"] if f["file_type"] == "MP4")
    assert {"id", "file_extension", "file_size", "recording_type", "status", "play_url"} <= set(mp4)


def test_bulk_user_needs_two_pages_of_300_and_two_windows(client: Any) -> None:
    today = client.emu.state.today()
    # The widest window Zoom allows: ``from`` one calendar month before ``to`` (28 to 31 days, by the calendar).
    window = {"from": str(minus_one_month(today)), "to": str(today)}
    meetings, bodies = _all_pages(client, "/users/bulk@example.com/recordings", "meetings", page_size=300, **window)
    assert (bodies[0]["from"], bodies[0]["to"]) == (window["from"], window["to"])
    assert len(bodies) == 2
    assert bodies[0]["page_count"] == 2
    assert len(bodies[0]["meetings"]) == 300
    assert bodies[0]["total_records"] == len(meetings) > 300
    assert len({m["uuid"] for m in meetings}) == len(meetings)
    older_to = minus_one_month(today) - timedelta(days=1)
    older = {"from": str(minus_one_month(older_to)), "to": str(older_to)}
    rest, _ = _all_pages(client, "/users/bulk@example.com/recordings", "meetings", page_size=300, **older)
    assert rest
    assert len(meetings) + len(rest) == 320


def test_page_tokens_expire(client: Any) -> None:
    today = client.emu.state.today()
    window = {"from": str(today - timedelta(days=30)), "to": str(today)}
    first = client.v2("/users/bulk@example.com/recordings", page_size=10, **window).json()
    client.control("POST", "config", {"page_token_ttl_seconds": 0})
    again = client.v2("/users/bulk@example.com/recordings", next_page_token=first["next_page_token"])
    assert (again.status_code, again.json()) == (
        400,
        {"code": 300, "message": "The next page token is invalid or expired."},
    )
    assert client.v2("/users/bulk@example.com/recordings", next_page_token="made-up").status_code == 400


def test_inactive_user_recordings_by_id(client: Any) -> None:
    inactive = client.v2("/users", status="inactive").json()["users"][0]
    # Its meetings are 12 and 30 days old: a one-month window ending at the newer one holds both on any date
    # (one ending today may not: ending on 1 March, it spans only 28 days).
    to_day = client.emu.state.today() - timedelta(days=12)
    window = {"from": str(minus_one_month(to_day)), "to": str(to_day)}
    body = client.v2(f"/users/{inactive['id']}/recordings", **window).json()
    assert len(body["meetings"]) == 2


def test_unknown_user(client: Any) -> None:
    response = client.v2("/users/nobody@example.com/recordings")
    assert (response.status_code, response.json()) == (
        404,
        {"code": 1001, "message": "User nobody@example.com not exist or not belong to this account."},
    )
    assert client.v2("/users/penny.pending@example.com/recordings").status_code == 404


def test_meeting_recordings_with_double_encoded_uuids(client: Any) -> None:
    for uuid in UUID_CASES.values():
        twice = quote(quote(uuid, safe=""), safe="")
        response = client.v2(f"/meetings/{twice}/recordings")
        assert response.status_code == 200, uuid
        body = response.json()
        assert body["uuid"] == uuid
        assert body["host_email"] == "tricia@example.com"
        assert "password" in body
        assert "recording_play_passcode" in body
    once = client.v2(f"/meetings/{quote(UUID_CASES['uuid_plus_equals'], safe='')}/recordings")
    assert once.json()["uuid"] == UUID_CASES["uuid_plus_equals"]


def test_meeting_recordings_by_number_returns_the_latest_instance(client: Any) -> None:
    recurring = client.control("GET", "cases")["cases"]["recurring"]["meeting_uuids"]
    assert len(recurring) == 3
    meeting = client.v2(f"/meetings/{quote(quote(recurring[0], safe=''), safe='')}/recordings").json()
    latest = client.v2(f"/meetings/{meeting['id']}/recordings").json()
    assert latest["uuid"] in recurring
    assert latest["start_time"] == max(
        client.v2(f"/meetings/{quote(quote(u, safe=''), safe='')}/recordings").json()["start_time"] for u in recurring
    )


def test_meeting_recordings_download_access_token_and_404(client: Any) -> None:
    uuid = quote(quote(UUID_CASES["uuid_double_slash"], safe=""), safe="")
    body = client.v2(f"/meetings/{uuid}/recordings", include_fields="download_access_token").json()
    assert body["download_access_token"].startswith("eyJ")
    assert "download_access_token" not in client.v2(f"/meetings/{uuid}/recordings").json()
    missing = client.v2("/meetings/nope%3D%3D/recordings")
    assert (missing.status_code, missing.json()) == (
        404,
        {"code": 3301, "message": "There is no recording for this meeting."},
    )


def test_everything_lies_within_45_days(client: Any) -> None:
    today = client.emu.state.today()
    files = client.control("GET", "files")["files"]
    assert 300 < len(files) < 450
    for f in files:
        assert today - timedelta(days=45) <= date.fromisoformat(f["start_time"][:10]) < today
        assert 1024 <= f["size"] <= 64 * 1024
