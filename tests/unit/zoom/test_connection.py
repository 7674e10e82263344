"""The ``zoom`` connection (zoom_archiver.zoom.connection): every extra declared once, for the form and the reader."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from zoom_archiver import get_provider_info
from zoom_archiver.errors import ConfigurationError
from zoom_archiver.zoom.connection import EXTRAS, ZoomConnectionSettings, conn_fields, read_zoom_connection


def connection(**extra: Any) -> SimpleNamespace:
    return SimpleNamespace(
        login="client-id", password="client-secret-0001", host=None, port=None, schema=None,
        extra_dejson={"account_id": "acc", **extra},
    )  # fmt: skip


class TestDeclarations:
    def test_every_extra_the_reader_takes_is_a_form_field_with_label_type_default_and_description(self):
        fields = get_provider_info()["connection-types"][0]["conn-fields"]
        settings_fields = set(ZoomConnectionSettings.__dataclass_fields__) - {"api_base", "client_id", "client_secret"}
        assert set(fields) == {e.name for e in EXTRAS} == settings_fields
        for name, field in fields.items():
            assert field["label"], name
            assert field["description"], name
            assert field["schema"]["type"], name
        assert fields["list_workers"]["schema"]["default"] == 4
        assert fields["download_hosts"]["schema"]["default"] == ["zoom.us", "*.zoom.us"]

    def test_no_default_is_prefilled_where_airflow_would_mask_it(self):
        # Airflow hides the value of a field whose name says "token": a prefilled default showed (and was saved) as ***
        field = conn_fields()["oauth_token_url"]
        assert "default" not in field["schema"]
        assert "https://zoom.us/oauth/token" in field["description"]

    def test_defaults_of_the_form_are_the_reader_defaults(self):
        read = read_zoom_connection(connection(), "zoom_default")
        for name, field in conn_fields().items():
            if "default" in field["schema"]:
                value = getattr(read, name)
                assert (list(value) if isinstance(value, tuple) else value) == field["schema"]["default"], name


class TestReading:
    def test_values_are_typed(self):
        read = read_zoom_connection(
            connection(list_workers="3", timeout="12.5", allow_http_downloads="yes", download_hosts="a.example, b"),
            "zoom_default",
        )
        assert (read.list_workers, read.timeout, read.allow_http_downloads) == (3, 12.5, True)
        assert read.download_hosts == ("a.example", "b")

    def test_zero_rate_means_no_cap_beyond_the_plan(self):
        read = read_zoom_connection(connection(max_requests_per_second=0), "z")
        assert read.rate is None
        assert read.pace == pytest.approx(19.0)

    @pytest.mark.parametrize(
        ("extra", "pace"),
        [
            pytest.param({}, 19.0, id="default-pro"),
            pytest.param({"zoom_plan": "Free"}, 1.9, id="free"),
            pytest.param({"zoom_plan": "business"}, 57.0, id="business"),
            pytest.param({"zoom_plan": "business", "max_requests_per_second": 25}, 25.0, id="hard-ceiling"),
            pytest.param({"zoom_plan": "pro", "max_requests_per_second": 100}, 19.0, id="ceiling-above-the-plan"),
        ],
    )
    def test_pace_is_the_plans_limit_under_the_hard_ceiling(self, extra, pace):
        assert read_zoom_connection(connection(**extra), "z").pace == pytest.approx(pace)

    @pytest.mark.parametrize(
        ("extra", "named"),
        [
            pytest.param({"list_workers": "many"}, "list_workers", id="not-a-number"),
            pytest.param({"list_workers": 0}, "list_workers", id="out-of-range"),
            pytest.param({"timeout": -1}, "timeout", id="negative-timeout"),
            pytest.param({"allow_http_downloads": "perhaps"}, "allow_http_downloads", id="not-a-flag"),
            pytest.param({"download_hosts": [1, 2]}, "download_hosts", id="hosts-not-strings"),
            pytest.param({"download_hosts": " , "}, "download_hosts", id="no-host"),
            pytest.param({"zoom_plan": "platinum"}, "zoom_plan", id="unknown-plan"),
        ],
    )
    def test_a_bad_value_names_the_extra_and_the_value(self, extra, named):
        with pytest.raises(ConfigurationError, match=named):
            read_zoom_connection(connection(**extra), "zoom_default")

    def test_the_client_secret_never_appears_in_an_error(self):
        conn = connection()
        conn.extra_dejson = {}
        with pytest.raises(ConfigurationError) as info:
            read_zoom_connection(conn, "zoom_default")
        assert "client-secret-0001" not in str(info.value)


class TestWebhookSecrets:
    def test_the_token_and_the_rotation_list_are_read_in_order_without_duplicates(self):
        from zoom_archiver.zoom.connection import read_webhook_secrets

        conn = connection(webhook_secret_token=" new ", webhook_secret_tokens=["old", "new", ""])
        assert read_webhook_secrets(conn) == ("new", "old")
        assert read_webhook_secrets(connection()) == ()

    def test_a_bad_list_is_named_without_its_value(self):
        from zoom_archiver.zoom.connection import read_webhook_secrets

        with pytest.raises(ConfigurationError, match="webhook_secret_tokens") as error:
            read_webhook_secrets(connection(webhook_secret_tokens={"k": "s3cr3t-value"}))
        assert "s3cr3t-value" not in str(error.value)

    def test_the_token_is_a_password_field_and_never_in_the_settings_repr(self):
        assert conn_fields()["webhook_secret_token"]["schema"]["format"] == "password"
        settings = read_zoom_connection(connection(webhook_secret_token="s3cr3t-value"), "zoom_default")
        assert settings.webhook_secret_token == ("s3cr3t-value",)
        assert "s3cr3t-value" not in repr(settings)


class TestUrls:
    @pytest.mark.parametrize(
        ("fields", "named"),
        [
            pytest.param({"host": "https://api.zoom.us:99999"}, "host", id="port-out-of-range"),
            pytest.param({"host": "https://api.zoom.us:abc/v2"}, "host", id="port-not-a-number"),
            pytest.param({"host": "https://u:s3cr3t-value@api.zoom.us:abc/v2"}, "host", id="credentials-not-shown"),
            pytest.param({"host": "api.zoom.us:abc"}, "host", id="bare-host-bad-port"),
            pytest.param({"host": "http://[::1/v2"}, "host", id="unparseable"),
            pytest.param({"host": "api.zoom.us", "port": 70000}, "port", id="port-field-out-of-range"),
        ],
    )
    def test_a_bad_port_or_url_in_the_host_is_a_configuration_error_naming_the_field(self, fields, named):
        conn = connection()
        for name, value in fields.items():
            setattr(conn, name, value)
        with pytest.raises(ConfigurationError, match=f"connection 'zoom_default' {named}") as error:
            read_zoom_connection(conn, "zoom_default")
        assert "s3cr3t-value" not in str(error.value)

    @pytest.mark.parametrize("url", ["https://zoom.us:99999/oauth/token", "https://zoom.us:abc/oauth/token"])
    def test_a_bad_port_in_the_token_url_is_a_configuration_error_naming_the_extra(self, url):
        with pytest.raises(ConfigurationError, match="oauth_token_url"):
            read_zoom_connection(connection(oauth_token_url=url), "zoom_default")

    @pytest.mark.parametrize(
        ("host", "port", "expected"),
        [
            ("https://api.zoom.us:443/v2", None, "https://api.zoom.us:443/v2"),
            ("http://localhost/v2", 9000, "http://localhost:9000/v2"),
            ("localhost:9000", None, "https://localhost:9000/v2"),
        ],
    )
    def test_good_ports_are_kept(self, host, port, expected):
        conn = connection()
        conn.host, conn.port = host, port
        assert read_zoom_connection(conn, "zoom_default").api_base == expected
