from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from zoom_archiver.errors import ConfigurationError
from zoom_archiver.keys import DEFAULT_KEY_TEMPLATE
from zoom_archiver.settings import MIB, load_settings


def variables(**values: Any):
    """A ``Variable.get``-like callable over ``values`` (honouring ``default=``)."""

    def get(name: str, default: Any = None) -> Any:
        return values.get(name, default)

    return get


class TestLoadSettings:
    @pytest.mark.parametrize(
        "values",
        [
            pytest.param({}, id="absent"),
            pytest.param({"zoom_archive_bucket": ""}, id="empty"),
            pytest.param({"zoom_archive_bucket": None}, id="null"),
        ],
    )
    def test_missing_bucket_is_a_clear_error(self, values):
        with pytest.raises(ConfigurationError) as info:
            load_settings(variables(**values))
        message = str(info.value)
        assert "zoom_archive_bucket" in message
        assert "airflow variables set zoom_archive_bucket" in message

    def test_defaults(self):
        settings = load_settings(variables(zoom_archive_bucket=" my-bucket "))
        assert settings.bucket == "my-bucket"
        assert settings.prefix == "zoom"
        assert settings.lookback_days == 7
        assert settings.max_files_per_run == 500
        assert settings.key_template == DEFAULT_KEY_TEMPLATE
        assert settings.transfer.part_size == 8 * MIB
        assert settings.transfer.max_concurrency == 4
        assert settings.transfer.server_side_encryption is None
        assert settings.transfer.storage_class is None
        assert settings.alert_emails == ()
        assert settings.abort_uploads_after == timedelta(hours=24)
        assert settings.transfer.max_unknown_size == 2048 * MIB
        assert settings.aws_conn_id == "aws_default"
        assert settings.zoom_conn_id == "zoom_default"

    def test_empty_strings_mean_default(self):
        settings = load_settings(
            variables(zoom_archive_bucket="b", zoom_archive_prefix="", zoom_archive_lookback_days="",
                      zoom_archive_sse="", zoom_archive_key_template="")
        )  # fmt: skip
        assert settings.prefix == "zoom"
        assert settings.lookback_days == 7
        assert settings.transfer.server_side_encryption is None
        assert settings.key_template == DEFAULT_KEY_TEMPLATE

    def test_every_variable(self):
        template = "{prefix}/{YYYY}/{file_id}.{ext}"
        settings = load_settings(
            variables(
                zoom_archive_bucket="b",
                zoom_archive_prefix="/archive/zoom/",
                zoom_archive_lookback_days="14",
                zoom_archive_max_files_per_run=50,
                zoom_archive_key_template=template,
                zoom_archive_part_size_mib=" 64 ",
                zoom_archive_max_concurrency="8",
                zoom_archive_sse="aws:kms",
                zoom_archive_sse_kms_key_id="alias/zoom",
                zoom_archive_storage_class="GLACIER_IR",
                zoom_archive_alert_emails="ops@example.com; media@example.com, ,",
                zoom_archive_abort_uploads_after_hours="1",
                zoom_archive_max_unknown_size_mib="16",
            )
        )
        assert settings.abort_uploads_after == timedelta(hours=1)
        assert settings.transfer.max_unknown_size == 16 * MIB
        assert settings.prefix == "archive/zoom"
        assert settings.lookback_days == 14
        assert settings.max_files_per_run == 50
        assert settings.key_template == template
        assert settings.transfer.part_size == 64 * MIB
        assert settings.transfer.max_concurrency == 8
        assert settings.transfer.server_side_encryption == "aws:kms"
        assert settings.transfer.sse_kms_key_id == "alias/zoom"
        assert settings.transfer.storage_class == "GLACIER_IR"
        assert settings.alert_emails == ("ops@example.com", "media@example.com")

    @pytest.mark.parametrize(
        ("name", "value", "message"),
        [
            pytest.param("zoom_archive_lookback_days", "seven", "must be an integer", id="word"),
            pytest.param("zoom_archive_lookback_days", "2.5", "must be an integer", id="float"),
            pytest.param("zoom_archive_lookback_days", "0", "between 1 and", id="zero"),
            pytest.param("zoom_archive_max_files_per_run", "-1", "between 1 and", id="negative"),
            pytest.param("zoom_archive_max_files_per_run", "1000000", "between 1 and", id="too-many"),
            pytest.param("zoom_archive_part_size_mib", "4", "between 5 and", id="part-below-s3-minimum"),
            pytest.param("zoom_archive_part_size_mib", "6000", "between 5 and", id="part-above-s3-maximum"),
            pytest.param("zoom_archive_max_concurrency", "0", "between 1 and", id="no-concurrency"),
            pytest.param("zoom_archive_abort_uploads_after_hours", "0", "at least 1", id="abort-live-uploads"),
            pytest.param("zoom_archive_abort_uploads_after_hours", "0.5", "at least 1", id="abort-after-half-an-hour"),
            pytest.param("zoom_archive_max_unknown_size_mib", "0", "between 1 and", id="unknown-size-zero"),
            pytest.param("zoom_archive_max_unknown_size_mib", "1048577", "between 1 and", id="unknown-size-too-big"),
            pytest.param("zoom_archive_max_unknown_size_mib", "2.5", "must be an integer", id="unknown-size-float"),
        ],
    )
    def test_bad_integers(self, name, value, message):
        with pytest.raises(ConfigurationError, match=message) as info:
            load_settings(variables(zoom_archive_bucket="b", **{name: value}))
        assert name in str(info.value)

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            pytest.param("zoom_archive_prefix", "../escape", id="prefix-traversal"),
            pytest.param("zoom_archive_prefix", "/", id="prefix-root"),
            pytest.param("zoom_archive_key_template", "{prefix}/{topic_slug}.{ext}", id="template-without-file-id"),
            pytest.param("zoom_archive_key_template", "{prefix}/{secret}/{file_id}", id="template-unknown-field"),
        ],
    )
    def test_bad_prefix_or_template(self, name, value):
        with pytest.raises(ConfigurationError):
            load_settings(variables(zoom_archive_bucket="b", **{name: value}))

    def test_reads_airflow_variables(self, monkeypatch):
        monkeypatch.setenv("AIRFLOW_VAR_ZOOM_ARCHIVE_BUCKET", "bucket-from-env")
        monkeypatch.setenv("AIRFLOW_VAR_ZOOM_ARCHIVE_LOOKBACK_DAYS", "3")
        settings = load_settings()
        assert settings.bucket == "bucket-from-env"
        assert settings.lookback_days == 3
        assert settings.prefix == "zoom"

    def test_missing_airflow_variable_bucket(self, monkeypatch):
        monkeypatch.delenv("AIRFLOW_VAR_ZOOM_ARCHIVE_BUCKET", raising=False)
        with pytest.raises(ConfigurationError, match="zoom_archive_bucket"):
            load_settings()


class TestTrashAfterDays:
    """``zoom_archive_trash_after_days``: the reclaim is off unless it is set."""

    @staticmethod
    def get(value: Any) -> Any:
        from zoom_archiver.settings import trash_after_days

        return trash_after_days(
            lambda name, default=None: value if name == "zoom_archive_trash_after_days" else default
        )

    def test_unset_or_blank_is_off(self):
        assert self.get(None) is None
        assert self.get("  ") is None

    def test_days(self):
        assert self.get("30") == 30
        assert self.get(0) == 0

    @pytest.mark.parametrize("bad", ["-1", "thirty", "1.5", "40000"])
    def test_bad_values_name_the_variable(self, bad):
        with pytest.raises(ConfigurationError, match=r"zoom_archive_trash_after_days.*"):
            self.get(bad)
