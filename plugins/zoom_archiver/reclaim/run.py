"""One reclaim run's steps, without Airflow: which meetings, prove them, repair what a new download repairs, trash
the proven ones, rewrite their manifests, and the report (the task body is :mod:`zoom_archiver.tasks.reclaim`).

Meetings started from ``retention`` days ago up to ``trash_after_days`` ago are listed (older files have no
archive-time hash left in the ledger); every file of each is proven now (:mod:`zoom_archiver.reclaim.proof`); missing or
damaged copies are archived again from Zoom (proven by a later run); the files of the proven meetings are moved to
Zoom's trash (``action=trash``, recoverable for 30 days).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from zoom_archiver.dates import Window
from zoom_archiver.discover.listing import UserFailure, plan_listing
from zoom_archiver.discover.planning import Filters, Planner
from zoom_archiver.errors import ConfigurationError, ZoomArchiverError
from zoom_archiver.model import ArchiveResult, MeetingEntry, PlannedFile, file_entry, unknown_meeting
from zoom_archiver.reclaim.proof import MeetingVerdict, decide, group_meetings
from zoom_archiver.redaction import describe_exception

if TYPE_CHECKING:
    from zoom_archiver.ledger import Ledger
    from zoom_archiver.reclaim.record import ReclaimRecord
    from zoom_archiver.s3.bucket import ArchiveBucket
    from zoom_archiver.settings import ArchiveSettings
    from zoom_archiver.zoom.client import ZoomClient

log = logging.getLogger(__name__)

#: Entries of each list kept in the task's XCom (the log has them all).
MAX_LISTED = 200

#: Archives one file again from Zoom, forced (the archive step's ``archive_file``, bound by the task).
Rearchive = Callable[[PlannedFile], ArchiveResult]


def reclaim_window(settings: ArchiveSettings, today: date, grace: int) -> Window:
    """The meetings to reclaim: started from ``zoom_archive_ledger_retention_days`` ago (older files have no hash
    recorded when archived) up to ``grace`` days ago."""
    cutoff = today - timedelta(days=grace)
    if grace >= settings.ledger.retention_days:
        raise ConfigurationError(
            f"Variable zoom_archive_trash_after_days ({grace}) must be less than zoom_archive_ledger_retention_days "
            f"({settings.ledger.retention_days}): older files have no hash recorded when archived, nothing to prove"
        )
    return Window(today - timedelta(days=settings.ledger.retention_days), cutoff, scheduled=False)


def prove(
    client: ZoomClient,
    settings: ArchiveSettings,
    window: Window,
    *,
    bucket: ArchiveBucket,
    ledger: Ledger,
    record: ReclaimRecord,
    now: datetime,
    grace: int,
    list_workers: int,
    participant_audio: str,
) -> tuple[list[MeetingVerdict], list[UserFailure]]:
    """List Zoom for ``window``, note recovered files, prove every meeting; the verdicts and the users that failed."""
    planner = Planner(window=window, filters=Filters(), template=settings.key_template, prefix=settings.prefix)
    listing = plan_listing(
        client, client.list_users(), [window], planner, workers=list_workers, participant_audio=participant_audio
    )
    for file_id in record.note_listed([f.file_id for f in listing.files], now):
        log.warning("File %s was trashed by us and is listed again (recovered): held back", file_id)
    meetings = group_meetings(listing.files, window.end)
    for uuid, verdict in meetings.items():
        verdict.meeting = planner.plan.meetings.get(uuid) or unknown_meeting(uuid)
    log.info("%d meetings to prove (%d files listed)", len(meetings), len(listing.files))
    verdicts = decide(
        meetings, bucket=bucket, ledger=ledger, record=record, blocked=planner.plan.blocked, now=now, grace_days=grace
    )
    return verdicts, list(listing.failures)


def base_report(
    dry_run: bool,
    grace: int,
    window: Window,
    verdicts: Sequence[MeetingVerdict],
    user_failures: Sequence[UserFailure],
) -> dict[str, Any]:
    """What the run found: the meetings it would trash (and their files and bytes), those held back and why."""
    would = [v.summary() for v in verdicts if v.proven]
    held = [v.summary() for v in verdicts if not v.proven]
    return {
        "dry_run": dry_run,
        "grace_days": grace,
        "window": str(window),
        "meetings_checked": len(verdicts),
        "would_trash": {
            "meetings": len(would),
            "files": sum(len(w["files"]) for w in would),
            "bytes": sum(w["bytes"] for w in would),
            "list": would[:MAX_LISTED],
        },
        "held": held[:MAX_LISTED],
        "left_no_id": sorted(fid for w in would for fid in w["left_no_id"])[:MAX_LISTED],
        "user_failures": [f.user for f in user_failures][:MAX_LISTED],
    }


def repair(
    held: Sequence[MeetingVerdict], rearchive: Rearchive, record: ReclaimRecord, *, cap: int
) -> tuple[list[str], list[dict[str, str]], int]:
    """Archive again from Zoom (``rearchive``: the archive path, forced) the missing or damaged copies, at most
    ``cap`` a run; keep each new hash. Returns the repaired file ids, the failures, and how many were deferred."""
    repaired: list[str] = []
    failed: list[dict[str, str]] = []
    todo = [f for v in held for f in v.repair]
    deferred = max(0, len(todo) - cap)
    if deferred:
        log.warning("%d copies to repair are left for the next runs (at most %d a run)", deferred, cap)
    for planned in todo[:cap]:
        try:
            result = rearchive(planned)
        except Exception as exc:
            failed.append({"file_id": planned.file_id, "error": describe_exception(exc)[:300]})
            continue
        record.hashes[planned.file_id] = (result.sha256, result.size)
        repaired.append(planned.file_id)
        log.warning("Repaired %s (archived again from Zoom); a later run proves it before trashing", planned.key)
    return repaired, failed, deferred


def trash(
    client: ZoomClient, proven: Sequence[MeetingVerdict], record: ReclaimRecord, now: datetime
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


def trashed_entries(proven: Sequence[MeetingVerdict], record: ReclaimRecord) -> list[MeetingEntry]:
    """The manifest entries of the proven meetings with a file the reclaim trashed (their manifests are rewritten,
    each such file with its ``trashed_in_zoom_at``)."""
    return [
        MeetingEntry(meeting=v.meeting, files=[file_entry(f) for f in v.files], processing=[], quarantined=[])
        for v in proven
        if v.meeting is not None and any(f.file_id in record.trashed for f in v.files)
    ]


def log_report(report: dict[str, Any], held: Sequence[MeetingVerdict]) -> None:
    """The run's report in the task log: every held meeting and why, failures, what was (or would be) trashed."""
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
        t, total = report["trashed"], report["total"]
        log.info(
            "Trashed this run: %d files, %d bytes (%d meetings); in total: %d files, %d bytes",
            *(t["files"], t["bytes"], t["meetings"], total["files"], total["bytes"]),
        )
