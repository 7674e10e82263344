"""The values passed between the pipeline's stages: a planned file, the outcome of archiving it, and the typed shape of
every XCom payload (JSON types only: what Airflow stores, what the REST API and the UI show).

``discover`` hands ``archive`` one :class:`PlannedFileDict` per file (its return value, which Airflow maps over), and
``commit`` a :class:`SummaryDict` (XCom :data:`~zoom_archiver.tasks.common.SUMMARY_KEY`); each ``archive`` returns an
:class:`ArchiveResultDict` or leaves a :class:`FailureDict`; ``publish`` gets one :class:`MeetingEntry` per meeting the
run touched. Statuses are :class:`StrEnum` members, stored as their plain string values.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any, TypedDict, cast

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # pragma: no cover - Python 3.10

    class StrEnum(str, Enum):
        """A string enum whose members print as their value (Python 3.11's ``enum.StrEnum``)."""

        def __str__(self) -> str:
            return str(self.value)


#: The fields of a manifest's file entry that keep the SHA-256 and size of the bytes a run streamed from Zoom into
#: that object (the archive-time proof), whichever run wrote it: hourly, webhook, repair.
ARCHIVE_SHA256 = "archive_sha256"
ARCHIVE_SIZE = "archive_size"


class Outcome(StrEnum):
    """What archiving one file did."""

    #: the bytes were streamed from Zoom into S3 by this run
    ARCHIVED = "archived"
    #: S3 already held the file (ledger, HEAD check, or another run's write won the race)
    ALREADY_ARCHIVED = "already_archived"
    #: S3 held the file without its ``sha256`` tag: the tag was computed from the stored bytes and written
    TAG_REPAIRED = "tag_repaired"
    #: ... but the copy is in a storage class that cannot be read without a restore: reported, not repaired
    TAG_NOT_REPAIRED = "tag_not_repaired"


class MissingReason(StrEnum):
    """Why a meeting's manifest lists a file as missing."""

    PROCESSING = "processing"
    QUARANTINED = "quarantined"
    NOT_ARCHIVED = "not_archived"
    SHA256_TAG_MISSING = "sha256_tag_missing"


class PlannedFileDict(TypedDict):
    """A :class:`PlannedFile` as an XCom (see its fields)."""

    file_id: str
    derived_id: bool
    meeting_uuid: str
    meeting_id: str
    host_id: str
    host_email: str
    topic: str
    start_time: str
    file_type: str
    recording_type: str
    file_size: int | None
    download_url: str
    key: str
    content_type: str
    participant: str
    recording_start: str
    recording_end: str


@dataclass(frozen=True)
class PlannedFile:
    """One recording file to archive, with everything the transfer needs (JSON-serialisable for XCom)."""

    file_id: str
    #: Zoom gave no id (old TIMELINE/CC): the id is derived from the meeting and the file's fields
    derived_id: bool
    meeting_uuid: str
    meeting_id: str
    host_id: str
    host_email: str
    topic: str
    #: the meeting's start, ``YYYY-MM-DDTHH:MM:SSZ``
    start_time: str
    file_type: str
    recording_type: str
    #: Zoom's ``file_size`` (``None``: Zoom gave none)
    file_size: int | None
    download_url: str
    key: str
    content_type: str
    #: a participant's audio file: the participant's display name (else empty)
    participant: str = ""
    recording_start: str = ""
    recording_end: str = ""

    @property
    def start_date(self) -> str:
        return self.start_time[:10]

    @property
    def label(self) -> str:
        """Readable name for the Airflow grid (``map_index_template``)."""
        topic = self.topic if len(self.topic) <= 40 else self.topic[:39] + "…"
        kind = (self.file_type or "file") + (f" ({self.participant[:30]})" if self.participant else "")
        return f"{self.host_email} · {topic} · {kind} · {self.start_time[:16]}"

    def to_dict(self) -> PlannedFileDict:
        return cast(PlannedFileDict, asdict(self))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlannedFile:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


class _ArchiveResultBase(TypedDict):
    file_id: str
    key: str
    #: the meeting's date, ``YYYY-MM-DD``
    start_date: str
    #: an :class:`Outcome` value
    outcome: str
    size: int
    #: the SHA-256 of the stored bytes (empty when a cold copy's tag could not be read)
    sha256: str
    resumes: int


class ArchiveResultDict(_ArchiveResultBase, total=False):
    """What an ``archive`` task returns: its :class:`ArchiveResult`, and what the run report and the asset event say
    about the file."""

    meeting_uuid: str
    file_type: str
    host_email: str
    participant: str


@dataclass(frozen=True)
class ArchiveResult:
    """What happened to one file (returned as the mapped task's XCom; no secrets in it)."""

    file_id: str
    key: str
    start_date: str
    outcome: Outcome
    size: int
    sha256: str
    resumes: int = 0

    def to_dict(self) -> ArchiveResultDict:
        return ArchiveResultDict(
            file_id=self.file_id,
            key=self.key,
            start_date=self.start_date,
            outcome=str(self.outcome.value),
            size=self.size,
            sha256=self.sha256,
            resumes=self.resumes,
        )

    def but(self, **changes: Any) -> ArchiveResult:
        """This result with some fields changed."""
        return ArchiveResult(**{**asdict(self), **changes})


class FailureDict(TypedDict):
    """What a failed ``archive`` task leaves for ``commit`` (XCom :data:`~zoom_archiver.tasks.common.FAILURE_KEY`)."""

    file_id: str
    key: str
    #: no later run can succeed without a change by a person: the file is quarantined at once
    permanent: bool
    #: the error, safe to log (no URL with a query, no token)
    error: str


class MeetingInfo(TypedDict):
    """A meeting as its manifest describes it."""

    uuid: str
    id: int | str | None
    topic: str
    host_id: str
    host_email: str
    start_time: str
    timezone: str
    duration: int | None
    type: int | None


def unknown_meeting(uuid: str) -> MeetingInfo:
    """What is known of a meeting whose listing was not seen: its UUID."""
    return MeetingInfo(
        uuid=uuid, id=None, topic="", host_id="", host_email="", start_time="", timezone="", duration=None, type=None
    )


class FileEntry(TypedDict):
    """A file of a meeting entry: what its manifest keeps of the planned file, and where it should be in S3."""

    file_id: str
    file_type: str
    recording_type: str
    participant: str
    recording_start: str
    recording_end: str
    key: str
    zoom_size: int | None


class MeetingEntry(TypedDict):
    """One meeting a run touched, for its manifest (XCom :data:`~zoom_archiver.tasks.common.MEETINGS_KEY`)."""

    meeting: MeetingInfo
    #: every completed file Zoom lists for the meeting
    files: list[FileEntry]
    #: ids of the files still processing in Zoom
    processing: list[str]
    #: ``[file id, reason]`` of the quarantined files
    quarantined: list[list[str]]


class SummaryDict(TypedDict, total=False):
    """What ``discover`` tells ``commit`` about the run (a :class:`~zoom_archiver.discover.summary.DiscoverSummary`;
    XCom :data:`~zoom_archiver.tasks.common.SUMMARY_KEY`). Pairs are two-item lists: an XCom is JSON."""

    #: pushed when ``discover`` starts, replaced when it ends: ``commit`` then knows discover did not finish
    incomplete: bool
    windows: list[list[str]]
    dry_run: bool
    unfiltered: bool
    #: ``[file id, meeting date]`` of this run's files
    planned: list[list[str]]
    backlog: int
    leftover_days: list[str]
    rebuilt: list[list[str]]
    quarantined: list[list[str]]
    released: list[str]
    user_failures: list[list[str]]
    stale_processing: int
    outside_window: int
    rejected: list[list[str]]
    rejected_count: int
    api_calls: int
    rate_limited: int
    skipped: dict[str, int]
    #: file id -> ``"<sha256 hex>:<size>"``: the archive-time hashes the manifests keep for files found in S3
    found_hashes: dict[str, str]


def file_entry(planned: PlannedFile) -> FileEntry:
    """What a meeting entry keeps of one planned file."""
    return FileEntry(
        file_id=planned.file_id,
        file_type=planned.file_type,
        recording_type=planned.recording_type,
        participant=planned.participant,
        recording_start=planned.recording_start,
        recording_end=planned.recording_end,
        key=planned.key,
        zoom_size=planned.file_size,
    )
