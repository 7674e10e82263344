"""Phone calls, voicemails and deletions through the control plane (zoom_emulator.phone_control), with Zoom's Phone
webhooks: signed, payloads as in Zoom's SDK types, and no ``download_token``."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_hooks import Receiver, hook, settle


@pytest.fixture
def hooked(make_client: Any) -> Any:
    client = make_client("all_sources", today="2026-05-01")
    client.receiver = Receiver()
    hook(client, client.receiver)
    return client


def _get(client: Any, path: str, **params: Any) -> Any:
    return client.http.get(f"{client.emu.api_url}/v2{path}", params=params, headers=client.auth(), timeout=10)


def test_a_new_call_sends_recording_completed_then_its_transcript(hooked: Any) -> None:
    body = {"user": "pia.phone@example.com", "duration": 90, "file_size": 4096, "transcript": "completed"}
    added = hooked.control("POST", "phone/recordings", body)
    assert "file_size" not in added
    settle(hooked)
    (completed,) = hooked.receiver.named("phone.recording_completed")
    (transcript,) = hooked.receiver.named("phone.recording_transcript_completed")
    assert "download_token" not in completed
    assert set(completed["payload"]) == {"account_id", "object"}
    (item,) = completed["payload"]["object"]["recordings"]
    assert (item["id"], item["download_url"], item["duration"]) == (added["id"], added["download_url"], 90)
    assert {"caller_number", "callee_number", "date_time", "direction", "owner", "call_id"} <= set(item)
    assert "file_size" not in item
    assert (
        transcript["payload"]["object"]["recordings"][0]["transcript_download_url"] == added["transcript_download_url"]
    )
    got = hooked.fetch(item["download_url"])
    assert len(got.content) == 4096
    assert added["id"] in {r["id"] for r in _get(hooked, "/phone/recordings").json()["recordings"]}


def test_a_processing_transcript_completes_later(hooked: Any) -> None:
    added = hooked.control("POST", "phone/recordings", {"user": "pia.phone@example.com", "transcript": "processing"})
    assert "transcript_download_url" not in added
    hooked.control("POST", "phone/transcript", {"recording_id": added["id"]})
    settle(hooked)
    assert len(hooked.receiver.named("phone.recording_transcript_completed")) == 1


def test_a_voicemail_sends_voicemail_received(hooked: Any) -> None:
    added = hooked.control("POST", "phone/voicemails", {"user": "pia.phone@example.com", "transcription": "Call me"})
    settle(hooked)
    (event,) = hooked.receiver.named("phone.voicemail_received")
    assert "download_token" not in event
    obj = event["payload"]["object"]
    assert (obj["id"], obj["download_url"]) == (added["id"], added["download_url"])
    assert {"caller_number", "callee_user_id", "callee_extension_type", "date_time", "duration"} <= set(obj)


def test_deleting_and_recovering_phone_objects(hooked: Any) -> None:
    rec = _get(hooked, "/phone/recordings").json()["recordings"][0]
    hooked.control("POST", "phone/delete", {"recording_id": rec["id"]})
    assert rec["id"] not in {r["id"] for r in _get(hooked, "/phone/recordings").json()["recordings"]}
    assert hooked.redirect(rec["download_url"]).status_code == 400
    hooked.control("POST", "phone/recover", {"recording_id": rec["id"]})
    assert hooked.redirect(rec["download_url"]).status_code == 302
    hooked.control("POST", "phone/delete", {"recording_id": rec["id"], "permanent": True})
    recover = hooked.http.post(
        f"{hooked.emu.api_url}/_emulator/phone/recover", json={"recording_id": rec["id"]}, timeout=10
    )
    assert recover.status_code == 409
    vm = _get(hooked, "/phone/voice_mails").json()["voice_mails"][0]
    hooked.control("POST", "phone/delete", {"voicemail_id": vm["id"]})
    settle(hooked)
    (deleted,) = hooked.receiver.named("phone.recording_deleted")
    assert deleted["payload"]["object"]["recordings"] == [{"id": rec["id"], "call_id": rec["call_id"]}]
    (gone,) = hooked.receiver.named("phone.recording_permanently_deleted")
    assert gone["payload"]["object"]["recordings"][0]["id"] == rec["id"]
    assert hooked.receiver.named("phone.voicemail_deleted")[0]["payload"]["object"] == {
        "voice_mails": [{"id": vm["id"]}]
    }


def test_bad_control_calls(hooked: Any) -> None:
    url = f"{hooked.emu.api_url}/_emulator"
    assert hooked.http.post(f"{url}/phone/recordings", json={"user": "nobody"}, timeout=10).status_code == 404
    bad = {"user": "pia.phone@example.com", "transcript": "maybe"}
    assert hooked.http.post(f"{url}/phone/recordings", json=bad, timeout=10).status_code == 400
    assert hooked.http.post(f"{url}/phone/delete", json={"recording_id": "x"}, timeout=10).status_code == 404
