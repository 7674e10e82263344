"""Download URLs on the API host and the pre-signed CDN: redirects, signatures, errors, ranges, bytes."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from zoom_emulator.content import file_bytes_range

FORBIDDEN = b'{"status":false,"errorCode":124,"errorMessage":"Forbidden"}'


def _file(client: Any, **filters: Any) -> dict[str, Any]:
    return client.files(**filters)[0]


def test_download_redirects_to_the_cdn_host(client: Any) -> None:
    f = _file(client, file_type="MP4", tag="uuid_leading_slash")
    response = client.redirect(f["download_url"])
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.hostname, location.port) == ("localhost", client.emu.cdn_port)
    assert urlsplit(client.emu.api_url).hostname == "127.0.0.1"
    parts = location.path.split("/")
    assert parts[:3] == ["", "cmr", "replay"]
    assert parts[6] == str(f["meeting_id"])
    assert parts[8].startswith("GMT")
    assert parts[8].endswith(".mp4")
    query = parse_qs(location.query)
    assert query["response-content-type"] == ["video/mp4"]
    assert {"Expires", "Signature", "Key-Pair-Id"} <= set(query)


def test_cdn_serves_the_expected_bytes(client: Any) -> None:
    for f in client.files(tag="file_types"):
        got = client.fetch(f["download_url"])
        assert got.status_code == 200, f["file_type"]
        assert int(got.headers["Content-Length"]) == f["size"] == len(got.content)
        assert hashlib.sha256(got.content).hexdigest() == f["sha256"]
    types = {f["file_type"]: f for f in client.files(tag="file_types")}
    expected = {"MP4": "video/mp4", "SUMMARY": "application/json", "CC": "text/vtt", "CSV": "text/csv"}
    expected |= {"CHAT": "text/plain", "HOLOGRAM": "application/octet-stream"}
    for file_type, mime in expected.items():
        assert client.fetch(types[file_type]["download_url"]).headers["Content-Type"] == mime
    assert client.fetch(_file(client, file_type="M4A")["download_url"]).headers["Content-Type"] == "audio/mp4"


def test_cdn_refuses_an_authorization_header(client: Any) -> None:
    f = _file(client, file_type="MP4")
    location = client.redirect(f["download_url"]).headers["Location"]
    refused = requests.get(location, headers={"Authorization": f"Bearer {client.token}"}, timeout=10)
    assert refused.status_code == 400
    assert b"Only one auth mechanism allowed" in refused.content
    # python-requests drops Authorization on a cross-host redirect, so following it works.
    followed = requests.get(f["download_url"], headers={"Authorization": f"Bearer {client.token}"}, timeout=10)
    assert followed.status_code == 200
    assert len(followed.content) == f["size"]


def test_cdn_checks_signature_and_expiry(client: Any) -> None:
    f = _file(client, file_type="MP4")
    location = client.redirect(f["download_url"]).headers["Location"]
    assert requests.get(location.replace("Signature=", "Signature=x"), timeout=10).status_code == 403
    assert requests.get(location.split("?")[0], timeout=10).status_code == 403
    tampered = location.replace(".mp4?", ".m4a?")
    assert requests.get(tampered, timeout=10).status_code == 403
    client.control("POST", "config", {"cdn_url_ttl_seconds": -5})
    expired = client.redirect(f["download_url"]).headers["Location"]
    response = requests.get(expired, timeout=10)
    assert response.status_code == 403
    assert b"expired" in response.content


def test_invalid_or_expired_token_gets_the_59_byte_json(client: Any) -> None:
    f = _file(client, file_type="MP4")
    response = requests.get(f["download_url"], headers={"Authorization": "Bearer nope"}, timeout=10)
    assert response.status_code == 200
    assert response.content == FORBIDDEN
    assert len(response.content) == 59
    assert response.headers["Content-Type"].startswith("application/json")
    headers = client.auth()
    client.control("POST", "tokens/expire")
    assert requests.get(f["download_url"], headers=headers, timeout=10).content == FORBIDDEN
    assert client.v2("/users").json() == {"code": 124, "message": "Access token is expired."}


def test_legacy_access_token_query_parameter_is_accepted(client: Any) -> None:
    f = _file(client, file_type="MP4")
    response = requests.get(f["download_url"], params={"access_token": client.token}, allow_redirects=False, timeout=10)
    assert response.status_code == 302


def test_download_access_token_works_for_downloads_only(client: Any) -> None:
    f = _file(client, tag="uuid_plus_equals", file_type="MP4")
    meeting = client.v2(
        "/meetings/2jQ60QnYThiV9cm%252BfdIbZQ%253D%253D/recordings", include_fields="download_access_token"
    )
    token = meeting.json()["download_access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(f["download_url"], headers=headers, allow_redirects=False, timeout=10).status_code == 302
    assert requests.get(f"{client.emu.api_url}/v2/users", headers=headers, timeout=10).status_code == 401


def test_unknown_processing_and_deleted_files_get_html(client: Any) -> None:
    unknown = client.redirect(f"{client.emu.api_url}/rec/download/doesnotexist")
    assert unknown.status_code == 200
    assert unknown.headers["Content-Type"].startswith("text/html")
    assert b"Only the host can download" in unknown.content
    processing = _file(client, status="processing")
    assert client.redirect(processing["download_url"]).headers["Content-Type"].startswith("text/html")
    f = _file(client, file_type="M4A", tag="uuid_slash_plus")
    client.control("POST", "delete", {"file_id": f["file_id"]})
    assert client.redirect(f["download_url"]).headers["Content-Type"].startswith("text/html")


def test_play_urls_answer_html_and_play_style_transcripts_download(client: Any) -> None:
    transcript = _file(client, tag="transcript_via_play", file_type="TRANSCRIPT")
    assert "/rec/play/" in transcript["download_url"]
    page = client.redirect(transcript["download_url"])
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    download_url = transcript["download_url"].replace("/rec/play/", "/rec/download/")
    got = client.fetch(download_url)
    assert got.headers["Content-Type"] == "text/vtt"
    assert hashlib.sha256(got.content).hexdigest() == transcript["sha256"]


def test_old_shape_files_download_under_their_file_key(client: Any) -> None:
    old = client.files(tag="old_shape_files", old_shape=True)
    assert {f["file_type"] for f in old} == {"TIMELINE", "CC"}
    for f in old:
        assert f["file_id"] is None
        assert f["listed_size"] is None
        assert f["file_key"].startswith("noid-")
        got = client.fetch(f["download_url"])
        assert hashlib.sha256(got.content).hexdigest() == f["sha256"]


def test_webhook_download_urls(client: Any) -> None:
    f = _file(client, file_type="MP4")
    assert client.redirect(f["webhook_download_url"]).status_code == 302
    wrong = f["webhook_download_url"].rsplit("/", 1)[0] + "/wrong"
    assert client.redirect(wrong).headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=100-", 100, None), ("bytes=10-19", 10, 20), ("bytes=-50", -50, None)],
)
def test_range_requests(client: Any, header: str, start: int, end: int | None) -> None:
    f = _file(client, file_type="MP4")
    whole = file_bytes_range(f["file_key"], f["size"], 0, f["size"])
    got = client.fetch(f["download_url"], Range=header)
    assert got.status_code == 206
    assert got.content == whole[start:end]
    first = start % f["size"]
    assert got.headers["Content-Range"] == f"bytes {first}-{first + len(got.content) - 1}/{f['size']}"


def test_unsatisfiable_range_and_range_switched_off(client: Any) -> None:
    f = _file(client, file_type="MP4")
    assert client.fetch(f["download_url"], Range=f"bytes={f['size']}-").status_code == 416
    client.control("POST", "config", {"cdn_supports_range": False})
    got = client.fetch(f["download_url"], Range="bytes=10-19")
    assert got.status_code == 200
    assert len(got.content) == f["size"]


def test_files_listing_matches_the_api(client: Any) -> None:
    files = client.files()
    entry = files[0]
    expected = {"file_id", "meeting_uuid", "meeting_id", "host_id", "host_email", "file_type", "status", "size"}
    expected |= {"listed_size", "sha256", "download_url", "start_time"}
    assert expected <= set(entry)
    assert json.dumps(files, ensure_ascii=False)
    assert len({f["file_key"] for f in files}) == len(files)
