"""The audit's rows: the statuses, one row per file or object, and how one file gets its status from what S3 holds,
its ``sha256`` tag and the hash recorded when it was archived (see :mod:`zoom_archiver.audit.audit`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from zoom_archiver.audit.scan import StoredObject
from zoom_archiver.model import PlannedFile
from zoom_archiver.s3.metadata import OTHER_FILE, OTHER_SIZE, identity_mismatch

INTACT = "intact"
MISSING = "missing"
ID_MISMATCH = "id_mismatch"
SIZE_MISMATCH = "size_mismatch"
TAG_MISSING = "tag_missing"
CORRUPT = "corrupt"
CHECK_FAILED = "check_failed"
NOT_READABLE = "not_readable"
NOT_IN_ZOOM = "not_in_zoom"
DIFFERS_FROM_ARCHIVE = "differs_from_archive"
INTACT_TRASHED = "intact_trashed"
STATUSES = (
    *(INTACT, MISSING, ID_MISMATCH, SIZE_MISMATCH, TAG_MISSING, CORRUPT, CHECK_FAILED, NOT_READABLE, NOT_IN_ZOOM),
    *(DIFFERS_FROM_ARCHIVE, INTACT_TRASHED),
)
PROBLEMS = frozenset({MISSING, ID_MISMATCH, SIZE_MISMATCH, TAG_MISSING, CORRUPT, CHECK_FAILED, DIFFERS_FROM_ARCHIVE})
#: A file's SHA-256 (hex) and size recorded when it was archived (the ledger's or a repair's ``hashes``).
ArchiveHash = tuple[str, int]


@dataclass(frozen=True)
class AuditRow:
    """One line of the report: a Zoom file, a file the reclaim trashed in Zoom, or an archived object, and its status.

    ``archive_sha256``/``archive_size``: the hash recorded when it was archived (empty: none is recorded, it is then
    proven against its own tag only); ``trashed_at``: when the reclaim trashed it in Zoom (empty: it did not).
    """

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
    archive_sha256: str = ""
    archive_size: int | None = None
    trashed_at: str = ""

    @property
    def problem(self) -> bool:
        return self.status in PROBLEMS

    @property
    def audited_file(self) -> bool:
        """Whether the row is a file the audit must prove (Zoom's, or trashed by the reclaim), not a kept extra."""
        return self.status != NOT_IN_ZOOM

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _stored_fields(stored: StoredObject | None) -> dict[str, Any]:
    if stored is None:
        return {}
    return {
        "s3_size": stored.size,
        "sha256_tag": stored.sha256_tag or "",
        "storage_class": stored.storage_class,
        "version_id": stored.version_id or "",
    }


def _recorded_fields(recorded: ArchiveHash | None) -> dict[str, Any]:
    return {"archive_sha256": recorded[0], "archive_size": recorded[1]} if recorded else {}


def stored_status(stored: StoredObject, recorded: ArchiveHash | None, intact: str) -> tuple[str, str]:
    """The status of an object that holds the right file (its tag read), against the archive-time hash if any."""
    if recorded is not None and stored.size != recorded[1]:
        return SIZE_MISMATCH, f"{stored.size} bytes in S3, {recorded[1]} archived"
    if not stored.sha256_tag and stored.tag_refused:
        return NOT_READABLE, stored.unreadable or "S3 refused to read its tags"
    if not stored.sha256_tag:
        return TAG_MISSING, "no sha256 tag"
    if recorded is not None and stored.sha256_tag.strip().lower() != recorded[0]:
        return DIFFERS_FROM_ARCHIVE, "its sha256 tag differs from the hash recorded when it was archived"
    return intact, ""


def file_row(
    planned: PlannedFile,
    status: str,
    stored: StoredObject | None,
    detail: str = "",
    recorded: ArchiveHash | None = None,
) -> AuditRow:
    return AuditRow(
        status=status,
        key=planned.key,
        file_id=planned.file_id,
        meeting_uuid=planned.meeting_uuid,
        host_email=planned.host_email,
        file_type=planned.file_type,
        start_time=planned.start_time,
        zoom_size=planned.file_size,
        detail=detail,
        **_stored_fields(stored),
        **_recorded_fields(recorded),
    )


def classify(
    planned: PlannedFile, stored: StoredObject | None, *, foreign: bool = False, recorded: ArchiveHash | None = None
) -> AuditRow:
    """The status of one Zoom file from what its key holds (the tag already read when there is an object) and the
    hash recorded when it was archived (``recorded``; without one, its own tag is all there is to check)."""
    if stored is None:
        detail = "the key holds an object without zoom-file-id" if foreign else "no object at the key"
        return file_row(planned, ID_MISMATCH if foreign else MISSING, None, detail, recorded)
    mismatch = identity_mismatch(stored.file_id, stored.size, planned.file_id, planned.file_size)
    if mismatch == OTHER_FILE:
        return file_row(planned, ID_MISMATCH, stored, f"the key holds zoom-file-id {stored.file_id!r}", recorded)
    if mismatch == OTHER_SIZE:
        detail = f"{stored.size} bytes in S3, {planned.file_size} in Zoom"
        return file_row(planned, SIZE_MISMATCH, stored, detail, recorded)
    status, detail = stored_status(stored, recorded, INTACT)
    return file_row(planned, status, stored, detail, recorded)


def unlisted_row(stored: StoredObject) -> AuditRow:
    """An archived object of the range that Zoom no longer lists (trashed or deleted in Zoom): kept, reported."""
    return AuditRow(
        status=NOT_IN_ZOOM,
        key=stored.key,
        file_id=stored.file_id,
        meeting_uuid=stored.meeting_uuid,
        start_time=stored.start_time,
        detail="archived; Zoom no longer lists it (kept)",
        **_stored_fields(stored),
    )


def trashed_row(
    file_id: str, entry: Mapping[str, Any], stored: StoredObject | None, recorded: ArchiveHash | None
) -> AuditRow:
    """A file the reclaim trashed in Zoom (``entry``: its record) and its copy (found by ``zoom-file-id``, tag read):
    the copy must still be there, with the archived size and (with ``recorded``) the archived hash."""
    at = str(entry.get("at") or "")
    base: dict[str, Any] = {"file_id": file_id, "trashed_at": at, **_recorded_fields(recorded)}
    if stored is None:
        meeting = str(entry.get("meeting") or "")
        detail = f"trashed in Zoom at {at}; no object with this zoom-file-id under the prefix"
        return AuditRow(status=MISSING, key="", meeting_uuid=meeting, detail=detail, **base)
    size = entry.get("size")
    expected = recorded[1] if recorded else size if isinstance(size, int) and size > 0 else None
    if expected is not None and stored.size != expected:
        status, detail = SIZE_MISMATCH, f"{stored.size} bytes in S3, {expected} archived"
    else:
        status, detail = stored_status(stored, recorded, INTACT_TRASHED)
    where: dict[str, Any] = {"key": stored.key, "meeting_uuid": stored.meeting_uuid, "start_time": stored.start_time}
    detail = "; ".join(part for part in (f"trashed in Zoom at {at}", detail) if part)
    return AuditRow(status=status, detail=detail, **where, **_stored_fields(stored), **base)
