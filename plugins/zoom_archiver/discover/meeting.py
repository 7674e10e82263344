"""The webhook run's discovery: one meeting instance, re-read through the API with our own token.

A delivery only names the meeting (its UUID, in the run's conf); the files, their URLs and sizes come from
``GET /meetings/{uuid}/recordings`` (:meth:`ZoomClient.get_meeting_recordings`), the host's e-mail from the users
listing (as in a scheduled run, so both paths compute the same keys), and every check of the polling path applies:
the planner's record checks, the download host allowlist in the archive task, the ledger (read only: the scheduled
DAG's ``commit`` stays its one writer) and the S3 HEAD of each file the ledger does not know. A file S3 holds
already is not archived again; the next scheduled run records the webhook run's files in the ledger by the same
HEAD check, without downloading them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from zoom_archiver.dates import Window
from zoom_archiver.discover.discovery import archived_in_s3, find_in_s3
from zoom_archiver.discover.planning import Filters, Planner, meeting_entries
from zoom_archiver.errors import ConfigurationError, ZoomApiError
from zoom_archiver.ledger import Ledger
from zoom_archiver.model import MeetingEntry, PlannedFile, PlannedFileDict
from zoom_archiver.zoom.records import clean_text

if TYPE_CHECKING:
    from zoom_archiver.s3.bucket import ArchiveBucket
    from zoom_archiver.settings import ArchiveSettings
    from zoom_archiver.zoom.client import ZoomClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MeetingPlan:
    """The files of one meeting this run archives, and what was left out (counts; safe to log)."""

    files: list[PlannedFile]
    known: int = 0  # in the ledger or already in S3
    quarantined: int = 0
    not_ready: int = 0
    rejected: int = 0
    #: The meeting's manifest entry (:func:`zoom_archiver.discover.planning.meeting_entries`; none without a file)
    meetings: list[MeetingEntry] = field(default_factory=list)


def meeting_uuid_from_conf(conf: Mapping[str, Any] | None) -> str:
    """The run's meeting UUID (a run without one is a configuration error, not a retry)."""
    uuid = (conf or {}).get("meeting_uuid")
    if not isinstance(uuid, str) or not uuid.strip():
        raise ConfigurationError(f"run conf meeting_uuid must be a Zoom meeting UUID, got {uuid!r}")
    return uuid.strip()


def host_of(client: ZoomClient, host_id: Any) -> dict[str, Any]:
    """The host as the users listing shows it (its e-mail is part of the key, as in a scheduled run)."""
    for user in client.list_users():
        if user.get("id") == host_id:
            return user
    raise ConfigurationError(f"the meeting's host {clean_text(str(host_id), 80)!r} is not a user of the account")


def plan_meeting(
    client: ZoomClient,
    settings: ArchiveSettings,
    meeting_uuid: str,
    *,
    ledger: Ledger,
    bucket: ArchiveBucket | None,
    today: date,
) -> MeetingPlan:
    """The files of meeting ``meeting_uuid`` that still need archiving (ledger, quarantine and S3 checked)."""
    try:
        meeting = client.get_meeting_recordings(meeting_uuid)
    except ZoomApiError as exc:
        if exc.recordings_gone:
            log.warning("Meeting %s has no recording any more: nothing to archive", meeting_uuid)
            return MeetingPlan([])
        raise
    planner = Planner(
        window=Window(today, today), filters=Filters(), template=settings.key_template, prefix=settings.prefix
    )
    planner.add(meeting, host_of(client, meeting.get("host_id")))
    for rejected in planner.plan.rejected:
        log.error("Skipped malformed record (%s): %s", rejected.where, rejected.reason)
    files = planner.files()
    candidates = [f for f in files if f.file_id not in ledger.quarantine]
    todo = _not_archived(candidates, ledger, bucket)
    quarantined = [(f.file_id, str(ledger.quarantine[f.file_id].get("reason", ""))) for f in files
                   if f.file_id in ledger.quarantine]  # fmt: skip
    plan = MeetingPlan(
        todo,
        known=len(candidates) - len(todo),
        quarantined=len(files) - len(candidates),
        not_ready=planner.plan.not_ready,
        rejected=len(planner.plan.rejected),
        meetings=meeting_entries(
            planner.plan.meetings, files, planner.plan.processing, quarantined, {f.meeting_uuid for f in files}
        ),
    )
    _log_plan(meeting_uuid, plan)
    return plan


def _not_archived(candidates: list[PlannedFile], ledger: Ledger, bucket: ArchiveBucket | None) -> list[PlannedFile]:
    """The candidates neither the ledger knows nor S3 holds (HEAD of each file the ledger does not know)."""
    unknown = [f for f in candidates if f.file_id not in ledger.archived]
    in_s3, _ = find_in_s3(unknown, lambda f: archived_in_s3(bucket, f)) if bucket is not None else ([], 0)
    held = {f.file_id for f in in_s3}
    return [f for f in unknown if f.file_id not in held]


def _log_plan(meeting_uuid: str, plan: MeetingPlan) -> None:
    log.info(
        "Meeting %s: %d files to archive, %d already archived, %d quarantined, %d still processing (left for the "
        "scheduled runs), %d malformed",
        meeting_uuid,
        len(plan.files),
        plan.known,
        plan.quarantined,
        plan.not_ready,
        plan.rejected,
    )


def as_dicts(files: Sequence[PlannedFile]) -> list[PlannedFileDict]:
    return [f.to_dict() for f in files]
