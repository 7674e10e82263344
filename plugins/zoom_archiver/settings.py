"""Every setting of the archive, read in one place, typed and validated.

* :func:`load_settings`: the ``zoom_archive_*`` Airflow Variables, read when a task runs (never at DAG import);
* :func:`deployment_settings`: the ``ZOOM_ARCHIVE_*`` environment knobs the DAG file reads at parse time (no
  network, no DB);
* :data:`~zoom_archiver.retries.RETRIES`: every retry budget of the archiver (in its own module, which has no
  imports, so that every module can use it).

A bad value is a :class:`~zoom_archiver.errors.ConfigurationError` naming the Variable (or variable) and the value.
The ``zoom`` connection's extras are declared and read in :mod:`zoom_archiver.connection`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from zoom_archiver.errors import ConfigurationError
from zoom_archiver.keys import DEFAULT_KEY_TEMPLATE, validate_prefix, validate_template
from zoom_archiver.retries import RETRIES

MIB = 1024 * 1024
BUCKET_VARIABLE = "zoom_archive_bucket"
MAX_UNKNOWN_SIZE_VARIABLE = "zoom_archive_max_unknown_size_mib"
DEFAULT_ALERT_FROM = "airflow-zoom-archiver@localhost"
_MISSING = object()


OBJECT_LOCK_MODES = ("GOVERNANCE", "COMPLIANCE")
#: S3's storage classes (``zoom_archive_storage_class``); unset: the bucket's default (``STANDARD`` on AWS).
STORAGE_CLASSES = (
    "STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE",
    "REDUCED_REDUNDANCY", "EXPRESS_ONEZONE", "OUTPOSTS", "SNOW",
)  # fmt: skip


@dataclass(frozen=True)
class ObjectLockSettings:
    """Write-once retention of every archived object (S3 Object Lock; the bucket must have it enabled).

    :param mode: ``GOVERNANCE`` (users with ``s3:BypassGovernanceRetention`` may still delete) or ``COMPLIANCE``
        (nobody can, not even the root user, until the date).
    :param days: retention from the moment of the upload.
    :param legal_hold: also place a legal hold (no deletion until it is removed, whatever the date).
    """

    mode: str
    days: int
    legal_hold: bool = False

    def upload_args(self, now: datetime | None = None) -> dict[str, Any]:
        """The ``ObjectLock*`` arguments of an upload starting ``now``."""
        until = (now or datetime.now(UTC)) + timedelta(days=self.days)
        args: dict[str, Any] = {"ObjectLockMode": self.mode, "ObjectLockRetainUntilDate": until}
        if self.legal_hold:
            args["ObjectLockLegalHoldStatus"] = "ON"
        return args


@dataclass(frozen=True)
class TransferSettings:
    """How objects are written.

    :param part_size: multipart threshold and part size in bytes (memory ≈ part_size × (concurrency + 1)).
    :param max_concurrency: parts uploaded in parallel.
    :param server_side_encryption: ``AES256`` or ``aws:kms`` (``None``: the bucket's default).
    :param sse_kms_key_id: KMS key for ``aws:kms``.
    :param storage_class: e.g. ``STANDARD_IA``, ``GLACIER_IR`` (``None``: the bucket's default).
    :param max_resumes: Range resumes of one download after its body dropped.
    :param max_unknown_size: largest body accepted when neither Zoom (``file_size``) nor the download
        (``Content-Length``) says how large the file is; a larger one is refused, nothing stored.
    """

    part_size: int = 8 * MIB
    max_concurrency: int = 4
    server_side_encryption: str | None = None
    sse_kms_key_id: str | None = None
    storage_class: str | None = None
    max_resumes: int = RETRIES.download_resumes
    max_unknown_size: int = 2048 * MIB
    #: Object Lock retention of every upload (``None``: none).
    object_lock: ObjectLockSettings | None = None

    def transfer_config_args(self) -> dict[str, Any]:
        return {
            "multipart_threshold": self.part_size,
            "multipart_chunksize": self.part_size,
            "max_concurrency": self.max_concurrency,
            "use_threads": True,
            "preferred_transfer_client": "classic",
        }

    def extra_args(self, content_type: str, metadata: dict[str, str]) -> dict[str, Any]:
        args: dict[str, Any] = {"ContentType": content_type, "Metadata": metadata}
        if self.server_side_encryption:
            args["ServerSideEncryption"] = self.server_side_encryption
        if self.sse_kms_key_id:
            args["SSEKMSKeyId"] = self.sse_kms_key_id
        if self.storage_class:
            args["StorageClass"] = self.storage_class
        if self.object_lock is not None:
            args.update(self.object_lock.upload_args())
        return args


@dataclass(frozen=True)
class DeploymentSettings:
    """Knobs of the deployment, from the environment of the DAG processor (README: *Configuration*)."""

    task_retries: int = RETRIES.archive_task
    retry_delay: timedelta = timedelta(seconds=120)
    parallel_files: int = 4
    file_timeout: timedelta = timedelta(hours=6)
    #: the archive asset's URI (``ZOOM_ARCHIVE_ASSET_URI``, e.g. ``s3://my-bucket/zoom``); empty: its name
    asset_uri: str = ""


def deployment_settings(environ: Mapping[str, str] | None = None) -> DeploymentSettings:
    """Read ``ZOOM_ARCHIVE_TASK_RETRIES``, ``..._RETRY_DELAY_SECONDS``, ``..._PARALLEL_FILES``,
    ``..._FILE_TIMEOUT_HOURS``, ``ZOOM_ARCHIVE_ASSET_URI``."""
    env = os.environ if environ is None else environ

    def number(name: str, default: float, low: float, high: float) -> float:
        raw = env.get(name, "").strip()
        return _bounded(float, raw, f"environment variable {name}", low, high) if raw else default

    return DeploymentSettings(
        task_retries=int(number("ZOOM_ARCHIVE_TASK_RETRIES", RETRIES.archive_task, 0, 100)),
        retry_delay=timedelta(seconds=number("ZOOM_ARCHIVE_RETRY_DELAY_SECONDS", 120, 0, 86400)),
        parallel_files=int(number("ZOOM_ARCHIVE_PARALLEL_FILES", 4, 1, 1024)),
        file_timeout=timedelta(hours=number("ZOOM_ARCHIVE_FILE_TIMEOUT_HOURS", 6, 0.01, 168)),
        asset_uri=env.get("ZOOM_ARCHIVE_ASSET_URI", "").strip(),
    )


@dataclass(frozen=True)
class LedgerSettings:
    """How long the ledger remembers, and when a failing file is quarantined (README: *How it works*)."""

    #: Days an archived file stays in the ledger after it was archived (at least the look-back + 30).
    retention_days: int = 90
    #: Runs a file may fail with transient errors before it is quarantined (a permanent error: at once).
    quarantine_after_runs: int = 3
    #: Days after its meeting a file still processing stays owed; then it is reported and no longer waited for.
    processing_max_days: int = 30


def _ledger_settings(var: VariableReader, *, lookback_days: int) -> LedgerSettings:
    floor = lookback_days + 30
    return LedgerSettings(
        retention_days=_int(
            var("zoom_archive_ledger_retention_days", max(90, floor)),
            "zoom_archive_ledger_retention_days",
            floor,
            36500,
        ),
        quarantine_after_runs=_int(
            var("zoom_archive_quarantine_after_runs", 3), "zoom_archive_quarantine_after_runs", 1, 1000
        ),
        processing_max_days=_int(
            var("zoom_archive_processing_max_days", 30), "zoom_archive_processing_max_days", 1, 3650
        ),
    )


@dataclass(frozen=True)
class ArchiveSettings:
    """Everything configurable about the archive through Variables (README: *Configuration*)."""

    bucket: str
    prefix: str = "zoom"
    lookback_days: int = 7
    max_files_per_run: int = 500
    key_template: str = DEFAULT_KEY_TEMPLATE
    transfer: TransferSettings = TransferSettings()
    alert_emails: tuple[str, ...] = ()
    alert_from: str = DEFAULT_ALERT_FROM
    abort_uploads_after: timedelta = timedelta(hours=24)
    ledger: LedgerSettings = LedgerSettings()
    aws_conn_id: str = "aws_default"
    zoom_conn_id: str = "zoom_default"


VariableGetter = Callable[..., Any]
VariableReader = Callable[..., Any]  # (name, default=None) -> value


def _variable_getter(get: VariableGetter | None) -> VariableReader:
    if get is None:
        from airflow.sdk import Variable

        get = Variable.get

    def var(name: str, default: Any = None) -> Any:
        value = get(name, default=_MISSING)
        return default if value is _MISSING or value in (None, "") else value

    return var


def load_settings(get: VariableGetter | None = None) -> ArchiveSettings:
    """Read the ``zoom_archive_*`` Variables; a missing bucket or a bad value is a clear error.

    :param get: ``Variable.get``-like callable (injectable for tests).
    """
    var = _variable_getter(get)
    bucket = var(BUCKET_VARIABLE)
    if not bucket or not str(bucket).strip():
        raise ConfigurationError(
            "Variable zoom_archive_bucket is not set: set it to the S3 bucket that receives the recordings "
            "(airflow variables set zoom_archive_bucket my-bucket)"
        )
    hours = _abort_uploads_after_hours(var)
    lookback_days = _int(var("zoom_archive_lookback_days", 7), "zoom_archive_lookback_days", 1, 3650)
    emails, sender = _alerts(var)
    return ArchiveSettings(
        bucket=str(bucket).strip(),
        prefix=validate_prefix(str(var("zoom_archive_prefix", "zoom"))),
        lookback_days=lookback_days,
        max_files_per_run=_int(var("zoom_archive_max_files_per_run", 500), "zoom_archive_max_files_per_run", 1, 100000),
        key_template=validate_template(str(var("zoom_archive_key_template", DEFAULT_KEY_TEMPLATE))),
        transfer=_transfer_settings(var),
        alert_emails=emails,
        alert_from=sender,
        abort_uploads_after=timedelta(hours=hours),
        ledger=_ledger_settings(var, lookback_days=lookback_days),
    )


def _transfer_settings(var: VariableReader) -> TransferSettings:
    return TransferSettings(
        part_size=_int(var("zoom_archive_part_size_mib", 8), "zoom_archive_part_size_mib", 5, 5120) * MIB,
        max_concurrency=_int(var("zoom_archive_max_concurrency", 4), "zoom_archive_max_concurrency", 1, 32),
        server_side_encryption=var("zoom_archive_sse"),
        sse_kms_key_id=var("zoom_archive_sse_kms_key_id"),
        storage_class=_storage_class(var("zoom_archive_storage_class")),
        max_resumes=RETRIES.download_resumes,
        max_unknown_size=_int(var(MAX_UNKNOWN_SIZE_VARIABLE, 2048), MAX_UNKNOWN_SIZE_VARIABLE, 1, 1024 * 1024) * MIB,
        object_lock=_object_lock(var),
    )


def _storage_class(value: Any) -> str | None:
    if value is None:
        return None
    name = str(value).strip().upper()
    if name not in STORAGE_CLASSES:
        raise ConfigurationError(
            f"Variable zoom_archive_storage_class must be one of {', '.join(STORAGE_CLASSES)}, got {value!r}"
        )
    return name


def _object_lock(var: VariableReader) -> ObjectLockSettings | None:
    """``zoom_archive_object_lock_mode`` / ``_days`` / ``zoom_archive_legal_hold``; no mode: no retention."""
    mode = str(var("zoom_archive_object_lock_mode", "")).strip().upper()
    days = var("zoom_archive_object_lock_days")
    hold = _bool(var("zoom_archive_legal_hold", False), "zoom_archive_legal_hold")
    if not mode:
        if days is not None or hold:
            raise ConfigurationError(
                "Variable zoom_archive_object_lock_mode is not set but zoom_archive_object_lock_days or "
                "zoom_archive_legal_hold is: set the mode (GOVERNANCE or COMPLIANCE) to enable write-once retention"
            )
        return None
    if mode not in OBJECT_LOCK_MODES:
        raise ConfigurationError(
            f"Variable zoom_archive_object_lock_mode must be GOVERNANCE or COMPLIANCE, got {mode!r}"
        )
    if days is None:
        raise ConfigurationError(
            "Variable zoom_archive_object_lock_days is not set: with zoom_archive_object_lock_mode it must say how "
            "many days each archived object is retained (1-36500)"
        )
    return ObjectLockSettings(mode, _int(days, "zoom_archive_object_lock_days", 1, 36500), hold)


def _bool(value: Any, name: str) -> bool:
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off", ""):
        return False
    raise ConfigurationError(f"Variable {name} must be true or false, got {value!r}")


def _abort_uploads_after_hours(var: VariableReader) -> float:
    """At least one hour: a younger incomplete upload may belong to a transfer that is still running."""
    name = "zoom_archive_abort_uploads_after_hours"
    hours = _bounded(float, var(name, 24), f"Variable {name}", 0, 24 * 365)
    if hours < 1:
        raise ConfigurationError(
            f"Variable {name} must be at least 1 (hour), got {hours:g}: housekeeping would abort multipart uploads "
            "of transfers that are still running"
        )
    return hours


def alert_emails(value: Any) -> tuple[str, ...]:
    """Recipients from a comma- (or semicolon-) separated list."""
    return tuple(e.strip() for e in str(value or "").replace(";", ",").split(",") if e.strip())


def load_alert_settings(get: VariableGetter | None = None) -> tuple[tuple[str, ...], str]:
    """The alert recipients and sender only (a failure alert must not depend on the bucket being set)."""
    var = _variable_getter(get)
    return _alerts(var)


def _alerts(var: VariableReader) -> tuple[tuple[str, ...], str]:
    """The alert recipients and sender: one reading of their Variables for the settings and the notifier."""
    return alert_emails(var("zoom_archive_alert_emails", "")), str(
        var("zoom_archive_alert_from", DEFAULT_ALERT_FROM)
    ).strip()


def _int(value: Any, name: str, low: int, high: int) -> int:
    return int(_bounded(int, value, f"Variable {name}", low, high))


def _bounded(kind: Callable[[str], float], value: Any, what: str, low: float, high: float) -> float:
    try:
        number = kind(str(value).strip())
    except ValueError:
        noun = "an integer" if kind is int else "a number"
        raise ConfigurationError(f"{what} must be {noun}, got {value!r}") from None
    if not low <= number <= high:
        raise ConfigurationError(f"{what} must be between {low:g} and {high:g}, got {number:g}")
    return number


TRASH_AFTER_DAYS_VARIABLE = "zoom_archive_trash_after_days"


def trash_after_days(get: VariableGetter | None = None) -> int | None:
    """The reclaim's grace period in days (Variable ``zoom_archive_trash_after_days``); ``None`` (unset): reclaim is
    off. A file is trashed in Zoom only once its meeting is at least this many days old (README: *Reclaim*)."""
    raw = _variable_getter(get)(TRASH_AFTER_DAYS_VARIABLE)
    if raw is None or str(raw).strip() == "":
        return None
    return _int(raw, TRASH_AFTER_DAYS_VARIABLE, 0, 36500)
