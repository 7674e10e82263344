"""One reclaim run's steps, without Airflow: which meetings, prove them, repair what a new download repairs, trash
the proven ones, rewrite their manifests, and the report (the task body is :mod:`zoom_archiver.tasks.reclaim`).

Meetings started from ``retention`` days ago up to ``trash_after_days`` ago are listed, and a slice of older ones
(:mod:`zoom_archiver.reclaim.history`; their archive-time hashes come from the manifests); each meeting, oldest
first, is proven now (:mod:`zoom_archiver.reclaim.proof`) and, when proven, its files are moved to Zoom's trash right
away (``action=trash``, recoverable for 30 days), each only while the S3 object version its proof read is still the
current one (:class:`Trasher`). Missing or damaged copies are archived again from Zoom last, after all trashing
(proven by a later run).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from zoom_archiver.dates import Window
from zoom_archiver.discover.listing import UserFailure, plan_listing
from zoom_archiver.discover.planning import Filters, Planner
from zoom_archiver.errors import ConfigurationError, ZoomArchiverError, ZoomRateLimited, ZoomTransientError
from zoom_archiver.model import ArchiveResult, MeetingEntry, PlannedFile, file_entry, unknown_meeting
from zoom_archiver.reclaim.proof import MeetingVerdict, decide, group_meetings
from zoom_archiver.redaction import describe_exception
from zoom_archiver.s3 import versions

if TYPE_CHECKING:
    from zoom_archiver.ledger import Ledger
    from zoom_archiver.reclaim.record import ReclaimRecord
    from zoom_archiver.s3.bucket import ArchiveBucket
    from zoom_archiver.settings import ArchiveSettings
    from zoom_archiver.zoom.client import ZoomClient

log = logging.getLogger(__name__)

#: Entries of each list kept in the task's XCom (the log has them all).
MAX_LISTED = 200
#: Proof time of a real run; the meetings left wait for the next run (the task's timeout is 12 h: repairs, the
#: record and the manifests need the rest).
PROOF_SECONDS = 9 * 3600.0

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


def candidates(
    client: ZoomClient,
    settings: ArchiveSettings,
    windows: Sequence[Window],
    *,
    record: ReclaimRecord,
    now: datetime,
    list_workers: int,
    participant_audio: str,
) -> tuple[dict[str, MeetingVerdict], Mapping[str, Sequence[str]], list[UserFailure]]:
    """List Zoom for ``windows`` (the recent meetings first, then a slice of history), settle a previous run's pending
    files, note recovered ones; the meetings to prove, why some are blocked (still processing, unreadable), and the
    users that failed."""
    planner = Planner(window=list(windows), filters=Filters(), template=settings.key_template, prefix=settings.prefix)
    listing = plan_listing(
        client, client.list_users(), windows, planner, workers=list_workers, participant_audio=participant_audio
    )
    listed = [f.file_id for f in listing.files]
    for file_id in record.settle_pending(listed, now):
        log.warning("File %s may have been trashed by a run that did not finish and is listed: held back", file_id)
    for file_id in record.note_listed(listed, now):
        log.warning("File %s was trashed by us and is listed again (recovered): held back", file_id)
    meetings = group_meetings(listing.files, windows[0].end)
    for uuid, verdict in meetings.items():
        verdict.meeting = planner.plan.meetings.get(uuid) or unknown_meeting(uuid)
    log.info("%d meetings to prove (%d files listed)", len(meetings), len(listing.files))
    return meetings, planner.plan.blocked, list(listing.failures)


@dataclass
class Budget:
    """The proof time of one real run: ``seconds`` from when it was made (the task's timeout is 12 h)."""

    seconds: float = PROOF_SECONDS
    clock: Callable[[], float] = time.monotonic
    started: float = field(default=-1.0)

    def __post_init__(self) -> None:
        if self.started < 0:
            self.started = self.clock()

    def spent(self) -> bool:
        return self.clock() - self.started >= self.seconds

    def reason(self) -> str:
        return f"left for the next run: this run's proof time ({self.seconds / 3600:.1f} h) is spent"


def prove_and_trash(
    meetings: Mapping[str, MeetingVerdict],
    blocked: Mapping[str, Sequence[str]],
    trasher: Trasher | None,
    *,
    bucket: ArchiveBucket,
    ledger: Ledger,
    record: ReclaimRecord,
    now: datetime,
    grace: int,
    budget: Budget | None = None,
) -> list[MeetingVerdict]:
    """Prove each meeting, oldest first, and (with a ``trasher``; a dry run has none) trash it right after its own
    proof, so no repair or other meeting's work runs between the proof and the DELETE. Once the ``budget`` of proof
    time is spent, the meetings left are held for the next run (the task ends well inside its timeout)."""
    if trasher is None:  # nothing changes: all proofs at once, in parallel
        return decide(meetings, bucket=bucket, ledger=ledger, record=record, blocked=blocked, now=now, grace_days=grace)
    verdicts = []
    for uuid in sorted(meetings, key=lambda u: (meetings[u].start_time, u)):
        if budget is not None and budget.spent():
            verdicts.append(replace(meetings[uuid], reasons=[budget.reason()]))
            continue
        (verdict,) = decide(
            {uuid: meetings[uuid]}, bucket=bucket, ledger=ledger, record=record, blocked=blocked, now=now,
            grace_days=grace,
        )  # fmt: skip
        if verdict.proven and verdict.trashable:
            trasher.meeting(verdict)
        verdicts.append(verdict)
    return verdicts


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
    held: Sequence[MeetingVerdict],
    rearchive: Rearchive,
    record: ReclaimRecord,
    *,
    cap: int,
    confirm: Callable[[PlannedFile], bool] | None = None,
) -> dict[str, Any]:
    """Repair the held meetings' copies, at most ``cap`` a run: ``confirm`` (when given) compares a copy waiting for
    a second witness with a new download, writing nothing; what it does not confirm, and every missing or damaged
    copy, is archived again from Zoom (``rearchive``: the archive path, forced) and its new hash kept.
    Returns the repaired and confirmed file ids, the failures, and how many were deferred."""
    done: dict[str, Any] = {"repaired": [], "confirmed": [], "repair_failed": []}
    todo = [f for v in held for f in v.repair]
    done["repair_deferred"] = deferred = max(0, len(todo) - cap)
    if deferred:
        log.warning("%d copies to repair are left for the next runs (at most %d a run)", deferred, cap)
    for planned in todo[:cap]:
        try:
            if confirm is not None and confirm(planned):
                done["confirmed"].append(planned.file_id)
                continue
            result = rearchive(planned)
        except Exception as exc:
            done["repair_failed"].append({"file_id": planned.file_id, "error": describe_exception(exc)[:300]})
            continue
        record.hashes[planned.file_id] = (result.sha256, result.size)
        record.confirmed.discard(planned.file_id)
        done["repaired"].append(planned.file_id)
        log.warning("Repaired %s (archived again from Zoom); a later run proves it before trashing", planned.key)
    return done


def _maybe_applied(exc: ZoomArchiverError) -> bool:
    """Whether a DELETE that raised ``exc`` may still have been applied (no answer, or a 5xx): not a refusal."""
    return isinstance(exc, ZoomTransientError) and not isinstance(exc, ZoomRateLimited)


@dataclass
class Trasher:
    """Moves a proven meeting's files to Zoom's trash, one by one, each only while the S3 object version its proof
    read is still the current one (HEAD right before the DELETE: same version id and ETag). The record is saved
    before each DELETE (the file marked pending) and after the meeting, so a killed run loses nothing."""

    client: ZoomClient
    bucket: ArchiveBucket
    record: ReclaimRecord
    now: datetime
    save: Callable[[ReclaimRecord], None]
    files: int = 0
    size: int = 0
    #: the meetings with a file trashed by this run (their manifests are rewritten)
    touched: list[MeetingVerdict] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)

    def meeting(self, verdict: MeetingVerdict) -> None:
        """Trash ``verdict``'s files; a copy changed since its proof holds back the rest of the meeting."""
        for planned in verdict.trashable:
            if not self._file(verdict, planned):
                break
        self.save(self.record)

    def _file(self, verdict: MeetingVerdict, planned: PlannedFile) -> bool:
        size = planned.file_size or 0
        self.record.mark_pending(planned.file_id, verdict.uuid, size, self.now)
        self.save(self.record)
        changed = self.changed(verdict, planned)
        if changed:
            self.record.clear_pending(planned.file_id)
            verdict.reasons.append(f"{planned.file_id}: {changed}; nothing more of the meeting is trashed")
            log.error("Not trashed in Zoom: %s: %s", planned.label, changed)
            return False
        try:
            self.client.trash_recording(verdict.uuid, planned.file_id)
        except ZoomArchiverError as exc:
            if not _maybe_applied(exc):
                self.record.clear_pending(planned.file_id)
            self.failed.append({"file_id": planned.file_id, "error": describe_exception(exc)[:300]})
            return True
        self.record.mark_trashed(planned.file_id, verdict.uuid, size, self.now)
        self.files, self.size = self.files + 1, self.size + size
        if verdict not in self.touched:
            self.touched.append(verdict)
        log.info("Trashed in Zoom: %s (%s bytes), archived at %s", planned.label, planned.file_size, planned.key)
        return True

    def changed(self, verdict: MeetingVerdict, planned: PlannedFile) -> str | None:
        """Why the proven copy of ``planned`` is not the current object at its key any more (``None``: it is)."""
        proven = verdict.proofs.get(planned.file_id)
        if proven is None:
            return "not proven by this run"
        try:
            current = versions.current_version(self.bucket, planned.key)
        except (ClientError, BotoCoreError) as exc:
            return f"S3 error re-checking its copy before the DELETE: {type(exc).__name__}"
        if current is None:
            return "its copy was deleted from S3 after the proof"
        if current != proven:
            return "its copy in S3 changed after the proof (another version or ETag)"
        return None

    def report(self) -> dict[str, int]:
        return {"meetings": len(self.touched), "files": self.files, "bytes": self.size}


def trashed_entries(touched: Sequence[MeetingVerdict], record: ReclaimRecord) -> list[MeetingEntry]:
    """The manifest entries of the meetings with a file the reclaim trashed (their manifests are rewritten, each
    such file with its ``trashed_in_zoom_at``)."""
    return [
        MeetingEntry(meeting=v.meeting, files=[file_entry(f) for f in v.files], processing=[], quarantined=[])
        for v in touched
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
