"""Zoom Phone endpoints (zoom_emulator.phone_api): listings held to the Phone API spec (fields, no file_size, the
30-day window, paging), downloads and transcripts, voicemails, and the account without a Phone licence."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import requests

TODAY = "2026-05-01"
ACCOUNT_ITEM = {
    "call_id", "call_log_id", "call_history_id", "callee_name", "callee_number", "callee_number_type", "caller_name",
    "caller_number", "caller_number_type", "date_time", "direction", "download_url", "duration", "end_time", "id",
    "owner", "recording_type", "site", "auto_delete_enable",
}  # fmt: skip


@pytest.fixture
def phone(make_client: Any) -> Any:
    return make_client("all_sources", today=TODAY)


def _get(client: Any, path: str, **params: Any) -> requests.Response:
    return client.http.get(f"{client.emu.api_url}/v2{path}", params=params, headers=client.auth(), timeout=10)


def test_account_recordings_shape(phone: Any) -> None:
    body = _get(phone, "/phone/recordings").json()
    assert list(body) == ["next_page_token", "page_size", "recordings", "total_records"]
    assert body["total_records"] == len(body["recordings"]) == 5  # the 40-day-old call is outside the default window
    for item in body["recordings"]:
        assert set(item) >= ACCOUNT_ITEM
        assert "file_size" not in item
        assert item["download_url"].startswith(f"{phone.emu.api_url}/v2/phone/recording/download/")
        assert not item["download_url"].endswith(item["id"])  # the download key is not the recording id
        assert set(item["owner"]) == {"extension_number", "id", "name", "type"}
        assert isinstance(item["duration"], int)
    times = [r["date_time"] for r in body["recordings"]]
    assert times == sorted(times, reverse=True)
    owners = {r["owner"]["type"] for r in body["recordings"]}
    assert owners == {"user", "callQueue"}
    policy = [r for r in body["recordings"] if "auto_delete_policy" in r]
    assert [(r["auto_delete_policy"], r["auto_delete_enable"]) for r in policy] == [("1 year", True)]
    assert sum("transcript_download_url" in r for r in body["recordings"]) == 1


def test_user_recordings_and_filters(phone: Any) -> None:
    body = _get(phone, "/phone/users/pia.phone@example.com/recordings").json()
    assert list(body)[:2] == ["from", "to"]
    assert (body["from"], body["to"], body["total_records"]) == ("2026-04-02", TODAY, 4)
    assert {"owner", "site", "end_time"}.isdisjoint(body["recordings"][0])
    assert _get(phone, "/phone/users/nobody@example.com/recordings").json()["code"] == 1001
    queue = _get(phone, "/phone/recordings", owner_type="callQueue").json()["recordings"]
    assert [r["recording_type"] for r in queue] == ["OnDemand"]
    assert len(_get(phone, "/phone/recordings", recording_type="OnDemand").json()["recordings"]) == 1


def test_windows(phone: Any) -> None:
    old = _get(phone, "/phone/recordings", **{"from": "2026-03-15", "to": "2026-03-31"}).json()
    assert old["total_records"] == 1
    no_to = _get(phone, "/phone/recordings", **{"from": "2026-03-15"})
    assert (no_to.status_code, no_to.json()["errors"][0]["field"]) == (400, "to")
    wide = _get(phone, "/phone/users/me/recordings", **{"from": "2025-01-01", "to": "2026-03-31"}).json()
    assert wide["from"] == "2026-03-02"  # narrowed to 30 whole days ending on to (narrower than a calendar month)
    timed = _get(phone, "/phone/recordings", **{"from": "2026-04-30T11:00:00Z", "to": "2026-04-30T12:00:00Z"})
    assert timed.json()["total_records"] == 1
    by_end = _get(
        phone, "/phone/recordings", query_date_type="end_time", **{"from": "2026-04-30T11:46:00Z", "to": TODAY}
    )
    assert by_end.json()["total_records"] == 1
    assert _get(phone, "/phone/recordings", **{"from": "yesterday", "to": TODAY}).status_code == 400


def test_paging(phone: Any) -> None:
    first = _get(phone, "/phone/recordings", page_size=2).json()
    assert (len(first["recordings"]), first["total_records"]) == (2, 5)
    seen = [r["id"] for r in first["recordings"]]
    token = first["next_page_token"]
    while token:
        page = _get(phone, "/phone/recordings", next_page_token=token).json()
        seen += [r["id"] for r in page["recordings"]]
        token = page["next_page_token"]
    assert len(seen) == len(set(seen)) == 5
    assert _get(phone, "/phone/recordings", next_page_token="bogus").status_code == 400


def test_downloads_are_302_to_the_bytes(phone: Any) -> None:
    sources = {s["download_url"]: s for s in phone.control("GET", "sources")["sources"]}
    for item in _get(phone, "/phone/recordings").json()["recordings"]:
        first = phone.redirect(item["download_url"])
        assert first.status_code == 302
        got = requests.get(first.headers["Location"], timeout=10)
        assert got.headers["Content-Type"] == "audio/mpeg"
        expected = sources[item["download_url"]]
        assert int(got.headers["Content-Length"]) == len(got.content) == expected["size"]
        assert hashlib.sha256(got.content).hexdigest() == expected["sha256"]
    assert _get(phone, "/phone/recording/download/nope").json() == {"code": 404, "message": "File does not exist."}
    unauthenticated = requests.get(item["download_url"], allow_redirects=False, timeout=10)
    assert unauthenticated.status_code == 401


def test_transcripts(phone: Any) -> None:
    recordings = phone.control("GET", "phone")["recordings"]
    done = next(r for r in recordings if "transcript_download_url" in r)
    got = phone.fetch(done["transcript_download_url"])
    assert got.headers["Content-Type"] == "application/json"
    by_state = {}
    for r in recordings:
        response = _get(phone, f"/phone/recording_transcript/download/{r['id']}")
        by_state.setdefault(response.status_code, []).append(
            response.json().get("code") if response.status_code == 400 else 302
        )
    assert sorted(by_state[400]) == [404, 404, 404, 12002]  # three calls without a transcript, one processing
    processing = next(
        r for r in phone.emu.state.dataset.extras.phone_recordings.values() if r.transcript_status == "processing"
    )
    phone.control("POST", "phone/transcript", {"recording_id": processing.id})
    assert (
        phone.redirect(f"{phone.emu.api_url}/v2/phone/recording_transcript/download/{processing.id}").status_code == 302
    )


def test_voicemails(phone: Any) -> None:
    account = _get(phone, "/phone/voice_mails").json()
    assert {"from", "to", "page_count", "page_size", "total_records", "next_page_token", "voice_mails"} == set(account)
    assert account["total_records"] == 2
    assert all("owner" in v and "file_size" not in v for v in account["voice_mails"])
    trashed = _get(phone, "/phone/voice_mails", trashed="true").json()["voice_mails"]
    assert len(trashed) == 1
    assert trashed[0]["soft_deleted_type"] == "Manual"
    assert 0 < trashed[0]["days_left_auto_permantely_delete"] <= 30
    pia = _get(phone, "/phone/users/pia.phone@example.com/voice_mails").json()["voice_mails"]
    assert len(pia) == 1
    assert "owner" not in pia[0]
    assert len(_get(phone, "/phone/users/pia.phone@example.com/voice_mails", trash="true").json()["voice_mails"]) == 1
    detail = _get(phone, f"/phone/voice_mails/{pia[0]['id']}").json()
    assert detail["transcription"]["content"].startswith("Hi Pia")
    got = phone.fetch(pia[0]["download_url"])
    assert got.headers["Content-Type"] == "audio/mpeg"
    assert phone.redirect(trashed[0]["download_url"]).status_code == 400  # in the trash: not downloadable
    assert _get(phone, "/phone/users/me/voice_mails", next_page_token="bogus").json()["code"] == 400


@pytest.mark.parametrize(
    ("access", "status", "code"), [("no_licence", 403, 403), ("no_scope", 400, 4711)], ids=["no-licence", "no-scope"]
)
def test_every_phone_call_is_refused_without_access(phone: Any, access: str, status: int, code: int) -> None:
    item = _get(phone, "/phone/recordings").json()["recordings"][0]
    phone.control("POST", "config", {"phone_access": access})
    for path in (
        "/phone/recordings",
        "/phone/users/me/recordings",
        "/phone/voice_mails",
        "/phone/users/me/voice_mails",
        f"/phone/recording_transcript/download/{item['id']}",
    ):
        response = _get(phone, path)
        assert (response.status_code, response.json()["code"]) == (status, code), path
    assert phone.redirect(item["download_url"]).status_code == status
    assert phone.v2("/users").status_code == 200  # the rest of the API is untouched
