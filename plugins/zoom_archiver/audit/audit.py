"""The audit: is every Zoom recording file of a date range in S3, intact, as it was archived? It reads, it never
writes or deletes.

Zoom is listed exactly as the archiver lists it (:func:`~zoom_archiver.discover.listing.plan_listing` with a
:class:`~zoom_archiver.discover.planning.Planner` and the configured key template), so each file's expected key is the
key the archiver writes. S3 is listed under the prefix (ListObjectsV2), every object HEADed (in parallel) for our
metadata, and the ``sha256`` tag read for the objects Zoom's files point at. What was recorded when the files were
archived (:class:`Recorded`: the ledger's archive-time ``hashes``, a repair's, and the files the reclaim trashed in
Zoom) is what a copy is proven against; the object's own tag only where nothing was recorded (such files are counted,
``no_archive_hash``). Each file gets one status:

* ``intact``: the key holds the file (``zoom-file-id``), with Zoom's size (and the archived size), and a ``sha256``
  tag equal to the archive-time hash (none recorded: any tag); with ``deep``, its bytes, read back now, hash to the
  archive-time hash (none recorded: to the tag);
* ``intact_trashed``: the same for a file the reclaim trashed in Zoom (found by its ``zoom-file-id``): not a failure;
* problems (they fail the audit): ``missing``, ``id_mismatch`` (the key holds another file, or an object without
  our metadata), ``size_mismatch``, ``tag_missing``, ``differs_from_archive`` (the tag, or with ``deep`` the bytes,
  differ from the archive-time hash), ``corrupt`` (deep, no archive-time hash: the bytes do not hash to the tag),
  ``check_failed`` (deep: reading the object failed);
* reported, not a failure: ``not_readable`` (deep: an archive storage class, restore first) and ``not_in_zoom``
  (an archived object of the range that Zoom no longer lists and the reclaim did not trash, e.g. deleted in Zoom by
  someone: kept).

A Zoom record the planner rejects (malformed: never archived) makes the audit incomplete: it fails, naming it.
Objects without ``zoom-file-id`` (a per-meeting ``manifest.json``, the audit's own reports under ``<prefix>/_audit/``)
are not recording files and are left out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from zoom_archiver.audit.rows import (
    CHECK_FAILED,
    CORRUPT,
    DIFFERS_FROM_ARCHIVE,
    ID_MISMATCH,
    INTACT,
    INTACT_TRASHED,
    MISSING,
    NOT_IN_ZOOM,
    NOT_READABLE,
    PROBLEMS,
    SIZE_MISMATCH,
    STATUSES,
    TAG_MISSING,
    ArchiveHash,
    AuditRow,
    classify,
    trashed_row,
    unlisted_row,
)
from zoom_archiver.audit.scan import SCAN_WORKERS, Scan, StoredObject, manifests_near, scan_bucket, with_tags
from zoom_archiver.dates import Window, parse_date_param
from zoom_archiver.discover.found_hashes import hashes_in, manifests_of
from zoom_archiver.discover.listing import DEFAULT_MODE, plan_listing
from zoom_archiver.discover.planning import Filters, Planner
from zoom_archiver.ledger import load_hashes
from zoom_archiver.model import PlannedFile
from zoom_archiver.s3 import verify
from zoom_archiver.s3.metadata import identity_mismatch

if TYPE_CHECKING:
    from zoom_archiver.s3.bucket import ArchiveBucket
    from zoom_archiver.settings import ArchiveSettings
    from zoom_archiver.zoom.client import ZoomClient

__all__ = [
    "CHECK_FAILED",
    "CORRUPT",
    "DIFFERS_FROM_ARCHIVE",
    "ID_MISMATCH",
    "INTACT",
    "INTACT_TRASHED",
    "MISSING",
    "NOT_IN_ZOOM",
    "NOT_READABLE",
    "PROBLEMS",
    "SIZE_MISMATCH",
    "STATUSES",
    "TAG_MISSING",
    "Audit",
    "AuditRow",
    "Recorded",
    "audit_window",
    "check_files",
    "classify",
    "deep_check",
    "run_audit",
    "unlisted_row",
]

log = logging.getLogger(__name__)

#: Days an audit without dates covers, ending yesterday (today's files may not be archived yet).
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Recorded:
    """What was recorded when files were archived and trashed: file id → archive-time SHA-256 and size (a repair's
    over the ledger's), and file id → the reclaim's ``trashed`` entry (``at``, ``meeting``, ``size``)."""

    hashes: Mapping[str, ArchiveHash] = field(default_factory=dict)
    trashed: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def with_manifests(self, bucket: ArchiveBucket, files: Sequence[PlannedFile], scan: Scan) -> Recorded:
        """Also the archive-time hashes the meetings' manifests keep for files with none recorded here (archived by
        a webhook run, before the ledger's retention, or trashed in Zoom since): one GET per such meeting."""
        unhashed = {f.file_id for f in files if f.file_id not in self.hashes}
        unhashed |= {fid for fid in self.trashed if fid not in self.hashes}
        keys = [*manifests_of(files, unhashed), *manifests_near(scan, unhashed)] if unhashed else []
        kept = load_hashes(hashes_in(bucket, keys, unhashed)) if keys else {}
        return Recorded(hashes={**kept, **self.hashes}, trashed=self.trashed)


@dataclass
class Audit:
    """The outcome of one audit: a row per Zoom file, per file the reclaim trashed, and per archived object Zoom no
    longer lists."""

    window: Window
    deep: bool
    rows: list[AuditRow] = field(default_factory=list)
    user_failures: list[tuple[str, str]] = field(default_factory=list)
    processing: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    s3_objects: int = 0
    ignored_objects: int = 0

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def problems(self) -> list[AuditRow]:
        return [row for row in self.rows if row.problem]

    @property
    def failed(self) -> bool:
        """Whether the audit must fail its run: a problem, users whose listing failed or records the planner rejected
        (the proof is partial)."""
        return bool(self.problems or self.user_failures or self.rejected)


def audit_window(from_date: Any, to_date: Any, *, today: date) -> Window:
    """The meeting dates to audit (UTC, inclusive): the trigger's, else the :data:`DEFAULT_DAYS` up to yesterday."""
    start = parse_date_param(from_date, "from_date")
    end = parse_date_param(to_date, "to_date") or today - timedelta(days=1)
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        from zoom_archiver.errors import ConfigurationError

        raise ConfigurationError(f"to_date {end} is before from_date {start}")
    return Window(start, end, scheduled=False)


def _in_window(start_time: str, window: Window) -> bool:
    """Whether a meeting that started at ``start_time`` is in ``window`` (no start time known: counted in)."""
    try:
        return date.fromisoformat(start_time[:10]) in window
    except ValueError:
        return True


def trashed_in_range(
    files: Sequence[PlannedFile], scan: Scan, recorded: Recorded, window: Window
) -> dict[str, StoredObject | None]:
    """The files the reclaim trashed that Zoom does not list (again), whose meeting is in ``window``, with the
    object holding each (``None``: none under the prefix; its meeting's date from its other files, else unknown and
    counted in)."""
    listed = {f.file_id for f in files}
    by_id: dict[str, StoredObject] = {}
    for key in sorted(scan.objects, reverse=True):
        by_id[scan.objects[key].file_id] = scan.objects[key]
    starts = {s.meeting_uuid: s.start_time for s in scan.objects.values() if s.start_time}
    starts.update((f.meeting_uuid, f.start_time) for f in files)
    found: dict[str, StoredObject | None] = {}
    for file_id, entry in sorted(recorded.trashed.items()):
        stored = by_id.get(file_id)
        start = stored.start_time if stored else starts.get(str(entry.get("meeting") or ""), "")
        if file_id not in listed and _in_window(start, window):
            found[file_id] = stored
    return found


def check_files(
    files: Sequence[PlannedFile],
    scan: Scan,
    bucket: ArchiveBucket,
    window: Window,
    *,
    recorded: Recorded | None = None,
    workers: int = SCAN_WORKERS,
) -> list[AuditRow]:
    """A row per Zoom file (tags read for the files whose key holds them, same size), then a row per archived object
    of ``window`` that no Zoom file points at, then a row per file of ``window`` the reclaim trashed in Zoom."""
    recorded = recorded or Recorded()
    wanted = {f.key for f in files}
    candidates = [
        scan.objects[f.key]
        for f in files
        if f.key in scan.objects
        and identity_mismatch(scan.objects[f.key].file_id, scan.objects[f.key].size, f.file_id, f.file_size) is None
    ]
    trashed = trashed_in_range(files, scan, recorded, window)
    held = {s.key: s for s in trashed.values() if s is not None}
    checked = {s.key for s in candidates}
    tagged = with_tags(bucket, [*candidates, *(s for key, s in held.items() if key not in checked)], workers)
    rows = [
        classify(
            f,
            tagged.get(f.key) or scan.objects.get(f.key),
            foreign=f.key in scan.foreign,
            recorded=recorded.hashes.get(f.file_id),
        )
        for f in files
    ]
    accounted = wanted | set(held)
    unlisted = [s for key, s in scan.objects.items() if key not in accounted and _in_window(s.start_time, window)]
    rows.extend(unlisted_row(s) for s in sorted(unlisted, key=lambda s: s.key))
    for file_id, stored in trashed.items():
        copy = (tagged.get(stored.key) or stored) if stored else None
        rows.append(trashed_row(file_id, recorded.trashed[file_id], copy, recorded.hashes.get(file_id)))
    return rows


def _deep_status(row: AuditRow, outcome: str) -> str:
    if outcome == verify.MATCH:
        return row.status
    if outcome == verify.MISMATCH:
        return DIFFERS_FROM_ARCHIVE if row.archive_sha256 else CORRUPT
    return {verify.NOT_READABLE: NOT_READABLE, verify.MISSING: MISSING}.get(outcome, CHECK_FAILED)


def deep_check(
    rows: Sequence[AuditRow], scan: Scan, bucket: ArchiveBucket, *, workers: int = verify.DEEP_WORKERS
) -> list[AuditRow]:
    """Re-read and hash every intact object (trashed ones too) and compare with the hash recorded when it was archived
    (``differs_from_archive`` when it differs) or, none recorded, with its tag (``corrupt``)."""
    checked = (INTACT, INTACT_TRASHED)
    targets = [
        verify.Target(
            r.key,
            r.s3_size or 0,
            r.archive_sha256 or r.sha256_tag,
            r.version_id or None,
            scan.objects[r.key].unreadable,
        )
        for r in rows
        if r.status in checked
    ]
    by_key = {v.key: v for v in verify.verify_targets(bucket, targets, workers=workers)}
    out: list[AuditRow] = []
    for row in rows:
        found = by_key.get(row.key) if row.status in checked else None
        if found is None:
            out.append(row)
            continue
        detail = found.detail.replace("the sha256 tag", "the archive-time hash") if row.archive_sha256 else found.detail
        changes = {
            "status": _deep_status(row, found.outcome),
            "sha256_read": found.actual or "",
            "detail": "; ".join(part for part in (row.detail, detail) if part),
        }
        out.append(AuditRow(**{**row.to_dict(), **changes}))
    return out


def run_audit(
    client: ZoomClient,
    settings: ArchiveSettings,
    bucket: ArchiveBucket,
    window: Window,
    *,
    deep: bool,
    list_workers: int,
    participant_audio: str = DEFAULT_MODE,
    recorded: Recorded | None = None,
) -> Audit:
    """List Zoom for ``window`` (participant audio files as the archive lists them) and S3 for the prefix, and give
    every file (and every file of ``recorded.trashed``) its status against ``recorded`` (``deep``: re-hash too)."""
    users = client.list_users()
    planner = Planner(window=window, filters=Filters(), template=settings.key_template, prefix=settings.prefix)
    listing = plan_listing(client, users, [window], planner, workers=list_workers, participant_audio=participant_audio)
    log.info("Zoom lists %d completed files for %s (%d users)", len(listing.files), window, len(users))
    scan = scan_bucket(bucket, settings.prefix)
    recorded = (recorded or Recorded()).with_manifests(bucket, listing.files, scan)
    rows = check_files(listing.files, scan, bucket, window, recorded=recorded)
    if deep:
        rows = deep_check(rows, scan, bucket)
    return Audit(
        window=window,
        deep=deep,
        rows=rows,
        user_failures=[(f.user, f.error) for f in listing.failures],
        processing=planner.plan.not_ready,
        rejected=[(r.where, r.reason) for r in planner.plan.rejected],
        s3_objects=len(scan.objects),
        ignored_objects=len(scan.foreign),
    )
