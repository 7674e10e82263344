"""Archive settings from Airflow Variables, read at task run time (never at DAG import)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zoom_archiver.errors import ConfigurationError
from zoom_archiver.keys import DEFAULT_KEY_TEMPLATE, validate_prefix, validate_template
from zoom_archiver.transfer import MIB, TransferSettings

BUCKET_VARIABLE = "zoom_archive_bucket"
_MISSING = object()


@dataclass(frozen=True)
class ArchiveSettings:
    """Everything configurable about the archive (README: *Configuration*)."""

    bucket: str
    prefix: str = "zoom"
    lookback_days: int = 7
    max_files_per_run: int = 500
    key_template: str = DEFAULT_KEY_TEMPLATE
    transfer: TransferSettings = TransferSettings()
    alert_emails: tuple[str, ...] = ()
    aws_conn_id: str = "aws_default"
    zoom_conn_id: str = "zoom_default"


def load_settings(get: Callable[..., Any] | None = None) -> ArchiveSettings:
    """Read the ``zoom_archive_*`` Variables; a missing bucket or a bad value is a clear error.

    :param get: ``Variable.get``-like callable (injectable for tests).
    """
    if get is None:
        from airflow.sdk import Variable

        get = Variable.get

    def var(name: str, default: Any = None) -> Any:
        value = get(name, default=_MISSING)
        return default if value is _MISSING or value in (None, "") else value

    bucket = var(BUCKET_VARIABLE)
    if not bucket:
        raise ConfigurationError(
            "Variable zoom_archive_bucket is not set: set it to the S3 bucket that receives the recordings "
            "(airflow variables set zoom_archive_bucket my-bucket)"
        )
    transfer = TransferSettings(
        part_size=_int(var("zoom_archive_part_size_mib", 8), "zoom_archive_part_size_mib", 5, 5120) * MIB,
        max_concurrency=_int(var("zoom_archive_max_concurrency", 4), "zoom_archive_max_concurrency", 1, 32),
        server_side_encryption=var("zoom_archive_sse"),
        sse_kms_key_id=var("zoom_archive_sse_kms_key_id"),
        storage_class=var("zoom_archive_storage_class"),
    )
    emails = var("zoom_archive_alert_emails", "")
    return ArchiveSettings(
        bucket=str(bucket).strip(),
        prefix=validate_prefix(str(var("zoom_archive_prefix", "zoom"))),
        lookback_days=_int(var("zoom_archive_lookback_days", 7), "zoom_archive_lookback_days", 1, 3650),
        max_files_per_run=_int(var("zoom_archive_max_files_per_run", 500), "zoom_archive_max_files_per_run", 1, 100000),
        key_template=validate_template(str(var("zoom_archive_key_template", DEFAULT_KEY_TEMPLATE))),
        transfer=transfer,
        alert_emails=tuple(e.strip() for e in str(emails).replace(";", ",").split(",") if e.strip()),
    )


def _int(value: Any, name: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigurationError(f"Variable {name} must be an integer, got {value!r}") from None
    if not low <= number <= high:
        raise ConfigurationError(f"Variable {name} must be between {low} and {high}, got {number}")
    return number
