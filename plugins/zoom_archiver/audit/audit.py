"""The audit: is every Zoom recording file of a date range in S3, intact? It reads, it never writes or deletes.

Zoom is listed exactly as the archiver lists it (:func:`~zoom_archiver.discover.listing.plan_listing` with a
:class:`~zoom_archiver.discover.planning.Planner` and the configured key template), so each file's expected key is the
key
the archiver writes. S3 is listed under the prefix (ListObjectsV2), every object HEADed (in parallel) for our
metadata, and the ``sha256`` tag read for the objects Zoom's files point at. Each file gets one status:

* ``intact``: the key holds the file (``zoom-file-id``), with Zoom's size, and has a ``sha256`` tag (with ``deep``:
  and its bytes, read back now, hash to that tag);
* problems (they fail the audit): ``missing``, ``id_mismatch`` (the key holds another file, or an object without
  our metadata), ``size_mismatch``, ``tag_missing``, ``corrupt`` (deep: the bytes do not hash to the tag),
  ``check_failed`` (deep: reading the object failed);
* reported, not a failure: ``not_readable`` (deep: an archive storage class, restore first) and ``not_in_zoom``
  (an archived object of the range that Zoom no longer lists, e.g. trashed in Zoom: kept).

Objects without ``zoom-file-id`` (a per-meeting ``manifest.json``, the audit's own reports under ``<prefix>/_audit/``)
are not recording files and are left out.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from zoom_archiver.audit.scan import SCAN_WORKERS, Scan, StoredObject, scan_bucket, with_tags
from zoom_archiver.dates import Window, parse_date_param
from zoom_archiver.discover.listing import DEFAULT_MODE, plan_listing
from zoom_archiver.discover.planning import Filters, Planner
from zoom_archiver.model import PlannedFile
from zoom_archiver.s3 import verify
from zoom_archiver.s3.metadata import OTHER_FILE, OTHER_SIZE, identity_mismatch

if TYPE_CHECKING:
    from zoom_archiver.s3.bucket import ArchiveBucket
    from zoom_archiver.settings import ArchiveSettings
    from zoom_archiver.zoom.client import ZoomClient

log = logging.getLogger(__name__)

#: Days an audit without dates covers, ending yesterday (today's files may not be archived yet).
DEFAULT_DAYS = 30

INTACT = "intact"
MISSING = "missing"
ID_MISMATCH = "id_mismatch"
SIZE_MISMATCH = "size_mismatch"
TAG_MISSING = "tag_missing"
CORRUPT = "corrupt"
CHECK_FAILED = "check_failed"
NOT_READABLE = "not_readable"
NOT_IN_ZOOM = "not_in_zoom"
STATUSES = (INTACT, MISSING, ID_MISMATCH, SIZE_MISMATCH, TAG_MISSING, CORRUPT, CHECK_FAILED, NOT_READABLE, NOT_IN_ZOOM)
PROBLEMS = frozenset({MISSING, ID_MISMATCH, SIZE_MISMATCH, TAG_MISSING, CORRUPT, CHECK_FAILED})
_DEEP_STATUS = {
    verify.MATCH: INTACT,
    verify.NOT_READABLE: NOT_READABLE,
    verify.MISMATCH: CORRUPT,
    verify.MISSING: MISSING,
}


@dataclass(frozen=True)
class AuditRow:
    """One line of the report: a Zoom file or an archived object, and its status."""

    status: str
    key: str
    file_id: str
    meeting_uuid: str = ""
    host_email: str = ""
    file_type: str = ""
    start_time: str = ""
    zoom_size: int | None = None
    s3_size: int | None = None
    sha256_tag: str = ""
    sha256_read: str = ""
    storage_class: str = ""
    version_id: str = ""
    detail: str = ""

    @property
    def problem(self) -> bool:
        return self.status in PROBLEMS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Audit:
    """The outcome of one audit: a row per Zoom file and per archived object Zoom no longer lists."""

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
        """Whether the audit must fail its run: a problem, or users whose listing failed (the proof is partial)."""
        return bool(self.problems or self.user_failures)


def audit_window(from_date: Any, to_date: Any, *, today: date) -> Window:
    """The meeting dates to audit (UTC, inclusive): the trigger's, else the :data:`DEFAULT_DAYS` up to yesterday."""
    start = parse_date_param(from_date, "from_date")
    end = parse_date_param(to_date, "to_date") or today - timedelta(days=1)
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        from zoom_archiver.errors import ConfigurationError

        raise ConfigurationError(f"to_date {end} is before from_date {start}")
    return Window(start, end, scheduled=False)


def _in_window(stored: StoredObject, window: Window) -> bool:
    """Whether the object's meeting started in ``window`` (an object without a start time is counted in)."""
    try:
        return date.fromisoformat(stored.start_time[:10]) in window
    except ValueError:
        return True


def _file_row(planned: PlannedFile, status: str, stored: StoredObject | None, detail: str = "") -> AuditRow:
    return AuditRow(
        status=status,
        key=planned.key,
        file_id=planned.file_id,
        meeting_uuid=planned.meeting_uuid,
        host_email=planned.host_email,
        file_type=planned.file_type,
        start_time=planned.start_time,
        zoom_size=planned.file_size,
        s3_size=stored.size if stored else None,
        sha256_tag=(stored.sha256_tag or "") if stored else "",
        storage_class=stored.storage_class if stored else "",
        version_id=(stored.version_id or "") if stored else "",
        detail=detail,
    )


def classify(planned: PlannedFile, stored: StoredObject | None, *, foreign: bool = False) -> AuditRow:
    """The status of one Zoom file from what its key holds (the tag already read when there is an object)."""
    if stored is None:
        if foreign:
            return _file_row(planned, ID_MISMATCH, None, "the key holds an object without zoom-file-id")
        return _file_row(planned, MISSING, None, "no object at the key")
    mismatch = identity_mismatch(stored.file_id, stored.size, planned.file_id, planned.file_size)
    if mismatch == OTHER_FILE:
        return _file_row(planned, ID_MISMATCH, stored, f"the key holds zoom-file-id {stored.file_id!r}")
    if mismatch == OTHER_SIZE:
        return _file_row(planned, SIZE_MISMATCH, stored, f"{stored.size} bytes in S3, {planned.file_size} in Zoom")
    if not stored.sha256_tag and stored.tag_refused:
        return _file_row(planned, NOT_READABLE, stored, stored.unreadable or "S3 refused to read its tags")
    if not stored.sha256_tag:
        return _file_row(planned, TAG_MISSING, stored, "no sha256 tag")
    return _file_row(planned, INTACT, stored)


def unlisted_row(stored: StoredObject) -> AuditRow:
    """An archived object of the range that Zoom no longer lists (trashed or deleted in Zoom): kept, reported."""
    return AuditRow(
        status=NOT_IN_ZOOM,
        key=stored.key,
        file_id=stored.file_id,
        meeting_uuid=stored.meeting_uuid,
        start_time=stored.start_time,
        s3_size=stored.size,
        storage_class=stored.storage_class,
        version_id=stored.version_id or "",
        detail="archived; Zoom no longer lists it (kept)",
    )


def check_files(
    files: Sequence[PlannedFile], scan: Scan, bucket: ArchiveBucket, window: Window, *, workers: int = SCAN_WORKERS
) -> list[AuditRow]:
    """A row per Zoom file (tags read for the files whose key holds them, same size), then a row per archived object
    of ``window`` that no Zoom file points at."""
    wanted = {f.key for f in files}
    candidates = [
        scan.objects[f.key]
        for f in files
        if f.key in scan.objects
        and identity_mismatch(scan.objects[f.key].file_id, scan.objects[f.key].size, f.file_id, f.file_size) is None
    ]
    tagged = with_tags(bucket, candidates, workers)
    rows = [classify(f, tagged.get(f.key) or scan.objects.get(f.key), foreign=f.key in scan.foreign) for f in files]
    unlisted = [s for key, s in scan.objects.items() if key not in wanted and _in_window(s, window)]
    rows.extend(unlisted_row(s) for s in sorted(unlisted, key=lambda s: s.key))
    return rows


def deep_check(
    rows: Sequence[AuditRow], scan: Scan, bucket: ArchiveBucket, *, workers: int = verify.DEEP_WORKERS
) -> list[AuditRow]:
    """Re-read and hash every intact object; a hash that differs from the tag makes the file ``corrupt``."""
    targets = [
        verify.Target(r.key, r.s3_size or 0, r.sha256_tag, r.version_id or None, scan.objects[r.key].unreadable)
        for r in rows
        if r.status == INTACT
    ]
    by_key = {v.key: v for v in verify.verify_targets(bucket, targets, workers=workers)}
    out: list[AuditRow] = []
    for row in rows:
        found = by_key.get(row.key) if row.status == INTACT else None
        if found is None:
            out.append(row)
            continue
        status = _DEEP_STATUS.get(found.outcome, CHECK_FAILED)
        changes = {"status": status, "sha256_read": found.actual or "", "detail": found.detail}
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
) -> Audit:
    """List Zoom for ``window`` (participant audio files as the archive lists them) and S3 for the prefix, and give
    every file its status (``deep``: re-hash too)."""
    users = client.list_users()
    planner = Planner(window=window, filters=Filters(), template=settings.key_template, prefix=settings.prefix)
    listing = plan_listing(client, users, [window], planner, workers=list_workers, participant_audio=participant_audio)
    log.info("Zoom lists %d completed files for %s (%d users)", len(listing.files), window, len(users))
    scan = scan_bucket(bucket, settings.prefix)
    rows = check_files(listing.files, scan, bucket, window)
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
