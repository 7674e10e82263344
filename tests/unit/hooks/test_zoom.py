from __future__ import annotations

import pytest

from zoom_archiver.errors import ConfigurationError, DownloadRejected
from zoom_archiver.hooks.zoom import ZoomHook
from zoom_archiver.redaction import redact
from zoom_archiver.zoom.client import ZoomClient
from zoom_archiver.zoom.connection import DEFAULT_API_BASE, DEFAULT_DOWNLOAD_HOSTS
from zoom_archiver.zoom.throttling import AdaptiveRateLimiter

TOKEN_URL = "https://zoom.us/oauth/token"


class TestConnectionParsing:
    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            pytest.param({"host": "https://api.zoom.us/v2"}, "https://api.zoom.us/v2", id="url-with-v2"),
            pytest.param({"host": "https://api.zoom.us/v2/"}, "https://api.zoom.us/v2", id="trailing-slash"),
            pytest.param({"host": "http://127.0.0.1:9000/v2"}, "http://127.0.0.1:9000/v2", id="emulator-url"),
            pytest.param({"host": "http://localhost/v2", "port": 9000}, "http://localhost:9000/v2", id="url-and-port"),
            pytest.param({"host": "api.zoom.us"}, "https://api.zoom.us/v2", id="no-scheme"),
            pytest.param({"host": "api.zoom.us", "port": 8443}, "https://api.zoom.us:8443/v2", id="no-scheme-port"),
            pytest.param({"host": "api.zoom.us", "schema": "v2"}, "https://api.zoom.us/v2", id="schema-v2"),
            pytest.param({"host": None}, DEFAULT_API_BASE, id="no-host"),
        ],
    )
    def test_api_base(self, zoom_connection, fields, expected):
        zoom_connection(**fields)
        hook = ZoomHook()
        client = hook.get_conn()
        assert isinstance(client, ZoomClient)
        assert client.api_base == expected

    def test_defaults(self, zoom_connection):
        zoom_connection()
        hook = ZoomHook()
        settings = hook.settings
        assert settings.oauth_token_url == TOKEN_URL
        assert settings.account_id == "uET0tmHjSNKK9pR945WnSg"
        assert settings.download_timeout == 120.0
        assert hook.download_policy.hosts == DEFAULT_DOWNLOAD_HOSTS
        assert hook.download_policy.allow_http is False
        assert hook.list_workers == 4
        # Pro (the lowest plan with cloud recording): 20/s for Medium APIs, paced at 95% of it, adaptively
        assert isinstance(hook.client.limiter, AdaptiveRateLimiter)
        assert hook.client.limiter.top == pytest.approx(19.0)
        assert hook.client.timeout == 30.0

    def test_extras(self, zoom_connection):
        zoom_connection(
            extra={
                "account_id": "acc-1",
                "oauth_token_url": "http://127.0.0.1:9000/oauth/token",
                "download_hosts": "127.0.0.1, localhost ,",
                "allow_http_downloads": "true",
                "max_requests_per_second": 0,
                "list_workers": "2",
                "timeout": "5",
            }
        )
        hook = ZoomHook()
        assert hook.settings.oauth_token_url == "http://127.0.0.1:9000/oauth/token"
        assert hook.download_policy.hosts == ("127.0.0.1", "localhost")
        assert hook.download_policy.allow_http is True
        assert hook.client.limiter.top == pytest.approx(19.0)  # 0: no cap beyond the plan's limit
        assert hook.list_workers == 2
        assert hook.client.timeout == 5.0

    def test_download_hosts_as_a_list(self, zoom_connection):
        zoom_connection(extra={"account_id": "acc", "download_hosts": ["zoom.us", "*.zoomgov.com"]})
        assert ZoomHook().download_policy.hosts == ("zoom.us", "*.zoomgov.com")

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            pytest.param("true", True, id="string-true"),
            pytest.param("True", True, id="string-True"),
            pytest.param("yes", True, id="yes"),
            pytest.param(True, True, id="bool-true"),
            pytest.param("false", False, id="string-false"),
            pytest.param("0", False, id="string-zero"),
            pytest.param(False, False, id="bool-false"),
        ],
    )
    def test_allow_http_downloads(self, zoom_connection, value, expected):
        zoom_connection(extra={"account_id": "acc", "allow_http_downloads": value})
        assert ZoomHook().download_policy.allow_http is expected

    def test_legacy_prefixed_account_id(self, zoom_connection):
        zoom_connection(extra={"extra__zoom__account_id": "legacy-acc"})
        assert ZoomHook().settings.account_id == "legacy-acc"

    @pytest.mark.parametrize(
        "fields",
        [
            pytest.param({"extra": {}}, id="no-account-id"),
            pytest.param({"extra": {"account_id": ""}}, id="empty-account-id"),
            pytest.param({"login": None}, id="no-client-id"),
            pytest.param({"password": None}, id="no-client-secret"),
        ],
    )
    def test_incomplete_connection(self, zoom_connection, fields):
        conn = zoom_connection(**fields)
        with pytest.raises(ConfigurationError, match="account_id") as info:
            ZoomHook().get_conn()
        assert "zoom_default" in str(info.value)
        if conn.get("password"):
            assert conn["password"] not in str(info.value)

    def test_other_conn_id(self, zoom_connection, monkeypatch):
        monkeypatch.setenv(
            "AIRFLOW_CONN_ZOOM_SECOND", '{"conn_type": "zoom", "login": "id2", "password": "secret-two-123456", '
            '"extra": {"account_id": "acc2"}}'
        )  # fmt: skip
        assert ZoomHook("zoom_second").settings.account_id == "acc2"

    def test_client_secret_is_masked(self, zoom_connection):
        conn = zoom_connection(password="a-brand-new-client-secret-7788")
        ZoomHook().get_conn()
        assert redact("secret is a-brand-new-client-secret-7788") == "secret is ***"
        assert conn["password"] not in redact(f"{conn['password']}")


class TestHookCalls:
    def test_test_connection_success(self, zoom_connection, requests_mock):
        requests_mock.post(TOKEN_URL, json={"access_token": "tok-test-conn-0001", "expires_in": 3599})
        users = requests_mock.get("https://api.zoom.us/v2/users", json={"users": [], "page_size": 1})
        assert ZoomHook().test_connection() == (True, "Connection successfully tested")
        assert users.last_request.qs == {"page_size": ["1"]}
        assert users.last_request.headers["Authorization"] == "Bearer tok-test-conn-0001"

    def test_test_connection_failure_hides_the_secret(self, zoom_connection, requests_mock):
        conn = zoom_connection()
        requests_mock.post(
            TOKEN_URL, status_code=400, json={"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
        )
        ok, message = ZoomHook().test_connection()
        assert ok is False
        assert "Invalid client_id or client_secret" in message
        assert conn["password"] not in message

    def test_open_download_applies_the_connection_policy(self, zoom_connection, requests_mock):
        zoom_connection()
        requests_mock.post(TOKEN_URL, json={"access_token": "tok-download-0001", "expires_in": 3599})
        with pytest.raises(DownloadRejected):
            ZoomHook().open_download("http://us06web.zoom.us/rec/download/x")
        requests_mock.get(
            "https://us06web.zoom.us/rec/download/x", content=b"data", headers={"Content-Type": "video/mp4"}
        )
        with ZoomHook().open_download("https://us06web.zoom.us/rec/download/x") as download:
            assert download.stream.read() == b"data"
        assert requests_mock.last_request.headers["Authorization"] == "Bearer tok-download-0001"

    @pytest.mark.parametrize(
        ("extra", "expected"),
        [
            pytest.param({}, (15.0, 120.0), id="default"),
            pytest.param({"download_timeout": "600", "timeout": "5"}, (5.0, 600.0), id="from-the-connection"),
        ],
    )
    def test_download_timeout(self, zoom_connection, requests_mock, extra, expected):
        zoom_connection(extra={"account_id": "acc-1", **extra})
        requests_mock.post(TOKEN_URL, json={"access_token": "tok-download-0002", "expires_in": 3599})
        requests_mock.get("https://zoom.us/rec/download/y", content=b"data", headers={"Content-Type": "video/mp4"})
        with ZoomHook().open_download("https://zoom.us/rec/download/y"):
            pass
        assert requests_mock.last_request.timeout == expected

    def test_one_token_per_hook(self, zoom_connection, requests_mock):
        zoom_connection()
        mint = requests_mock.post(TOKEN_URL, json={"access_token": "tok-shared-0001", "expires_in": 3599})
        requests_mock.get("https://api.zoom.us/v2/users", json={"users": []})
        requests_mock.get(
            "https://us06web.zoom.us/rec/download/x", content=b"data", headers={"Content-Type": "video/mp4"}
        )
        hook = ZoomHook()
        hook.get_conn().get("users")
        hook.open_download("https://us06web.zoom.us/rec/download/x").close()
        assert mint.call_count == 1


class TestTls:
    def test_verification_is_never_switched_off(self, zoom_connection):
        from pathlib import Path

        from zoom_archiver.hooks.zoom import ZoomHook

        package = Path(__import__("zoom_archiver").__file__).parent
        for source in package.rglob("*.py"):
            text = source.read_text()
            assert "verify=False" not in text.replace(" ", ""), source
            assert "InsecureRequestWarning" not in text, source
        assert ZoomHook().session.verify is True
