"""AI Companion meeting summaries (zoom_emulator.summaries, summaries_control): the list and its window, the
detail, edits that change ``summary_last_modified_time``, trash/recover/delete, and the ``meeting.summary_*``
webhooks."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from emulator_hooks import Receiver, hook, settle

HEAD = {
    "meeting_host_id", "meeting_host_email", "meeting_uuid", "meeting_id", "meeting_topic", "meeting_start_time",
    "meeting_end_time", "summary_start_time", "summary_end_time", "summary_created_time", "summary_last_modified_time",
}  # fmt: skip


@pytest.fixture
def hooked(make_client: Any) -> Any:
    client = make_client("all_sources", today="2026-05-01")
    client.receiver = Receiver()
    hook(client, client.receiver)
    return client


def _case(client: Any, tag: str) -> str:
    return client.control("GET", "cases")["cases"][tag]["meeting_uuids"][0]


def _segment(uuid: str) -> str:
    return quote(quote(uuid, safe=""), safe="")  # double-encoding works for every uuid


def _listed(client: Any, **params: Any) -> dict[str, Any]:
    response = client.v2("/meetings/meeting_summaries", **params)
    assert response.status_code == 200, response.text
    return response.json()


def test_list_shape_and_window(hooked: Any) -> None:
    body = _listed(hooked)
    assert list(body) == ["page_size", "next_page_token", "from", "to", "summaries"]
    assert len(body["summaries"]) == 4  # the trashed one is not listed
    for item in body["summaries"]:
        assert set(item) == HEAD
    created = [s["summary_created_time"] for s in body["summaries"]]
    assert created == sorted(created, reverse=True)
    near = _case(hooked, "deadline_near")
    narrow = _listed(hooked, **{"from": "2026-04-28T10:00:00Z", "to": "2026-04-28T11:00:00Z"})
    assert [s["meeting_uuid"] for s in narrow["summaries"]] == [near]
    wide = _listed(hooked, **{"from": "2025-01-01T00:00:00Z", "to": "2026-05-01T00:00:00Z"})
    assert wide["from"] == "2026-04-01T00:00:00Z"  # narrowed to one month before to
    paged = _listed(hooked, page_size=3)
    rest = _listed(hooked, next_page_token=paged["next_page_token"])
    assert len(paged["summaries"]) + len(rest["summaries"]) == 4
    assert hooked.v2("/meetings/meeting_summaries", **{"from": "last week"}).status_code == 400


def test_detail(hooked: Any) -> None:
    uuid = _case(hooked, "deadline_near")
    detail = hooked.v2(f"/meetings/{_segment(uuid)}/meeting_summary").json()
    assert set(detail) >= HEAD
    assert detail["summary_content"].startswith("# Budget review")
    assert {"summary_title", "summary_overview", "summary_details", "next_steps"} <= set(detail)
    assert "edited_summary" not in detail
    number = hooked.emu.state.dataset.meetings[uuid].id
    assert hooked.v2(f"/meetings/{number}/meeting_summary").json()["meeting_uuid"] == uuid
    room = _case(hooked, "zoom_room")
    assert hooked.v2(f"/meetings/{_segment(room)}/meeting_summary").json()["meeting_host_email"].startswith("rooms_")
    missing = hooked.v2(f"/meetings/{_segment(_case(hooked, 'inactive_host'))}/meeting_summary")
    assert missing.status_code == 404


def test_the_seed_has_an_edited_summary(hooked: Any) -> None:
    edited = hooked.v2(f"/meetings/{_segment(_case(hooked, 'deadline_none'))}/meeting_summary").json()
    assert edited["summary_last_modified_time"] > edited["summary_created_time"]
    assert edited["edited_summary"]["summary_overview"].endswith("(edited)")
    assert edited["summary_last_modified_user_email"] == "wes.webinar@example.com"


def test_an_edit_changes_content_and_time_and_sends_summary_updated(hooked: Any) -> None:
    uuid = _case(hooked, "webinar")
    before = hooked.v2(f"/meetings/{_segment(uuid)}/meeting_summary").json()
    hooked.control("POST", "clock", {"advance_seconds": 120})
    hooked.control(
        "POST", "summaries/edit", {"meeting_uuid": uuid, "content": "# New text", "by": "wes.webinar@example.com"}
    )
    after = hooked.v2(f"/meetings/{_segment(uuid)}/meeting_summary").json()
    assert after["summary_content"] == "# New text"
    assert after["summary_last_modified_time"] > before["summary_last_modified_time"]
    assert after["summary_created_time"] == before["summary_created_time"]
    settle(hooked)
    (event,) = hooked.receiver.named("meeting.summary_updated")
    payload = event["payload"]
    assert payload["operator"] == "wes.webinar@example.com"
    assert payload["object"]["summary_last_modified_time"] == after["summary_last_modified_time"]
    assert {"summary_title", "summary_details", "next_steps", "edited_summary"} <= set(payload["object"])


def test_trash_recover_delete_and_their_events(hooked: Any) -> None:
    uuid = _case(hooked, "deadline_near")
    assert (
        hooked.http.delete(
            f"{hooked.emu.api_url}/v2/meetings/{_segment(uuid)}/meeting_summary", headers=hooked.auth(), timeout=10
        ).status_code
        == 204
    )
    assert hooked.v2(f"/meetings/{_segment(uuid)}/meeting_summary").status_code == 404
    assert uuid not in {s["meeting_uuid"] for s in _listed(hooked)["summaries"]}
    hooked.control("POST", "summaries/recover", {"meeting_uuid": uuid})
    assert hooked.v2(f"/meetings/{_segment(uuid)}/meeting_summary").status_code == 200
    hooked.control("POST", "summaries/delete", {"meeting_uuid": uuid, "operator": "olivia@example.com"})
    refused = hooked.http.post(
        f"{hooked.emu.api_url}/_emulator/summaries/recover", json={"meeting_uuid": uuid}, timeout=10
    )
    assert refused.status_code == 409
    settle(hooked)
    names = sorted(e["event"] for e in hooked.receiver.events())
    assert names == ["meeting.summary_deleted", "meeting.summary_recovered", "meeting.summary_trashed"]
    for event in hooked.receiver.events():
        assert {"account_id", "operator", "operator_id", "object"} == set(event["payload"])
        assert HEAD | {"summary_title"} == set(event["payload"]["object"])


def test_a_new_summary_sends_summary_completed(hooked: Any) -> None:
    uuid = _case(hooked, "inactive_host")
    hooked.control("POST", "summaries", {"meeting_uuid": uuid})
    assert uuid in {s["meeting_uuid"] for s in _listed(hooked)["summaries"]}
    settle(hooked)
    (event,) = hooked.receiver.named("meeting.summary_completed")
    assert "operator" not in event["payload"]
    assert {"summary_title", "summary_overview", "summary_details", "next_steps"} <= set(event["payload"]["object"])
    assert event["payload"]["object"]["meeting_host_email"] == "ivan.inactive@example.com"
