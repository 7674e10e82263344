"""The discover step: list the run's windows, plan the files, and pick this run's batch (oldest first, capped).

Nothing is mapped that needs no work: a file the ledger knows is skipped; a file it does not know is checked
against S3 first (:func:`archived_in_s3`, parallel HEADs and tag reads: our ``zoom-file-id`` and size on the key, the
``sha256`` tag; a read, never a write), so a second run of any window maps no archive task; a quarantined file is
skipped (and counted) until a run releases it. Its result is what the task body hands the other tasks: a
:class:`~zoom_archiver.discover.summary.Discovery` (the files, one ``archive`` task each, the meetings' manifest
entries and the summary for ``commit``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from zoom_archiver.dates import Window
from zoom_archiver.discover.found_hashes import found_hashes
from zoom_archiver.discover.listing import DEFAULT_MODE, UserFailure, plan_listing
from zoom_archiver.discover.planning import Filters, Plan, Planner, meeting_entries, select_batch
from zoom_archiver.discover.summary import DiscoverSummary, Discovery
from zoom_archiver.ledger import Ledger
from zoom_archiver.model import PlannedFile
from zoom_archiver.parallel import parallel_map

if TYPE_CHECKING:
    from zoom_archiver.s3.bucket import ArchiveBucket
    from zoom_archiver.settings import ArchiveSettings
    from zoom_archiver.zoom.client import ApiStats, ZoomClient

log = logging.getLogger(__name__)

#: Parallel HEAD requests of the S3 check.
S3_CHECK_WORKERS = 8
T = TypeVar("T")

#: Malformed records logged (and kept in the summary) one by one; the rest are counted.
MAX_REJECTIONS_LOGGED = 200


@dataclass(frozen=True)
class RunRequest:
    """What a run was asked to do: its windows, its filters, its cap, and the trigger's switches.

    :param release: quarantined file ids to try again (``"all"`` in it: every quarantined file).
    """

    windows: Sequence[Window]
    filters: Filters = Filters()
    cap: int = 500
    force: bool = False
    dry_run: bool = False
    release: frozenset[str] = frozenset()

    @property
    def unfiltered(self) -> bool:
        return not self.filters.file_types and not self.filters.user_emails

    def releases(self, file_id: str) -> bool:
        return "all" in self.release or file_id in self.release


def discover(
    client: ZoomClient,
    settings: ArchiveSettings,
    request: RunRequest,
    *,
    ledger: Ledger,
    workers: int,
    bucket: ArchiveBucket | None,
    today: date,
    participant_audio: str = DEFAULT_MODE,
) -> Discovery:
    """List every user's recordings in the request's windows, plan them and pick this run's batch.

    :param bucket: the archive's bucket, to find files the ledger does not know in S3 (``None``: no check).
    :param participant_audio: when a meeting's detail is fetched for participant audio files (connection extra).
    """
    # nothing to list (a backfill run whose interval holds no midnight): no API call at all
    users, missing = request.filters.select_users(client.list_users() if request.windows else [])
    for email in missing:
        log.warning("user_emails: no active or inactive Zoom user %s", email)
    planner = Planner(
        window=request.windows, filters=request.filters, template=settings.key_template, prefix=settings.prefix
    )
    listing = plan_listing(
        client, users, request.windows, planner, workers=workers, participant_audio=participant_audio
    )
    outcome = _outcome(listing.files, ledger, request, bucket)
    plan = planner.plan
    _log_outcome(plan, outcome, request, len(users))
    horizon = (today - timedelta(days=settings.ledger.processing_max_days)).isoformat()
    summary = _summary(plan, outcome, request, ledger, listing.failures, client.stats, horizon)
    touched = {f.meeting_uuid for f in [*outcome.batch, *outcome.rebuilt]}
    every_file = [*listing.files, *plan.filtered]  # a filtered run's manifests still list every file S3 holds
    meetings = meeting_entries(plan.meetings, every_file, plan.processing, outcome.quarantined, touched)
    if bucket is not None:  # files archived by another run (found in S3 now, or recorded before its manifest was)
        unhashed = {f.file_id for f in outcome.rebuilt} | {
            f.file_id for f in outcome.files if ledger.unhashed(f.file_id)
        }
        summary = replace(summary, found_hashes=found_hashes(bucket, every_file, unhashed))
    return Discovery(outcome.batch, summary, meetings)


@dataclass(frozen=True)
class _Outcome:
    """Where the listed files went: this run's batch, the backlog, found in S3, quarantined (with the reason)."""

    files: Sequence[PlannedFile]
    batch: list[PlannedFile]
    backlog: list[PlannedFile]
    rebuilt: list[PlannedFile]
    quarantined: list[tuple[str, str]]

    @property
    def already_archived(self) -> int:
        return len(self.files) - len(self.quarantined) - len(self.rebuilt) - len(self.batch) - len(self.backlog)


def _outcome(
    files: Sequence[PlannedFile], ledger: Ledger, request: RunRequest, bucket: ArchiveBucket | None
) -> _Outcome:
    """Quarantined files left out, then the rest: found in S3, this run's batch, or the backlog."""
    candidates, quarantined = _without_quarantined(files, ledger, request)
    rebuilt, batch, backlog = _select(candidates, ledger, request, bucket)
    return _Outcome(files, batch, backlog, rebuilt, quarantined)


def _select(
    candidates: Sequence[PlannedFile], ledger: Ledger, request: RunRequest, bucket: ArchiveBucket | None
) -> tuple[list[PlannedFile], list[PlannedFile], list[PlannedFile]]:
    """``(found in S3, this run's batch, backlog)``: files the ledger does not know are looked up in S3 first."""
    rebuilt = _check_s3(bucket, [f for f in candidates if f.file_id not in ledger]) if not request.force else []
    found = {f.file_id for f in rebuilt}
    remaining = [f for f in candidates if f.file_id not in found]
    batch, backlog = select_batch(remaining, ledger.archived, cap=request.cap, force=request.force)
    return rebuilt, batch, backlog


def _summary(
    plan: Plan,
    outcome: _Outcome,
    request: RunRequest,
    ledger: Ledger,
    user_failures: Sequence[UserFailure],
    stats: ApiStats,
    horizon: str,
) -> DiscoverSummary:
    """What ``commit`` is told; a date with files still processing stays owed while it is not older than ``horizon``."""
    waiting = [day for day in plan.not_ready_days if day >= horizon]
    return DiscoverSummary(
        windows=[(w.start.isoformat(), w.end.isoformat()) for w in request.windows],
        dry_run=request.dry_run,
        unfiltered=request.unfiltered,
        planned=_pairs(outcome.batch),
        backlog=len(outcome.backlog),
        leftover_days=sorted({f.start_date for f in outcome.backlog} | set(waiting)),
        rebuilt=_pairs(outcome.rebuilt),
        quarantined=outcome.quarantined,
        released=sorted(fid for fid in ledger.quarantine if request.releases(fid)),
        user_failures=[(f.user, f.error) for f in user_failures],
        stale_processing=len(plan.not_ready_days) - len(waiting),
        skipped=_skipped(plan, outcome),
        **_plan_counts(plan, stats),
    )


def _plan_counts(plan: Plan, stats: ApiStats) -> dict[str, Any]:
    return {
        "outside_window": plan.outside_window,
        "rejected": [(r.where, r.reason) for r in plan.rejected[:MAX_REJECTIONS_LOGGED]],
        "rejected_count": len(plan.rejected),
        "api_calls": stats.calls,
        "rate_limited": stats.rate_limited,
    }


def _skipped(plan: Plan, outcome: _Outcome) -> dict[str, int]:
    return {
        "already_archived": outcome.already_archived,
        "found_in_s3": len(outcome.rebuilt),
        "quarantined": len(outcome.quarantined),
        "still_processing": plan.not_ready,
        "filtered_out": plan.filtered_out,
        "malformed": len(plan.rejected),
    }


def _pairs(files: Sequence[PlannedFile]) -> list[tuple[str, str]]:
    return [(f.file_id, f.start_date) for f in files]


def _without_quarantined(
    files: Sequence[PlannedFile], ledger: Ledger, request: RunRequest
) -> tuple[list[PlannedFile], list[tuple[str, str]]]:
    """The files to consider, and the quarantined ones left out (with their reason)."""
    kept: list[PlannedFile] = []
    skipped: list[tuple[str, str]] = []
    for item in files:
        entry = ledger.quarantine.get(item.file_id)
        if entry is not None and not request.releases(item.file_id):
            skipped.append((item.file_id, str(entry.get("reason", ""))))
        else:
            kept.append(item)
    return kept, skipped


def _check_s3(bucket: ArchiveBucket | None, candidates: Sequence[PlannedFile]) -> list[PlannedFile]:
    """The candidates S3 already holds (HEAD: our ``zoom-file-id`` and size on the key; and the ``sha256`` tag)."""
    if bucket is None or not candidates:
        return []
    found, unchecked = find_in_s3(candidates, lambda f: archived_in_s3(bucket, f))
    log.info(
        "Checked S3 for the %d files the ledger does not know: %d already archived (recorded, not downloaded "
        "again), %d not%s",
        len(candidates),
        len(found),
        len(candidates) - len(found),
        f", {unchecked} could not be checked (their archive tasks check again)" if unchecked else "",
    )
    return found


def _log_outcome(plan: Plan, outcome: _Outcome, request: RunRequest, users: int) -> None:
    for item in plan.rejected[:MAX_REJECTIONS_LOGGED]:
        log.error("Skipped malformed record (%s): %s", item.where, item.reason)
    if len(plan.rejected) > MAX_REJECTIONS_LOGGED:
        log.error("... and %d more malformed records", len(plan.rejected) - MAX_REJECTIONS_LOGGED)
    for file_id, reason in outcome.quarantined:
        log.warning("Quarantined, not archived (release it with the release_quarantine param): %s: %s", file_id, reason)
    if plan.outside_window:
        log.info(
            "%d files belong to meetings that started outside the listed dates (archived too)", plan.outside_window
        )
    log.info(
        "%d users, %d completed files (%d still processing, %d filtered out, %d malformed, %d quarantined); "
        "%d already archived, %d found in S3, %d to archive now, %d left for later runs (cap %d)",
        users,
        len(outcome.files),
        plan.not_ready,
        plan.filtered_out,
        len(plan.rejected),
        len(outcome.quarantined),
        outcome.already_archived,
        len(outcome.rebuilt),
        len(outcome.batch),
        len(outcome.backlog),
        request.cap,
    )


def archived_in_s3(bucket: ArchiveBucket, planned: PlannedFile) -> bool:
    """Whether ``planned``'s key holds it (``zoom-file-id`` and Zoom's size) with a ``sha256`` tag (or in a storage
    class whose tags S3 refuses to show). Raises :class:`~zoom_archiver.errors.KeyConflict` when the key holds
    another file."""
    found = bucket.held_copy(planned.key, planned.file_id, planned.file_size)
    if found is None:
        return False
    tag, refused = bucket.read_sha256_tag(planned.key, version_id=found.get("VersionId"))
    return bool(tag) or refused


def find_in_s3(
    candidates: Sequence[T], find_existing: Callable[[T], Any], *, workers: int = S3_CHECK_WORKERS
) -> tuple[list[T], int]:
    """The ``candidates`` S3 already holds, found with ``find_existing`` in parallel. Returns them and how many
    could not be checked (those stay candidates: their own archive task checks again before any download)."""
    found: list[T] = []
    unchecked = 0

    def check(item: T) -> tuple[T, Any, bool]:
        try:
            return item, find_existing(item), True
        except Exception as exc:  # an S3 error, or another file at the key: the archive task reports it
            log.debug("Could not check %r in S3: %s", getattr(item, "key", item), type(exc).__name__)
            return item, None, False

    for item, existing, checked in parallel_map(check, candidates, workers=workers, name="s3-check"):
        if existing:
            found.append(item)
        unchecked += not checked
    return found, unchecked
