"""The body of the reclaim DAG's task (``zoom_recordings_reclaim``): glue between Airflow and the reclaim's steps
(:mod:`zoom_archiver.reclaim.run`).

One run (on a bucket with versioning Enabled only): list Zoom for the meetings old enough, prove every file of each
meeting now and move the files of a proven meeting to Zoom's trash right after its proof (``action=trash``,
recoverable for 30 days), the record saved as it goes; then archive again from Zoom the missing or damaged copies
(proven by a later run). With ``dry_run`` it only lists what it would trash and repair (and warns about a bucket
without versioning).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any

from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from zoom_archiver import ledger as ledger_mod
from zoom_archiver.archive.archive import archive_file, file_hook
from zoom_archiver.dates import Window
from zoom_archiver.discover.found_hashes import found_hashes
from zoom_archiver.errors import ConfigurationError
from zoom_archiver.ledger import Ledger
from zoom_archiver.model import ArchiveResult, PlannedFile
from zoom_archiver.publish.manifest import write_manifests
from zoom_archiver.reclaim import record as reclaim_record
from zoom_archiver.reclaim import run as steps
from zoom_archiver.reclaim.history import advance, history_slice
from zoom_archiver.reclaim.proof import Download, MeetingVerdict, confirm_copy, needs_witness, recorded_hash
from zoom_archiver.reclaim.record import ReclaimRecord
from zoom_archiver.s3 import versions
from zoom_archiver.s3.bucket import ArchiveBucket
from zoom_archiver.s3.connect import archive_bucket
from zoom_archiver.settings import MIB, ArchiveSettings, load_settings, reclaim_history_days, trash_after_days
from zoom_archiver.tasks.common import airflow_errors, run_today

log = logging.getLogger(__name__)


@airflow_errors
def reclaim(params: dict[str, Any], context: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """Prove and trash meeting by meeting, then repair; return the run's report (also logged)."""
    from zoom_archiver.hooks.zoom import ZoomHook

    grace = trash_after_days()
    if grace is None:
        raise AirflowSkipException("Reclaim is off: set the Variable zoom_archive_trash_after_days to enable it")
    dry_run = bool(params.get("dry_run"))
    now = now or datetime.now(timezone.utc)
    settings = load_settings()
    today = run_today(context)
    window = steps.reclaim_window(settings, today, grace)
    hook = ZoomHook(settings.zoom_conn_id)
    bucket = archive_bucket(settings.bucket, settings.aws_conn_id)
    bucket.check()
    warnings = _versioning(bucket, dry_run)
    log.info("Reclaim%s: meetings of %s (grace %d days)", " (DRY RUN)" if dry_run else "", window, grace)
    ledger, _ = ledger_mod.read_ledger(today=today)
    record = reclaim_record.read_record()
    walked = history_slice(record.history, window, reclaim_history_days())
    client = hook.get_conn()
    meetings, blocked, failures = steps.candidates(
        client, settings, [window, *([walked] if walked else [])], record=record, now=now,
        list_workers=hook.list_workers, participant_audio=hook.participant_audio,
    )  # fmt: skip
    _with_manifest_hashes(ledger, record, bucket, [f for v in meetings.values() for f in v.files])
    trasher = None if dry_run else steps.Trasher(client, bucket, record, now, reclaim_record.write_record)
    verdicts = steps.prove_and_trash(
        meetings, blocked, trasher, bucket=bucket, ledger=ledger, record=record, now=now, grace=grace,
        budget=steps.Budget(),
    )  # fmt: skip
    held = [v for v in verdicts if not v.proven]
    report = steps.base_report(dry_run, grace, window, verdicts, failures) | {"warnings": warnings}
    report["history"] = _walk(record, walked, meetings, complete=not failures and trasher is not None)
    if trasher is not None:
        report |= _after_trash(settings, hook, bucket, trasher, held, ledger)
    report["total"] = dict(record.totals)
    steps.log_report(report, held)
    _fail_on_failures(report)
    return report


def _walk(
    record: ReclaimRecord, walked: Window | None, meetings: dict[str, MeetingVerdict], *, complete: bool
) -> dict[str, Any]:
    """Move the walk back through history past the slice this run listed (a real run whose listing did not fail);
    what it listed, for the report."""
    if walked is None:
        return {"window": None}
    files = sum(1 for v in meetings.values() for f in v.files if date.fromisoformat(f.start_date) in walked)
    if complete:
        record.history = advance(record.history, walked, files, complete=True)
    log.info("History walked: meetings of %s, %d files; next: %s", walked, files, record.history.to_dict())
    return {"window": str(walked), "files": files, "next": record.history.to_dict()}


def _with_manifest_hashes(
    ledger: Ledger, record: ReclaimRecord, bucket: ArchiveBucket, files: list[PlannedFile]
) -> None:
    """Add to this run's copy of the ledger (the reclaim never writes it) the archive-time hashes the meetings'
    manifests keep for files with none recorded (archived by a webhook run): proven like the others, no download."""
    unhashed = {f.file_id for f in files if recorded_hash(f.file_id, ledger, record) is None}
    if unhashed:
        ledger.record_found_hashes(found_hashes(bucket, files, unhashed))


def _fail_on_failures(report: dict[str, Any]) -> None:
    if report.get("trash_failed") or report.get("repair_failed"):
        raise AirflowFailException(
            f"Reclaim: {len(report['trash_failed'])} files could not be trashed and "
            f"{len(report['repair_failed'])} copies could not be repaired (see the log); the rest was done"
        )


def _versioning(bucket: ArchiveBucket, dry_run: bool) -> list[str]:
    """The reclaim trashes only on a bucket with versioning Enabled: a real run refuses (a permanent error naming
    the bucket and what to do); a dry run warns and still lists what it would trash."""
    try:
        versions.require_versioning(bucket)
    except ConfigurationError as exc:
        if not dry_run:
            raise
        log.warning("%s", exc)
        return [str(exc)]
    return []


def _after_trash(
    settings: ArchiveSettings,
    hook: Any,
    bucket: ArchiveBucket,
    trasher: steps.Trasher,
    held: list[MeetingVerdict],
    ledger: ledger_mod.Ledger,
) -> dict[str, Any]:
    """After all trashing: repair (or confirm) the held meetings' copies, keep the record, rewrite manifests."""
    record = trasher.record
    done: dict[str, Any] = {"trashed": trasher.report(), "trash_failed": trasher.failed}
    confirm = _confirm(bucket, hook, ledger, record)
    done |= steps.repair(held, _rearchive(settings, hook), record, cap=settings.max_files_per_run, confirm=confirm)
    record.prune(trasher.now)
    reclaim_record.write_record(record)
    done["manifests"] = _rewrite_manifests(settings, bucket, trasher.touched, record)
    return done


def _confirm(
    bucket: ArchiveBucket, hook: Any, ledger: ledger_mod.Ledger, record: reclaim_record.ReclaimRecord
) -> Callable[[PlannedFile], bool]:
    """Compare, writing nothing, a stored copy waiting for a second witness (no hash recorded, or a size-less file's
    single repair download) with a new download from Zoom; ``False`` for any other copy (archived again)."""

    def confirm(planned: PlannedFile) -> bool:
        if not needs_witness(planned, ledger, record):
            return False
        return confirm_copy(bucket, planned, _download_hash(hook), record)

    return confirm


def _download_hash(hook: Any) -> Download:
    """Download a file from Zoom and hash it, keeping nothing (one 1 MiB chunk in memory)."""

    def download(planned: PlannedFile) -> tuple[str, int]:
        sha, total = hashlib.sha256(), 0
        with hook.open_download(planned.download_url) as opened:
            for chunk in iter(lambda: opened.stream.read(MIB), b""):
                sha.update(chunk)
                total += len(chunk)
        return sha.hexdigest(), total

    return download


def _rearchive(settings: ArchiveSettings, zoom: Any) -> steps.Rearchive:
    """Archive one file again from Zoom: the archive step, forced."""

    def rearchive(planned: PlannedFile) -> ArchiveResult:
        s3_hook = file_hook(planned, settings.transfer, settings.aws_conn_id)
        return archive_file(
            planned, zoom=zoom, s3_hook=s3_hook, bucket=settings.bucket, settings=settings.transfer, force=True
        )

    return rearchive


def _rewrite_manifests(
    settings: ArchiveSettings,
    bucket: ArchiveBucket,
    touched: list[MeetingVerdict],
    record: reclaim_record.ReclaimRecord,
) -> list[str]:
    """Rewrite the manifests of the meetings whose files were trashed, each file with its ``trashed_in_zoom_at``."""
    entries = steps.trashed_entries(touched, record)
    if not entries:
        return []
    trashed = {fid: str(entry["at"]) for fid, entry in record.trashed.items()}
    extra_args = settings.transfer.extra_args("application/json", {})
    written = write_manifests(bucket, entries, extra_args=extra_args, trashed=trashed)
    return [m["key"] for m in written]
