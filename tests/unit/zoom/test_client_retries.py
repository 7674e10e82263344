"""The Zoom API client's retries: rate limits (per second and daily), transient failures, no token in errors."""

from __future__ import annotations

import email.utils
from datetime import date, datetime, timedelta, timezone

import pendulum
import pytest
import requests

from tests.unit.zoom.client_helpers import (
    CLIENT_SECRET,
    RECORDINGS_URL,
    TOKEN_1,
    TOKEN_2,
    TOKEN_URL,
    USERS_URL,
    api_calls,
    token_calls,
)
from zoom_archiver.errors import ZoomApiError, ZoomRateLimited, ZoomTransientError
from zoom_archiver.zoom.throttling import RateLimiter


class TestGet:
    @pytest.mark.parametrize("kind", ["seconds", "http-date", "iso-date", "absent"])
    def test_429_then_success(self, requests_mock, client, waits, kind):
        soon = datetime.now(timezone.utc) + timedelta(seconds=3)
        headers = {
            "seconds": {"Retry-After": "3"},
            "http-date": {"Retry-After": email.utils.format_datetime(soon, usegmt=True)},
            "iso-date": {"Retry-After": soon.strftime("%Y-%m-%dT%H:%M:%SZ")},
            "absent": {},
        }[kind]
        requests_mock.get(
            USERS_URL,
            [
                {
                    "status_code": 429,
                    "headers": headers,
                    "json": {"code": 429, "message": "You have reached the maximum per-second rate limit."},
                },
                {"json": {"users": [{"id": "u1"}]}},
            ],
        )
        assert client.get("users") == {"users": [{"id": "u1"}]}
        assert client.stats.rate_limited == 1
        assert client.stats.retries == 1
        assert len(waits) == 1
        if headers:
            assert 1.5 <= waits[0] <= 3.5
        else:
            assert 0 < waits[0] <= 30

    def test_429_holds_off_every_caller(self, requests_mock, client, clock):
        client.limiter = RateLimiter(100.0, clock=clock, sleep=clock.sleep)
        requests_mock.get(
            USERS_URL,
            [{"status_code": 429, "headers": {"Retry-After": "4"}, "json": {"code": 429}}, {"json": {"users": []}}],
        )
        client.get("users")
        assert clock.sleeps
        assert clock.sleeps[-1] == pytest.approx(4.0, abs=0.05)

    def test_daily_limit_is_not_waited_for(self, requests_mock, client, waits):
        requests_mock.get(
            USERS_URL,
            status_code=429,
            headers={
                "Retry-After": pendulum.now("UTC").add(hours=6).to_iso8601_string(),
                "X-RateLimit-Type": "Daily-limit",
            },
            json={"code": 429, "message": "You have reached the maximum daily rate limit for this API."},
        )
        with pytest.raises(ZoomRateLimited) as info:
            client.get("users")
        assert info.value.daily
        assert waits == []
        assert len(api_calls(requests_mock)) == 1

    def test_daily_limit_without_retry_after_is_not_retried(self, requests_mock, client, waits):
        requests_mock.get(
            USERS_URL,
            status_code=429,
            headers={"X-RateLimit-Type": "Daily-limit", "X-RateLimit-Category": "Medium"},
            json={"code": 429, "message": "You have reached the maximum daily rate limit for this API."},
        )
        with pytest.raises(ZoomRateLimited) as info:
            client.get("users")
        assert info.value.daily
        assert len(api_calls(requests_mock)) == 1
        assert waits == []

    @pytest.mark.parametrize(
        "failure",
        [
            pytest.param({"status_code": 500, "text": "oops"}, id="500"),
            pytest.param({"status_code": 502, "text": "bad gateway"}, id="502"),
            pytest.param({"status_code": 503, "json": {"code": 503, "message": "busy"}}, id="503"),
            pytest.param({"status_code": 504, "text": ""}, id="504"),
            pytest.param({"exc": requests.exceptions.ConnectionError("reset")}, id="connection-error"),
            pytest.param({"exc": requests.exceptions.ReadTimeout("slow")}, id="timeout"),
        ],
    )
    def test_transient_failures_retried(self, requests_mock, client, waits, failure):
        requests_mock.get(USERS_URL, [failure, failure, {"json": {"users": []}}])
        assert client.get("users") == {"users": []}
        assert len(api_calls(requests_mock)) == 3
        assert len(waits) == 2

    def test_token_endpoint_outage_is_retried(self, requests_mock, client, waits):
        requests_mock.post(
            TOKEN_URL,
            [{"status_code": 503, "text": "busy"}, {"json": {"access_token": TOKEN_1, "expires_in": 3599}}],
        )
        requests_mock.get(USERS_URL, json={"users": []})
        assert client.get("users") == {"users": []}
        assert len(token_calls(requests_mock)) == 2
        assert len(waits) == 1

    def test_transient_failures_give_up(self, requests_mock, client, waits):
        requests_mock.get(USERS_URL, status_code=503, text="busy")
        with pytest.raises(ZoomTransientError, match="503"):
            client.get("users")
        assert len(api_calls(requests_mock)) == 4  # attempts=4

    @pytest.mark.parametrize(
        "failure",
        [
            pytest.param({"status_code": 404, "json": {"code": 1001, "message": "User does not exist"}}, id="404"),
            pytest.param({"status_code": 500, "text": "oops"}, id="500"),
            pytest.param({"exc": requests.exceptions.ConnectionError(f"Bearer {TOKEN_1}")}, id="connection"),
            pytest.param({"status_code": 429, "json": {"code": 429},
                          "headers": {"Retry-After": "2030-01-01T00:00:00Z"}}, id="429"),
        ],
    )  # fmt: skip
    def test_errors_never_carry_the_token(self, requests_mock, client, failure):
        requests_mock.get(RECORDINGS_URL, **failure)
        with pytest.raises(ZoomApiError) as info:
            list(client.list_user_recordings("me", date(2024, 1, 1), date(2024, 1, 2)))
        assert TOKEN_1 not in str(info.value)
        assert TOKEN_2 not in str(info.value)
        assert "Bearer" not in str(info.value)
        assert CLIENT_SECRET not in str(info.value)
