"""The body of the reclaim DAG's task (``zoom_recordings_reclaim``): glue between Airflow and the reclaim.

One run: list Zoom for the meetings old enough (started from ``retention`` days ago up to ``trash_after_days`` ago:
older files have no archive-time hash left in the ledger), prove every file of each meeting now, archive again from
Zoom the missing or damaged copies (proven by a later run), and move the files of the proven meetings to Zoom's trash
(``action=trash``, recoverable for 30 days). With ``dry_run`` it only lists what it would trash and repair.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from zoom_archiver import ledger as ledger_mod
from zoom_archiver.dates import Window
from zoom_archiver.discover.listing import plan_listing
from zoom_archiver.discover.planning import Filters
from zoom_archiver.errors import ConfigurationError, ZoomArchiverError
from zoom_archiver.reclaim import record as reclaim_record
from zoom_archiver.reclaim.proof import MeetingVerdict, ReclaimPlanner, decide, group_meetings
from zoom_archiver.redaction import describe_exception
from zoom_archiver.s3.connect import archive_bucket
from zoom_archiver.settings import load_settings, trash_after_days
from zoom_archiver.tasks.common import airflow_errors, run_today

if TYPE_CHECKING:
    from zoom_archiver.settings import ArchiveSettings
    from zoom_archiver.zoom.client import ZoomClient

log = logging.getLogger(__name__)

#: Entries of each list kept in the task's XCom (the log has them all).
MAX_LISTED = 200


@airflow_errors
def reclaim(params: dict[str, Any], context: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """Prove, repair, trash; return the run's report (also logged)."""
    grace = trash_after_days()
    if grace is None:
        raise AirflowSkipException("Reclaim is off: set the Variable zoom_archive_trash_after_days to enable it")
    dry_run = bool(params.get("dry_run"))
    now = now or datetime.now(timezone.utc)
    settings = load_settings()
    today = run_today(context)
    window = _window(settings, today, grace)
    ledger, _ = ledger_mod.read_ledger(today=today)
    record = reclaim_record.read_record()
    from zoom_archiver.hooks.zoom import ZoomHook

    hook = ZoomHook(settings.zoom_conn_id)
    client = hook.get_conn()
    log.info("Reclaim%s: meetings of %s (grace %d days)", " (DRY RUN)" if dry_run else "", window, grace)
    verdicts, failures = _prove(hook, client, settings, window, ledger, record, now=now, grace=grace)
    proven = [v for v in verdicts if v.proven]
    held = [v for v in verdicts if not v.proven]
    report = _base_report(dry_run, grace, window, proven, held, failures)
    if not dry_run:
        report["repaired"], report["repair_failed"], report["repair_deferred"] = _repair(held, settings, hook, record)
        report["trashed"], report["trash_failed"] = _trash(client, proven, record, now)
        record.prune(now)
        reclaim_record.write_record(record)
        report["manifests"] = _rewrite_manifests(settings, proven, record)
    report["total"] = dict(record.totals)
    _log(report, held)
    if report.get("trash_failed") or report.get("repair_failed"):
        raise AirflowFailException(
            f"Reclaim: {len(report['trash_failed'])} files could not be trashed and "
            f"{len(report['repair_failed'])} copies could not be repaired (see the log); the rest was done"
        )
    return report


def _window(settings: ArchiveSettings, today: date, grace: int) -> Window:
    """The meetings to reclaim: started from ``zoom_archive_ledger_retention_days`` ago (older files have no hash
    recorded when archived) up to ``grace`` days ago."""
    cutoff = today - timedelta(days=grace)
    if grace >= settings.ledger.retention_days:
        raise ConfigurationError(
            f"Variable zoom_archive_trash_after_days ({grace}) must be less than zoom_archive_ledger_retention_days "
            f"({settings.ledger.retention_days}): older files have no hash recorded when archived, nothing to prove"
        )
    return Window(today - timedelta(days=settings.ledger.retention_days), cutoff, scheduled=False)


def _prove(
    hook: Any,
    client: ZoomClient,
    settings: ArchiveSettings,
    window: Window,
    ledger: ledger_mod.Ledger,
    record: reclaim_record.ReclaimRecord,
    *,
    now: datetime,
    grace: int,
) -> tuple[list[MeetingVerdict], list[Any]]:
    """List Zoom for ``window``, note recovered files, prove every meeting; the verdicts and the users that failed."""
    bucket = archive_bucket(settings.bucket, settings.aws_conn_id)
    bucket.check()
    planner = ReclaimPlanner(window=window, filters=Filters(), template=settings.key_template, prefix=settings.prefix)
    listing = plan_listing(
        client,
        client.list_users(),
        [window],
        planner,
        workers=hook.list_workers,
        participant_audio=hook.participant_audio,
    )
    for file_id in record.note_listed([f.file_id for f in listing.files], now):
        log.warning("File %s was trashed by us and is listed again (recovered): held back", file_id)
    meetings = group_meetings(listing.files, window.end)
    for uuid, verdict in meetings.items():
        verdict.meeting = dict(planner.plan.meetings.get(uuid) or {"uuid": uuid})
    log.info("%d meetings to prove (%d files listed)", len(meetings), len(listing.files))
    verdicts = decide(
        meetings, bucket=bucket, ledger=ledger, record=record, blocked=planner.blocked, now=now, grace_days=grace
    )
    return verdicts, list(listing.failures)


def _base_report(
    dry_run: bool,
    grace: int,
    window: Window,
    proven: Sequence[MeetingVerdict],
    held: Sequence[MeetingVerdict],
    user_failures: Sequence[Any],
) -> dict[str, Any]:
    would = [v.summary() for v in proven]
    return {
        "dry_run": dry_run,
        "grace_days": grace,
        "window": str(window),
        "meetings_checked": len(proven) + len(held),
        "would_trash": {
            "meetings": len(would),
            "files": sum(len(w["files"]) for w in would),
            "bytes": sum(w["bytes"] for w in would),
            "list": would[:MAX_LISTED],
        },
        "held": [v.summary() for v in held][:MAX_LISTED],
        "left_no_id": sorted(fid for w in would for fid in w["left_no_id"])[:MAX_LISTED],
        "user_failures": [f.user for f in user_failures][:MAX_LISTED],
    }


def _repair(
    held: Sequence[MeetingVerdict], settings: ArchiveSettings, zoom: Any, record: reclaim_record.ReclaimRecord
) -> tuple[list[str], list[dict[str, str]], int]:
    """Archive again from Zoom (the normal archive path, forced) the missing or damaged copies, at most
    ``zoom_archive_max_files_per_run`` a run (how many were left for the next runs is returned); keep each new hash."""
    from zoom_archiver.archive.archive import archive_file
    from zoom_archiver.s3.connect import s3_hook_for

    repaired: list[str] = []
    failed: list[dict[str, str]] = []
    todo = [f for v in held for f in v.repair]
    deferred = max(0, len(todo) - settings.max_files_per_run)
    if deferred:
        log.warning("%d copies to repair are left for the next runs (at most %d a run)", deferred, len(todo) - deferred)
    for planned in todo[: settings.max_files_per_run]:
        try:
            s3_hook = s3_hook_for(planned, settings.transfer, settings.aws_conn_id)
            result = archive_file(
                planned, zoom=zoom, s3_hook=s3_hook, bucket=settings.bucket, settings=settings.transfer, force=True
            )
        except Exception as exc:
            failed.append({"file_id": planned.file_id, "error": describe_exception(exc)[:300]})
            continue
        record.hashes[planned.file_id] = (result.sha256, result.size)
        repaired.append(planned.file_id)
        log.warning("Repaired %s (archived again from Zoom); a later run proves it before trashing", planned.key)
    return repaired, failed, deferred


def _trash(
    client: ZoomClient, proven: Sequence[MeetingVerdict], record: reclaim_record.ReclaimRecord, now: datetime
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Trash every file with an id of the proven meetings; a refusal fails that file only."""
    files = size = 0
    meetings: set[str] = set()
    failed: list[dict[str, str]] = []
    for verdict in proven:
        for planned in verdict.trashable:
            try:
                client.trash_recording(verdict.uuid, planned.file_id)
            except ZoomArchiverError as exc:
                failed.append({"file_id": planned.file_id, "error": describe_exception(exc)[:300]})
                continue
            record.mark_trashed(planned.file_id, verdict.uuid, planned.file_size or 0, now)
            files, size = files + 1, size + (planned.file_size or 0)
            meetings.add(verdict.uuid)
            log.info("Trashed in Zoom: %s (%s bytes), archived at %s", planned.label, planned.file_size, planned.key)
    return {"meetings": len(meetings), "files": files, "bytes": size}, failed


def _rewrite_manifests(
    settings: ArchiveSettings, proven: Sequence[MeetingVerdict], record: reclaim_record.ReclaimRecord
) -> list[str]:
    """Rewrite the manifests of the meetings whose files were trashed, each file with its ``trashed_in_zoom_at``."""
    from zoom_archiver.publish.manifest import file_entry, write_manifests

    trashed = {fid: str(entry["at"]) for fid, entry in record.trashed.items()}
    entries = [
        {"meeting": v.meeting, "files": [file_entry(f) for f in v.files], "processing": [], "quarantined": []}
        for v in proven
        if any(f.file_id in trashed for f in v.files)
    ]
    if not entries:
        return []
    extra_args = settings.transfer.extra_args("application/json", {})
    written = write_manifests(
        archive_bucket(settings.bucket, settings.aws_conn_id), entries, extra_args=extra_args, trashed=trashed
    )
    return [m["key"] for m in written]


def _log(report: dict[str, Any], held: Sequence[MeetingVerdict]) -> None:
    for verdict in held:
        log.warning("Held back meeting %s (%s): %s", verdict.uuid, verdict.start_time, "; ".join(verdict.reasons))
    would = report["would_trash"]
    prefix = "DRY RUN would trash" if report["dry_run"] else "Proven for trash"
    log.info("%s: %d meetings, %d files, %d bytes", prefix, would["meetings"], would["files"], would["bytes"])
    for failure in report.get("trash_failed", []):
        log.error("Could not trash %s: %s", failure["file_id"], failure["error"])
    for failure in report.get("repair_failed", []):
        log.error("Could not repair %s: %s", failure["file_id"], failure["error"])
    if "trashed" in report:
        t = report["trashed"]
        log.info(
            "Trashed this run: %d files, %d bytes (%d meetings); in total: %d files, %d bytes",
            t["files"],
            t["bytes"],
            t["meetings"],
            report["total"]["files"],
            report["total"]["bytes"],
        )
