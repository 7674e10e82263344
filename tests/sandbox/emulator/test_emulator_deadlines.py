"""Deletion deadlines (zoom_emulator.deadlines): ``auto_delete``/``auto_delete_date`` on the meeting object of the
listing and the detail, the emulated clock reaching a deadline (files trashed or deleted, with the webhook), and
the deadlines given through the control plane."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from emulator_hooks import Receiver, hook, settle

TODAY = date(2026, 5, 1)


@pytest.fixture
def sources(make_client: Any) -> Any:
    return make_client("all_sources", today=TODAY.isoformat())


def _by_case(client: Any, tag: str) -> str:
    return client.control("GET", "cases")["cases"][tag]["meeting_uuids"][0]


def _listed(client: Any, email: str = "olivia@example.com") -> dict[str, dict[str, Any]]:
    window = {"from": str(TODAY - timedelta(days=20)), "to": str(TODAY)}
    return {m["uuid"]: m for m in client.v2(f"/users/{email}/recordings", **window).json()["meetings"]}


def test_deadline_fields_on_the_meeting_in_list_and_detail(sources: Any) -> None:
    listed = _listed(sources)
    near, far = _by_case(sources, "deadline_near"), _by_case(sources, "deadline_far")
    exempt = _by_case(sources, "deadline_exempt")
    assert (listed[near]["auto_delete"], listed[near]["auto_delete_date"]) == (True, str(TODAY + timedelta(days=2)))
    assert listed[far]["auto_delete_date"] == str(TODAY + timedelta(days=60))
    assert listed[exempt]["auto_delete"] is False
    assert "auto_delete_date" not in listed[exempt]
    none = _by_case(sources, "deadline_none")
    wes = _listed(sources, "wes.webinar@example.com")[none]
    assert "auto_delete" not in wes
    assert "auto_delete_date" not in wes
    for m in listed.values():  # a file never carries the deadline
        assert all("auto_delete_date" not in f for f in m["recording_files"])
    detail = sources.v2(f"/meetings/{quote(quote(near, safe=''), safe='')}/recordings").json()
    assert (detail["auto_delete"], detail["auto_delete_date"]) == (True, str(TODAY + timedelta(days=2)))


def test_settings_show_the_auto_delete_setting(sources: Any) -> None:
    olivia = sources.v2("/users/olivia@example.com/settings").json()["recording"]
    assert (olivia["auto_delete_cmr"], olivia["auto_delete_cmr_days"]) == (True, 60)
    wes = sources.v2("/users/wes.webinar@example.com/settings").json()["recording"]
    assert wes["auto_delete_cmr"] is False
    assert "auto_delete_cmr_days" not in wes
    account = sources.v2("/accounts/me/settings").json()["recording"]
    assert account["allow_recovery_deleted_cloud_recordings"] is True
    assert sources.v2("/accounts/someone-else/settings").json()["code"] == 2001
    assert sources.v2("/users/nobody@example.com/settings").status_code == 404
    changed = sources.control("POST", "settings", {"user": "wes.webinar@example.com", "auto_delete_cmr": True})
    assert changed["recording"]["auto_delete_cmr"] is True
    assert sources.v2("/users/wes.webinar@example.com/settings").json()["recording"]["auto_delete_cmr_days"] == 30


def test_reaching_a_deadline_trashes_the_files_and_sends_recording_trashed(sources: Any) -> None:
    receiver = Receiver()
    hook(sources, receiver)
    near = _by_case(sources, "deadline_near")
    files = sources.files(meeting_uuid=near)
    assert sources.fetch(files[0]["download_url"]).status_code == 200
    assert sources.control("POST", "clock", {"advance_days": 1})["auto_deleted"] == []
    assert near in _listed(sources)
    moved = sources.control("POST", "clock", {"advance_days": 1})
    assert moved["auto_deleted"] == [near]
    assert moved["today"] == str(TODAY + timedelta(days=2))
    assert near not in _listed(sources)
    assert sources.files(meeting_uuid=near) == []
    lost = sources.redirect(files[0]["download_url"])
    assert (lost.status_code, lost.headers["content-type"].split(";")[0]) == (200, "text/html")
    trashed = {t["file_id"]: t["trash_type"] for t in sources.control("GET", "trash")["trashed"]}
    assert trashed == dict.fromkeys((f["file_id"] for f in files), "meeting_recordings")
    settle(sources)
    (event,) = receiver.named("recording.trashed")
    assert event["payload"]["object"]["uuid"] == near
    assert {f["id"] for f in event["payload"]["object"]["recording_files"]} == {f["file_id"] for f in files}
    assert event["payload"]["operator"] == "olivia@example.com"
    assert "download_token" not in event


def test_without_a_trash_the_deadline_deletes_for_good(sources: Any) -> None:
    sources.control("POST", "settings", {"allow_recovery_deleted_cloud_recordings": False})
    near = _by_case(sources, "deadline_near")
    assert sources.control("POST", "clock", {"now": f"{TODAY + timedelta(days=2)}T00:00:00Z"})["auto_deleted"] == [near]
    assert sources.control("GET", "trash")["trashed"] == []
    assert near not in _listed(sources)


def test_a_deadline_set_through_the_control_plane(sources: Any) -> None:
    none = _by_case(sources, "deadline_none")
    later = sources.control("POST", "auto_delete", {"meeting_uuid": none, "date": str(TODAY + timedelta(days=5))})
    assert (later["auto_delete"], later["auto_delete_date"], later["auto_deleted"]) == (True, "2026-05-06", [])
    assert _listed(sources, "wes.webinar@example.com")[none]["auto_delete_date"] == "2026-05-06"
    pending = [p["meeting_uuid"] for p in sources.control("GET", "clock")["pending_deadlines"]]
    assert none in pending
    now = sources.control("POST", "auto_delete", {"meeting_uuid": none, "date": str(TODAY)})
    assert now["auto_deleted"] == [none]
    assert none not in _listed(sources, "wes.webinar@example.com")


def test_a_meeting_added_with_a_deadline_is_deleted_at_it(sources: Any) -> None:
    added = sources.control(
        "POST",
        "meetings",
        {
            "host_email": "olivia@example.com",
            "start_time": f"{TODAY}T08:00:00Z",
            "auto_delete_date": str(TODAY + timedelta(days=1)),
            "recording_files": [{"file_type": "MP4", "file_size": 2048}],
        },
    )
    assert (added["auto_delete"], added["auto_delete_date"]) == (True, str(TODAY + timedelta(days=1)))
    assert sources.control("POST", "clock", {"advance_days": 1})["auto_deleted"] == [added["uuid"]]


def test_bad_deadline_requests_are_refused(sources: Any) -> None:
    for body in (
        {"meeting_uuid": "nope", "date": "2026-05-02"},
        {"meeting_uuid": _by_case(sources, "webinar"), "date": "soon"},
    ):
        response = sources.http.post(f"{sources.emu.api_url}/_emulator/auto_delete", json=body, timeout=10)
        assert response.status_code in (400, 404)
    response = sources.http.post(f"{sources.emu.api_url}/_emulator/clock", json={"advance_days": "x"}, timeout=10)
    assert response.status_code == 400


def test_a_reset_rewinds_the_clock(sources: Any) -> None:
    sources.control("POST", "clock", {"advance_days": 5})
    assert sources.control("GET", "clock")["today"] == str(TODAY + timedelta(days=5))
    sources.control("POST", "reset", {"seed": "all_sources"})
    clock = sources.control("GET", "clock")
    assert (clock["today"], clock["offset_seconds"]) == (str(TODAY), 0)
    near = _by_case(sources, "deadline_near")
    assert {"date": str(TODAY + timedelta(days=2)), "meeting_uuid": near} in clock["pending_deadlines"]
