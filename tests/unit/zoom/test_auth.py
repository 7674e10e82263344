from __future__ import annotations

import base64
from urllib.parse import parse_qs

import pytest
import requests

from zoom_archiver.errors import ZoomAuthError, ZoomTransientError
from zoom_archiver.redaction import redact
from zoom_archiver.zoom.auth import S2SToken

TOKEN_URL = "https://zoom.us/oauth/token"
CLIENT_ID = "zoom-client-id-0001"
CLIENT_SECRET = "zoom-client-secret-XYZ-987654321"
ACCOUNT_ID = "uET0tmHjSNKK9pR945WnSg"


def token_body(token: str, expires_in: int = 3599) -> dict:
    return {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": expires_in,
        "scope": "cloud_recording:read:list_user_recordings:admin user:read:list_users:admin",
        "api_url": "https://api.zoom.us",
    }


@pytest.fixture
def make_token(clock):
    def make(**kwargs) -> S2SToken:
        return S2SToken(
            requests.Session(),
            token_url=kwargs.pop("token_url", TOKEN_URL),
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            account_id=ACCOUNT_ID,
            clock=clock,
            **kwargs,
        )

    return make


class TestS2SToken:
    def test_mints_with_basic_auth_and_form_body(self, requests_mock, make_token):
        requests_mock.post(TOKEN_URL, json=token_body("eyJzdiI6IjAwMDAwMSIs-token-1"))
        assert make_token().get() == "eyJzdiI6IjAwMDAwMSIs-token-1"
        [request] = requests_mock.request_history
        assert request.method == "POST"
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        assert request.headers["Authorization"] == f"Basic {expected}"
        assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert parse_qs(request.text) == {"grant_type": ["account_credentials"], "account_id": [ACCOUNT_ID]}
        assert CLIENT_SECRET not in request.url

    def test_token_is_cached(self, requests_mock, make_token):
        requests_mock.post(TOKEN_URL, json=token_body("token-cached-000001"))
        token = make_token()
        assert {token.get() for _ in range(5)} == {"token-cached-000001"}
        assert requests_mock.call_count == 1
        assert token.minted == 1

    def test_refreshed_before_expiry(self, requests_mock, make_token, clock):
        requests_mock.post(
            TOKEN_URL,
            [{"json": token_body("token-first-00001", 3600)}, {"json": token_body("token-second-0002", 3600)}],
        )
        token = make_token()
        assert token.get() == "token-first-00001"
        clock.advance(3600 - 61)
        assert token.get() == "token-first-00001"
        clock.advance(2)  # now inside the last minute of the token's life
        assert token.get() == "token-second-0002"
        assert requests_mock.call_count == 2

    def test_short_lived_token_is_still_cached(self, requests_mock, make_token, clock):
        requests_mock.post(TOKEN_URL, json=token_body("token-short-00001", 10))
        token = make_token()
        token.get()
        clock.advance(4)
        token.get()
        assert requests_mock.call_count == 1

    def test_missing_expires_in_defaults_to_an_hour(self, requests_mock, make_token, clock):
        requests_mock.post(TOKEN_URL, json={"access_token": "token-no-expiry-01"})
        token = make_token()
        token.get()
        clock.advance(3000)
        token.get()
        assert requests_mock.call_count == 1

    def test_invalidate_forces_a_new_token(self, requests_mock, make_token):
        requests_mock.post(
            TOKEN_URL, [{"json": token_body("token-old-000001")}, {"json": token_body("token-new-000002")}]
        )
        token = make_token()
        old = token.get()
        token.invalidate("some-other-token")  # a stale rejection does not throw away the current token
        assert token.get() == old
        token.invalidate(old)
        assert token.get() == "token-new-000002"

    def test_token_is_masked(self, requests_mock, make_token):
        requests_mock.post(TOKEN_URL, json=token_body("token-to-be-masked-123"))
        make_token().get()
        assert "token-to-be-masked-123" not in redact("Authorization: Bearer token-to-be-masked-123")
        assert CLIENT_SECRET not in redact(f"secret={CLIENT_SECRET}")

    @pytest.mark.parametrize(
        ("status", "body", "reason"),
        [
            pytest.param(400, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"},
                         "Invalid client_id", id="invalid-client"),
            pytest.param(400, {"reason": "unsupported grant type", "error": "unsupported_grant_type"},
                         "unsupported grant type", id="grant-type"),
            pytest.param(400, {"reason": "Invalid account_id", "error": "invalid_request"}, "account_id",
                         id="account-id"),
            pytest.param(401, {"error": "invalid_client"}, "invalid_client", id="401-error-only"),
            pytest.param(200, {"token_type": "bearer"}, "no reason", id="200-without-token"),
            pytest.param(200, {"access_token": ""}, "no reason", id="200-empty-token"),
            pytest.param(400, "<html>nope</html>", "no reason", id="html"),
        ],
    )  # fmt: skip
    def test_refusals_raise_auth_error_without_secrets(self, requests_mock, make_token, status, body, reason):
        if isinstance(body, dict):
            requests_mock.post(TOKEN_URL, status_code=status, json=body)
        else:
            requests_mock.post(TOKEN_URL, status_code=status, text=body)
        with pytest.raises(ZoomAuthError) as info:
            make_token().get()
        message = str(info.value)
        assert reason in message
        assert f"HTTP {status}" in message
        assert CLIENT_SECRET not in message
        assert CLIENT_SECRET not in repr(info.value)

    def test_refusal_echoing_the_token_does_not_leak_it(self, requests_mock, make_token):
        requests_mock.post(
            TOKEN_URL,
            status_code=400,
            json={"access_token": "token-leaked-in-error", "reason": f"bad secret {CLIENT_SECRET}", "error": "x"},
        )
        with pytest.raises(ZoomAuthError) as info:
            make_token().get()
        assert "token-leaked-in-error" not in str(info.value)
        assert CLIENT_SECRET not in redact(str(info.value))

    @pytest.mark.parametrize(
        "kwargs",
        [
            pytest.param({"status_code": 503, "text": "busy"}, id="5xx"),
            pytest.param({"exc": requests.exceptions.ConnectionError(f"conn to {TOKEN_URL}?secret={CLIENT_SECRET}")},
                         id="connection-error"),
            pytest.param({"exc": requests.exceptions.ReadTimeout("timeout")}, id="timeout"),
            pytest.param({"status_code": 429, "json": {"code": 429, "message": "Too many requests"}}, id="429"),
        ],
    )  # fmt: skip
    def test_outages_are_transient(self, requests_mock, make_token, kwargs):
        requests_mock.post(TOKEN_URL, **kwargs)
        with pytest.raises(ZoomTransientError) as info:
            make_token().get()
        assert info.value.retryable
        assert CLIENT_SECRET not in str(info.value)

    def test_concurrent_callers_share_one_token(self, requests_mock, make_token):
        import threading

        requests_mock.post(TOKEN_URL, json=token_body("token-shared-00001"))
        token = make_token()
        seen: list[str] = []
        threads = [threading.Thread(target=lambda: seen.append(token.get())) for _ in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert set(seen) == {"token-shared-00001"}
        assert requests_mock.call_count == 1
