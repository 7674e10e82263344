"""The discover step: list the window's recordings, plan them, and pick this run's files (oldest first, capped).

Its result is what the DAG wires to the other tasks: the files (one ``archive`` task each) and a
:class:`DiscoverSummary` for ``commit``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from zoom_archiver.archive import existing_copy
from zoom_archiver.ledger import Ledger, RunRecord, rebuild_from_s3
from zoom_archiver.planning import Filters, Plan, PlannedFile, Planner, plan_listing, select_batch
from zoom_archiver.records import Rejected
from zoom_archiver.windows import Window

if TYPE_CHECKING:
    from zoom_archiver.s3 import ArchiveBucket
    from zoom_archiver.settings import ArchiveSettings
    from zoom_archiver.zoom_api import ApiStats, ZoomClient

log = logging.getLogger(__name__)

#: Malformed records logged (and kept in the summary) one by one; the rest are counted.
MAX_REJECTIONS_LOGGED = 200


@dataclass(frozen=True)
class DiscoverSummary:
    """What ``discover`` hands to ``commit`` (an XCom: JSON types only, no secrets)."""

    window: tuple[str, str]
    scheduled: bool
    dry_run: bool
    planned: list[tuple[str, str]]  # (file id, meeting start date) of this run's files
    backlog: int = 0
    backlog_from: str | None = None
    not_ready_from: str | None = None
    rejected: list[tuple[str, str]] = field(default_factory=list)
    rejected_count: int = 0
    rebuilt: list[tuple[str, str]] = field(default_factory=list)
    api_calls: int = 0
    rate_limited: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DiscoverSummary:
        pairs = ("window", "planned", "rejected", "rebuilt")
        values = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        for name in pairs:
            if name in values:
                value = values[name]
                values[name] = tuple(value) if name == "window" else [(str(a), str(b)) for a, b in value]
        return cls(**values)

    @classmethod
    def of(
        cls,
        request: RunRequest,
        plan: Plan,
        *,
        batch: Sequence[PlannedFile],
        backlog: Sequence[PlannedFile],
        rebuilt: Sequence[PlannedFile],
        stats: ApiStats,
    ) -> DiscoverSummary:
        """The summary of a planned run."""
        return cls(
            window=(request.window.start.isoformat(), request.window.end.isoformat()),
            scheduled=request.window.scheduled,
            dry_run=request.dry_run,
            planned=_pairs(batch),
            backlog=len(backlog),
            backlog_from=backlog[0].start_date if backlog else None,
            rejected=[(r.where, r.reason) for r in plan.rejected[:MAX_REJECTIONS_LOGGED]],
            rejected_count=len(plan.rejected),
            rebuilt=_pairs(rebuilt),
            api_calls=stats.calls,
            rate_limited=stats.rate_limited,
        )

    def run_record(self, archived: Sequence[tuple[str, str]]) -> RunRecord:
        """The ledger's view of this run, once ``archived`` is known."""
        return RunRecord(
            window_start=date.fromisoformat(self.window[0]),
            planned=self.planned,
            archived=archived,
            rebuilt=self.rebuilt,
            backlog_from=self.backlog_from,
        )


@dataclass(frozen=True)
class Discovery:
    """The files to archive this run and the summary for ``commit``."""

    files: list[PlannedFile]
    summary: DiscoverSummary


@dataclass(frozen=True)
class RunRequest:
    """What a run was asked to do: its window, its filters, its cap, and the trigger's switches."""

    window: Window
    filters: Filters = Filters()
    cap: int = 500
    force: bool = False
    dry_run: bool = False


def discover(
    client: ZoomClient,
    settings: ArchiveSettings,
    request: RunRequest,
    *,
    ledger: Ledger,
    workers: int,
    rebuild_from: ArchiveBucket | None = None,
) -> Discovery:
    """List every user's recordings in the request's window, plan them and pick this run's batch.

    :param rebuild_from: the bucket to find the window's files in when the ledger was lost (they are added to
        ``ledger`` and neither mapped nor downloaded).
    """
    users, missing = request.filters.select_users(client.list_users())
    for email in missing:
        log.warning("user_emails: no active or inactive Zoom user %s", email)
    planner = Planner(
        window=request.window, filters=request.filters, template=settings.key_template, prefix=settings.prefix
    )
    files = plan_listing(client, users, planner, workers=workers)
    rebuilt = _rebuild(rebuild_from, files, ledger) if rebuild_from is not None and not request.force else []
    batch, backlog = select_batch(files, ledger.files, cap=request.cap, force=request.force)
    plan = planner.plan
    _log_rejections(plan.rejected)
    counts = (len(users), planner.meetings, len(files), plan.not_ready, plan.filtered_out, len(plan.rejected))
    log.info(
        "%d users, %d meetings, %d completed files (%d still processing, %d filtered out, %d malformed); "
        "%d already archived, %d to archive now, %d left for later runs (cap %d)",
        *counts,
        len(files) - len(batch) - len(backlog),
        len(batch),
        len(backlog),
        request.cap,
    )
    summary = DiscoverSummary.of(request, plan, batch=batch, backlog=backlog, rebuilt=rebuilt, stats=client.stats)
    return Discovery(batch, summary)


def _pairs(files: Sequence[PlannedFile]) -> list[tuple[str, str]]:
    return [(f.file_id, f.start_date) for f in files]


def _log_rejections(rejected: Sequence[Rejected]) -> None:
    for item in rejected[:MAX_REJECTIONS_LOGGED]:
        log.error("Skipped malformed record (%s): %s", item.where, item.reason)
    if len(rejected) > MAX_REJECTIONS_LOGGED:
        log.error("... and %d more malformed records", len(rejected) - MAX_REJECTIONS_LOGGED)


def _rebuild(bucket: ArchiveBucket, files: Sequence[PlannedFile], ledger: Ledger) -> list[PlannedFile]:
    """After the ledger was lost: find the window's files S3 already holds (the same HEAD check as ``archive``:
    ``zoom-file-id`` and size on the key) and add them to ``ledger``."""
    candidates = [f for f in files if f.file_id not in ledger]
    found, unchecked = rebuild_from_s3(candidates, lambda f: existing_copy(bucket, f))
    ledger.merge((f.file_id, f.start_date) for f in found)
    log.warning(
        "Rebuilt the ledger from S3: %d of the %d files of the window are already archived (not downloaded "
        "again), %d are not%s",
        len(found),
        len(candidates),
        len(candidates) - len(found),
        f", {unchecked} could not be checked (their archive tasks check again)" if unchecked else "",
    )
    return found
