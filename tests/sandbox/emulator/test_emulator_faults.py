"""Fault injection: dropped and HTML first downloads, list errors, rate limits, slow responses, throttling."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

RATE_MESSAGE = "You have reached the maximum per-second rate limit for this API. Try again later."


def test_first_cdn_download_drops_then_succeeds(make_client: Any) -> None:
    client = make_client("tricky", config={"download_drop_rate": 1.0})
    f = client.files(file_type="MP4")[0]
    location = client.redirect(f["download_url"]).headers["Location"]
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(location, timeout=10)
    again = requests.get(location, timeout=10)
    assert again.status_code == 200
    assert hashlib.sha256(again.content).hexdigest() == f["sha256"]
    stats = client.control("GET", "stats")
    assert stats["faults"]["download_drop"] == 1
    assert stats["downloads_by_file"][f["file_key"]] == {"api": 1, "cdn": 2}


def test_drop_sends_the_full_content_length(make_client: Any) -> None:
    client = make_client("tricky", config={"download_drop_rate": 1.0, "download_drop_fraction": 0.25})
    f = client.files(file_type="MP4")[0]
    location = client.redirect(f["download_url"]).headers["Location"]
    with requests.get(location, stream=True, timeout=10) as response:
        assert int(response.headers["Content-Length"]) == f["size"]
        received: list[bytes] = []
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            received.extend(response.iter_content(4096))
    assert 0 < sum(map(len, received)) < f["size"]


def test_fault_rates_pick_a_seeded_fraction_of_files(make_client: Any) -> None:
    first = make_client("tricky", config={"download_drop_rate": 0.3, "fault_seed": 7})
    second = make_client("tricky", config={"download_drop_rate": 0.3, "fault_seed": 7})
    dropped = []
    for client in (first, second):
        files = client.files(tag="bulk_user")[:40]
        outcome = []
        for f in files:
            try:
                client.fetch(f["download_url"])
                outcome.append(False)
            except requests.exceptions.ChunkedEncodingError:
                outcome.append(True)
        dropped.append(outcome)
    assert dropped[0] == dropped[1]
    assert 3 <= sum(dropped[0]) <= 25


def test_html_once_on_the_first_api_download(make_client: Any) -> None:
    client = make_client("tricky", config={"download_html_once_rate": 1.0})
    f = client.files(file_type="MP4")[0]
    first = client.redirect(f["download_url"])
    assert first.status_code == 200
    assert first.headers["Content-Type"].startswith("text/html")
    assert client.redirect(f["download_url"]).status_code == 302
    assert client.control("GET", "stats")["faults"]["download_html_once"] == 1


@pytest.mark.parametrize("kind", ["429_seconds", "429_date", "429_http_date", "429_none", "500", "502", "503"])
def test_list_error_kinds(make_client: Any, kind: str) -> None:
    client = make_client("empty", config={"list_error_rate": 1.0, "list_error_kinds": [kind]})
    response = client.v2("/users")
    assert response.status_code == int(kind[:3])
    if kind.startswith("429"):
        assert response.json() == {"code": 429, "message": RATE_MESSAGE}
        assert response.headers["X-RateLimit-Category"] == "Medium"
        assert response.headers["X-RateLimit-Type"] == "QPS"
        retry_after = response.headers.get("Retry-After")
        if kind == "429_seconds":
            assert retry_after == "1"
        elif kind == "429_date":
            assert datetime.fromisoformat(retry_after.replace("Z", "+00:00")).tzinfo is not None
        elif kind == "429_http_date":
            assert parsedate_to_datetime(retry_after).tzinfo is not None
        else:
            assert retry_after is None
    assert client.control("GET", "stats")["faults"] == {f"list_error_{kind}": 1}


def test_list_errors_do_not_hit_meeting_lookups(make_client: Any) -> None:
    client = make_client("tricky", config={"list_error_rate": 1.0})
    assert client.v2("/meetings/2jQ60QnYThiV9cm%252BfdIbZQ%253D%253D/recordings").status_code == 200


def test_per_second_rate_limit_per_category(make_client: Any) -> None:
    client = make_client("empty", config={"rate_limit_per_second": {"medium": 2}})
    statuses = [client.v2("/users").status_code for _ in range(4)]
    assert statuses[:2] == [200, 200]
    assert statuses[2:] == [429, 429]
    limited = client.v2("/users")
    assert limited.headers["X-RateLimit-Category"] == "Medium"
    assert limited.headers["Retry-After"] == "1"
    # The light category (get meeting recordings) is not limited.
    assert client.v2("/meetings/123/recordings").status_code == 404
    time.sleep(1.05)
    assert client.v2("/users").status_code == 200
    stats = client.control("GET", "stats")
    assert stats["rate_limited"] == {"medium": 3}
    assert stats["http_429_sent"] == 3


def test_slow_responses(make_client: Any) -> None:
    client = make_client("empty", config={"slow_response_rate": 1.0, "slow_response_seconds": 0.3})
    started = time.monotonic()
    assert client.v2("/users").status_code == 200
    assert time.monotonic() - started >= 0.3
    assert client.control("GET", "stats")["faults"]["slow_response"] == 1


def test_cdn_throttle(make_client: Any) -> None:
    client = make_client("tricky", config={"cdn_throttle_bytes_per_second": 100_000})
    f = max(client.files(tag="file_types"), key=lambda f: f["size"])
    started = time.monotonic()
    got = client.fetch(f["download_url"])
    assert len(got.content) == f["size"]
    assert time.monotonic() - started >= f["size"] / 100_000 * 0.8


def test_redirect_host_override(make_client: Any) -> None:
    client = make_client("tricky", config={"redirect_host_override": "evil.example"})
    f = client.files(file_type="MP4")[0]
    location = urlsplit(client.redirect(f["download_url"]).headers["Location"])
    assert (location.hostname, location.port) == ("evil.example", client.emu.cdn_port)


def test_config_is_validated(client: Any) -> None:
    for bad in (
        {"nope": 1},
        {"list_error_rate": 2},
        {"list_error_kinds": ["418"]},
        {"rate_limit_per_second": {"x": 1}},
    ):
        response = requests.post(f"{client.emu.api_url}/_emulator/config", json=bad, timeout=10)
        assert response.status_code == 400, bad
    config = client.control("POST", "config", {"rate_limit_per_second": {"light": 5}})
    assert config["rate_limit_per_second"] == {"light": 5, "medium": None, "heavy": None}
    shown = client.control("GET", "config")
    assert shown["rate_limit_per_second"]["light"] == 5
    assert shown["client_secret"] != "sandbox-client-secret"
