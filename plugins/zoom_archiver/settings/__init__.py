"""Every setting of the archive, read in one place, typed and validated.

* :func:`load_settings`: the ``zoom_archive_*`` Airflow Variables, read when a task runs (never at DAG import);
  write-once retention (:mod:`zoom_archiver.settings.object_lock`) is one group of them;
* :func:`~zoom_archiver.settings.deployment.deployment_settings`: the ``ZOOM_ARCHIVE_*`` environment knobs the DAG
  file reads at parse time (no network, no DB);
* :data:`~zoom_archiver.retries.RETRIES`: every retry budget of the archiver (in its own module, which has no
  imports, so that every module can use it).

A bad value is a :class:`~zoom_archiver.errors.ConfigurationError` naming the Variable (or variable) and the value
(the checks: :mod:`zoom_archiver.settings.values`).
The ``zoom`` connection's extras are declared and read in :mod:`zoom_archiver.zoom.connection`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from zoom_archiver.errors import ConfigurationError
from zoom_archiver.keys import DEFAULT_KEY_TEMPLATE, validate_prefix, validate_template
from zoom_archiver.retries import RETRIES
from zoom_archiver.settings.object_lock import ObjectLockSettings, object_lock_settings
from zoom_archiver.settings.values import VariableGetter, integer
from zoom_archiver.settings.variables import DEFAULT_ALERT_FROM, Variables, read_variables

MIB = 1024 * 1024
BUCKET_VARIABLE = "zoom_archive_bucket"
MAX_UNKNOWN_SIZE_VARIABLE = "zoom_archive_max_unknown_size_mib"


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
class LedgerSettings:
    """How long the ledger remembers, and when a failing file is quarantined (README: *How it works*)."""

    #: Days an archived file stays in the ledger after it was archived (at least the look-back + 30).
    retention_days: int = 90
    #: Runs a file may fail with transient errors before it is quarantined (a permanent error: at once).
    quarantine_after_runs: int = 3
    #: Days after its meeting a file still processing stays owed; then it is reported and no longer waited for.
    processing_max_days: int = 30


def _ledger_settings(var: Variables, *, lookback_days: int) -> LedgerSettings:
    floor = lookback_days + 30
    retention = "zoom_archive_ledger_retention_days"
    days = integer(var[retention], retention, floor, 36500) if var.is_set(retention) else max(90, floor)
    return LedgerSettings(
        retention_days=days,
        quarantine_after_runs=var["zoom_archive_quarantine_after_runs"],
        processing_max_days=var["zoom_archive_processing_max_days"],
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


def load_settings(get: VariableGetter | None = None) -> ArchiveSettings:
    """Read the ``zoom_archive_*`` Variables (:data:`~zoom_archiver.settings.variables.VARIABLES`); a missing bucket or
    a bad value is a clear error.

    :param get: ``Variable.get``-like callable (injectable for tests).
    """
    var = read_variables(get)
    bucket = var[BUCKET_VARIABLE]
    if not bucket:
        raise ConfigurationError(
            "Variable zoom_archive_bucket is not set: set it to the S3 bucket that receives the recordings "
            "(airflow variables set zoom_archive_bucket my-bucket)"
        )
    lookback_days = var["zoom_archive_lookback_days"]
    return ArchiveSettings(
        bucket=bucket,
        prefix=validate_prefix(var["zoom_archive_prefix"]),
        lookback_days=lookback_days,
        max_files_per_run=var["zoom_archive_max_files_per_run"],
        key_template=validate_template(var["zoom_archive_key_template"] or DEFAULT_KEY_TEMPLATE),
        transfer=_transfer_settings(var),
        alert_emails=var["zoom_archive_alert_emails"],
        alert_from=var["zoom_archive_alert_from"],
        abort_uploads_after=timedelta(hours=_abort_uploads_after_hours(var)),
        ledger=_ledger_settings(var, lookback_days=lookback_days),
    )


def _transfer_settings(var: Variables) -> TransferSettings:
    return TransferSettings(
        part_size=var["zoom_archive_part_size_mib"] * MIB,
        max_concurrency=var["zoom_archive_max_concurrency"],
        server_side_encryption=var["zoom_archive_sse"],
        sse_kms_key_id=var["zoom_archive_sse_kms_key_id"],
        storage_class=var["zoom_archive_storage_class"],
        max_resumes=RETRIES.download_resumes,
        max_unknown_size=var[MAX_UNKNOWN_SIZE_VARIABLE] * MIB,
        object_lock=object_lock_settings(var),
    )


def _abort_uploads_after_hours(var: Variables) -> float:
    """At least one hour: a younger incomplete upload may belong to a transfer that is still running."""
    name = "zoom_archive_abort_uploads_after_hours"
    hours = float(var[name])
    if hours < 1:
        raise ConfigurationError(
            f"Variable {name} must be at least 1 (hour), got {hours:g}: housekeeping would abort multipart uploads "
            "of transfers that are still running"
        )
    return hours


def load_alert_settings(get: VariableGetter | None = None) -> tuple[tuple[str, ...], str]:
    """The alert recipients and sender only (a failure alert must not depend on the bucket being set)."""
    var = read_variables(get)
    return var["zoom_archive_alert_emails"], var["zoom_archive_alert_from"]


def reclaim_history_days(get: VariableGetter | None = None) -> int:
    """Days of older meetings each reclaim run lists besides the recent ones (Variable
    ``zoom_archive_reclaim_history_days``; 0: none) (README: *Reclaim*)."""
    days: int = read_variables(get)["zoom_archive_reclaim_history_days"]
    return days


def trash_after_days(get: VariableGetter | None = None) -> int | None:
    """The reclaim's grace period in days (Variable ``zoom_archive_trash_after_days``); ``None`` (unset): reclaim is
    off. A file is trashed in Zoom only once its meeting is at least this many days old (README: *Reclaim*)."""
    days: int | None = read_variables(get)["zoom_archive_trash_after_days"]
    return days
