"""Trashing, deleting and recovering through the control plane (zoom_emulator.trash_control) sends Zoom's signed
``recording.trashed`` / ``recording.deleted`` / ``recording.recovered``; /v2 calls do so only when asked
(``api_trash_events``), so existing flows see no new deliveries."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from emulator_hooks import Receiver, hook, settle

OBJECT_KEYS = {"id", "uuid", "host_id", "account_id", "topic", "type", "start_time", "timezone", "duration"}
OBJECT_KEYS |= {"share_url", "total_size", "recording_count", "recording_files"}


@pytest.fixture
def hooked(make_client: Any) -> Any:
    client = make_client("all_sources", today="2026-05-01")
    client.receiver = Receiver()
    hook(client, client.receiver)
    return client


def _case(client: Any, tag: str) -> str:
    return client.control("GET", "cases")["cases"][tag]["meeting_uuids"][0]


def test_trash_then_recover_a_meeting(hooked: Any) -> None:
    uuid = _case(hooked, "webinar")
    ids = {f["file_id"] for f in hooked.files(meeting_uuid=uuid)}
    done = hooked.control("POST", "trash/meeting", {"meeting_uuid": uuid, "operator": "wes.webinar@example.com"})
    assert len(done["files"]) == 3
    assert len(done["deliveries"]) == 1
    hooked.control("POST", "trash/recover", {"meeting_uuid": uuid})
    settle(hooked)
    trashed, recovered = hooked.receiver.named("recording.trashed"), hooked.receiver.named("recording.recovered")
    assert len(trashed) == len(recovered) == 1
    payload = trashed[0]["payload"]
    assert (payload["operator"], payload["account_id"]) == ("wes.webinar@example.com", "sandbox-account")
    assert payload["operator_id"]
    assert set(payload["object"]) >= OBJECT_KEYS
    assert payload["object"]["type"] == 5
    assert {f["id"] for f in payload["object"]["recording_files"]} == ids
    assert payload["object"]["recording_count"] == 3
    assert "download_token" not in trashed[0]
    assert recovered[0]["download_token"]
    assert recovered[0]["payload"]["operator"] == "olivia@example.com"  # no operator given: the account owner
    assert {f["file_id"] for f in hooked.files(meeting_uuid=uuid)} == ids


def test_delete_a_file_for_good(hooked: Any) -> None:
    f = hooked.files(meeting_uuid=_case(hooked, "webinar"))[0]
    assert hooked.control("POST", "trash/file", {"file_id": f["file_id"], "action": "delete"})["action"] == "delete"
    settle(hooked)
    (event,) = hooked.receiver.named("recording.deleted")
    assert [x["id"] for x in event["payload"]["object"]["recording_files"]] == [f["file_id"]]
    assert "download_token" not in event
    response = hooked.http.post(
        f"{hooked.emu.api_url}/_emulator/trash/recover", json={"file_id": f["file_id"]}, timeout=10
    )
    assert response.status_code == 404
    again = hooked.http.post(f"{hooked.emu.api_url}/_emulator/trash/file", json={"file_id": f["file_id"]}, timeout=10)
    assert again.status_code == 409


def test_deleting_a_trashed_file_empties_the_trash(hooked: Any) -> None:
    f = hooked.files(meeting_uuid=_case(hooked, "webinar"))[0]
    hooked.control("POST", "trash/file", {"file_id": f["file_id"]})
    hooked.control("POST", "trash/file", {"file_id": f["file_id"], "action": "delete"})
    assert hooked.control("GET", "trash")["trashed"] == []
    settle(hooked)
    assert sorted(e["event"] for e in hooked.receiver.events()) == ["recording.deleted", "recording.trashed"]


def test_v2_calls_send_events_only_when_asked(hooked: Any) -> None:
    uuid = _case(hooked, "webinar")
    first, second = hooked.files(meeting_uuid=uuid)[:2]
    segment = quote(quote(uuid, safe=""), safe="") if uuid.startswith("/") or "//" in uuid else quote(uuid, safe="")

    def delete(file_id: str) -> int:
        url = f"{hooked.emu.api_url}/v2/meetings/{segment}/recordings/{file_id}"
        return hooked.http.delete(url, params={"action": "trash"}, headers=hooked.auth(), timeout=10).status_code

    assert delete(first["file_id"]) == 204
    settle(hooked)
    assert hooked.receiver.events() == []
    hooked.control("POST", "config", {"api_trash_events": True})
    assert delete(second["file_id"]) == 204
    url = f"{hooked.emu.api_url}/v2/meetings/{segment}/recordings/{second['file_id']}/status"
    assert hooked.http.put(url, json={"action": "recover"}, headers=hooked.auth(), timeout=10).status_code == 204
    settle(hooked)
    assert sorted(e["event"] for e in hooked.receiver.events()) == ["recording.recovered", "recording.trashed"]


def test_no_webhook_url_means_no_delivery(make_client: Any) -> None:
    client = make_client("all_sources", today="2026-05-01")
    done = client.control("POST", "trash/meeting", {"meeting_uuid": _case(client, "webinar")})
    assert done["deliveries"] == []
    bad = client.http.post(
        f"{client.emu.api_url}/_emulator/trash/meeting", json={"meeting_uuid": "x", "action": "trash"}, timeout=10
    )
    assert bad.status_code == 404
