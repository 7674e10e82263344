"""Zoom's rate tables as config presets (zoom_emulator.rate_plans) and the Phone API's own limits: per second,
separate from the main API's, and the daily cap of Heavy Phone calls."""

from __future__ import annotations

from typing import Any

import pytest
import requests


@pytest.fixture
def client(make_client: Any) -> Any:
    return make_client("all_sources", today="2026-05-01")


def _get(client: Any, path: str, **params: Any) -> requests.Response:
    return client.http.get(f"{client.emu.api_url}{path}", params=params, headers=client.auth(), timeout=10)


def test_plans_fill_the_published_tables(client: Any) -> None:
    pro = client.control("POST", "config", {"rate_limit_plan": "pro"})
    assert pro["rate_limit_per_second"] == {"light": 30, "medium": 20, "heavy": 10}
    assert pro["phone_rate_limit_per_second"] == {"light": 20, "medium": 10, "heavy": 5}
    assert pro["phone_daily_limit"] == 15000
    business = client.control("POST", "config", {"rate_limit_plan": "business_plus", "phone_daily_limit": 7})
    assert business["rate_limit_per_second"]["light"] == 80
    assert business["phone_rate_limit_per_second"]["heavy"] == 10
    assert business["phone_daily_limit"] == 7  # a key given with the plan wins
    bad = client.http.post(f"{client.emu.api_url}/_emulator/config", json={"rate_limit_plan": "gold"}, timeout=10)
    assert bad.status_code == 400


def test_phone_limits_are_their_own(client: Any) -> None:
    client.token  # noqa: B018 - mint before the burst
    client.control("POST", "config", {"phone_rate_limit_per_second": {"medium": 2}})
    answers = [_get(client, "/v2/phone/recordings") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].headers["X-RateLimit-Category"] == "Medium"
    assert answers[0].headers["X-RateLimit-Limit"] == "2"
    refused = answers[2]
    assert (refused.headers["X-RateLimit-Category"], refused.headers["X-RateLimit-Type"]) == ("Medium", "QPS")
    assert refused.json()["code"] == 429
    assert _get(client, "/v2/users").status_code == 200  # the main API's Medium window is another one
    assert client.control("GET", "stats")["rate_limited"] == {"phone_medium": 1}


def test_main_limits_cover_the_new_endpoints(client: Any) -> None:
    client.token  # noqa: B018
    client.control("POST", "config", {"rate_limit_per_second": {"light": 2}})
    answers = [_get(client, "/clips") for _ in range(2)] + [_get(client, "/v2/meetings/1/recordings")]
    assert [a.status_code for a in answers] == [200, 200, 429]  # Light is one window for the whole account


def test_the_daily_cap_of_heavy_phone_calls(client: Any) -> None:
    client.control("POST", "config", {"phone_daily_limit": 2})
    answers = [_get(client, "/v2/phone/voice_mails") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    refused = answers[2]
    assert refused.headers["X-RateLimit-Type"] == "Daily-limit"
    assert refused.headers["Retry-After"] == "2026-05-02T00:00:00Z"
    assert "daily rate limit" in refused.json()["message"]
    assert _get(client, "/v2/phone/users/me/voice_mails").status_code == 200  # Medium: not capped
    client.control("POST", "clock", {"now": "2026-05-02T00:00:01Z"})
    assert _get(client, "/v2/phone/voice_mails").status_code == 200
