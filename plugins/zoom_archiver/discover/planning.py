"""From Zoom listings to the files to archive: a :class:`Planner` per run, pure (no I/O).

A malformed record never stops the run: it becomes a :class:`~zoom_archiver.zoom.records.Rejected` entry with its
reason, and every other file is still planned. Windows are in :mod:`zoom_archiver.dates`, record validation in
:mod:`zoom_archiver.zoom.records`, keys in :mod:`zoom_archiver.keys`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zoom_archiver.dates import Window
from zoom_archiver.errors import InvalidRecord
from zoom_archiver.keys import file_key, meeting_fields
from zoom_archiver.model import MeetingEntry, MeetingInfo, PlannedFile, file_entry, unknown_meeting
from zoom_archiver.zoom.records import (
    FileRecord,
    MeetingRecord,
    clean_text,
    meeting_where,
    read_file,
    read_meeting,
)

#: A rejection's ``where`` and ``reason`` are cut to this many characters (they go to logs and XCom).
MAX_REPORT_CHARS = 300


@dataclass(frozen=True)
class Rejected:
    """A record that could not be planned, and why (both texts bounded and safe to log)."""

    where: str
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "where", clean_text(self.where, MAX_REPORT_CHARS))
        object.__setattr__(self, "reason", clean_text(self.reason, MAX_REPORT_CHARS))


@dataclass(frozen=True)
class Filters:
    """Optional trigger filters: file types (upper case) and host e-mails (lower case)."""

    file_types: frozenset[str] = frozenset()
    user_emails: frozenset[str] = frozenset()

    @classmethod
    def from_params(cls, file_types: Iterable[str] | None, user_emails: Iterable[str] | None) -> Filters:
        return cls(
            frozenset(t.strip().upper() for t in file_types or () if t and t.strip()),
            frozenset(e.strip().lower() for e in user_emails or () if e and e.strip()),
        )

    def admits(self, file: PlannedFile) -> bool:
        """Whether the file-type filter keeps ``file`` (hosts are filtered once, in :meth:`select_users`)."""
        return not self.file_types or file.file_type in self.file_types

    def select_users(self, users: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
        """The users whose meetings are listed, and the filter's e-mails that match no user."""
        if not self.user_emails:
            return list(users), []
        known = {str(u.get("email", "")).lower() for u in users}
        selected = [u for u in users if str(u.get("email", "")).lower() in self.user_emails]
        return selected, sorted(self.user_emails - known)


@dataclass
class Plan:
    """The outcome of planning one listing."""

    files: list[PlannedFile] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    not_ready_days: list[str] = field(default_factory=list)  # meeting dates of files still processing
    filtered_out: int = 0
    #: files of meetings that started outside the listed window (Zoom lists recurring meetings by their recording
    #: dates): archived like the others, and counted so the log says why a file of another date appears
    outside_window: int = 0
    #: the meetings planned, by uuid (what their manifests describe:
    # :func:`zoom_archiver.publish.manifest.meeting_info`)
    meetings: dict[str, MeetingInfo] = field(default_factory=dict)
    #: files the trigger's file-type filter left out (a manifest still lists them when S3 holds them)
    filtered: list[PlannedFile] = field(default_factory=list)
    #: ``(meeting uuid, file id)`` of files still processing (a manifest lists them as missing)
    processing: list[tuple[str, str]] = field(default_factory=list)
    #: why a meeting cannot be proven whole: a file still processing or unreadable (meeting uuid -> reasons)
    blocked: dict[str, list[str]] = field(default_factory=dict)

    @property
    def not_ready(self) -> int:
        """Files still processing: they stay owed and a later run takes them."""
        return len(self.not_ready_days)


class Planner:
    """Plans the meetings of one run's listing into :attr:`plan`.

    :param window: the meeting dates this run lists (a meeting Zoom lists with another start date is planned too,
        and counted in :attr:`Plan.outside_window`).
    :param filters: the trigger's file-type and host filters.
    :param template: the key template; :param prefix: the archive prefix.
    """

    def __init__(self, *, window: Window | Sequence[Window], filters: Filters, template: str, prefix: str) -> None:
        self.windows = (window,) if isinstance(window, Window) else tuple(window)
        self.filters = filters
        self.template = template
        self.prefix = prefix
        self.plan = Plan()
        self.meetings = 0

    def add(self, meeting: Any, host: Mapping[str, Any] | Any) -> None:
        """Plan the files of one meeting. Never raises for bad data: each file is planned, counted as not ready
        or filtered out, or rejected with its reason."""
        self.meetings += 1
        try:
            self._add(meeting, host)
        except Exception as exc:  # a malformed record must never stop the run
            reason = f"unreadable meeting record ({type(exc).__name__}: {exc})"
            self.plan.rejected.append(Rejected("meeting", reason))

    def _add(self, meeting: Any, host: Any) -> None:
        where = meeting_where(meeting)
        try:
            record = read_meeting(meeting, host)
        except InvalidRecord as exc:
            self.plan.rejected.append(Rejected(where, str(exc)))
            return
        if record.files is None:
            return  # no files: "Recording was not saved because it is too short"
        if not isinstance(record.files, list):
            self.plan.rejected.append(Rejected(where, "recording_files is not a list"))
            return
        fields = meeting_fields(record)
        self.plan.meetings.setdefault(record.uuid, record.info())
        before = len(self.plan.files)
        for index, raw in enumerate(record.files):
            self._add_file(raw, record, fields, f"{where} file #{index}")
        for index, raw in enumerate(record.participant_files):
            self._add_file(raw, record, fields, f"{where} participant audio #{index}", participant=True)
        if not any(record.start.date() in window for window in self.windows):
            self.plan.outside_window += len(self.plan.files) - before

    def _add_file(
        self, raw: Any, meeting: MeetingRecord, fields: dict[str, str], where: str, *, participant: bool = False
    ) -> None:
        try:
            record = read_file(raw, meeting.uuid, participant=participant)
            planned = None if record is None else planned_file(meeting, record, self._key(fields, record))
        except Exception as exc:  # InvalidRecord, or anything a hostile record provokes
            file_id = raw.get("id") if isinstance(raw, Mapping) else None
            reason = str(exc) if isinstance(exc, InvalidRecord) else f"unreadable file record ({type(exc).__name__})"
            label = clean_text(file_id, 80) if isinstance(file_id, str) else ""
            self.plan.rejected.append(Rejected(f"{where} {label}".strip(), reason))
            self.plan.blocked.setdefault(meeting.uuid, []).append(f"unreadable file record: {reason}")
            return
        if planned is None:
            self.plan.not_ready_days.append(meeting.start.date().isoformat())
            file_id = raw.get("id")
            self.plan.processing.append((meeting.uuid, clean_text(file_id, 80) if isinstance(file_id, str) else ""))
            self.plan.blocked.setdefault(meeting.uuid, []).append("a file is still processing in Zoom")
        elif not self.filters.admits(planned):
            self.plan.filtered_out += 1
            self.plan.filtered.append(planned)  # not archived by this run, but its meeting's manifest lists it
        else:
            self.plan.files.append(planned)

    def _key(self, fields: dict[str, str], record: FileRecord) -> str:
        return file_key(self.template, self.prefix, fields, record)

    def files(self) -> list[PlannedFile]:
        """The planned files, each file id once (conflicts are added to the rejections)."""
        files, rejected = dedupe(self.plan.files)
        self.plan.rejected.extend(rejected)
        return files


def planned_file(meeting: MeetingRecord, record: FileRecord, key: str) -> PlannedFile:
    """The file to archive: a file ``record`` of ``meeting``, stored at ``key``."""
    return PlannedFile(
        file_id=record.file_id,
        derived_id=record.derived_id,
        meeting_uuid=meeting.uuid,
        meeting_id=meeting.meeting_id,
        host_id=meeting.host_id,
        host_email=meeting.host_email,
        topic=meeting.topic,
        start_time=meeting.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        file_type=record.file_type,
        recording_type=record.recording_type,
        file_size=record.file_size,
        download_url=record.download_url,
        key=key,
        content_type=record.content_type,
        participant=record.participant,
        recording_start=record.recording_start,
        recording_end=record.recording_end,
    )


def dedupe(files: Iterable[PlannedFile]) -> tuple[list[PlannedFile], list[Rejected]]:
    """Keep the first occurrence of each file id (a meeting can appear in two windows); report true conflicts."""
    seen: dict[str, PlannedFile] = {}
    keys: dict[str, str] = {}
    rejected: list[Rejected] = []
    for item in files:
        previous = seen.get(item.file_id)
        if previous is not None:
            if previous.meeting_uuid != item.meeting_uuid:
                reason = f"duplicate file id in meetings {previous.meeting_uuid!r} and {item.meeting_uuid!r}"
                rejected.append(Rejected(f"file {item.file_id}", reason + "; archived once"))
            elif previous.key != item.key:  # the same meeting listed twice is fine; two different files are not
                reason = f"file id listed twice in meeting {item.meeting_uuid!r} with different attributes"
                rejected.append(Rejected(f"file {item.file_id}", reason + "; archived once"))
            continue
        if item.key in keys:
            rejected.append(Rejected(f"file {item.file_id}", f"key collides with file {keys[item.key]}"))
            continue
        seen[item.file_id] = item
        keys[item.key] = item.file_id
    return list(seen.values()), rejected


def select_batch(
    files: Iterable[PlannedFile], archived: Mapping[str, Any], *, cap: int, force: bool = False
) -> tuple[list[PlannedFile], list[PlannedFile]]:
    """New files, oldest first, split into ``(this run's batch, backlog for later runs)``."""
    new = [f for f in files if force or f.file_id not in archived]
    new.sort(key=lambda f: (f.start_time, f.meeting_uuid, f.file_id))
    return new[:cap], new[cap:]


def meeting_entries(
    meetings: Mapping[str, MeetingInfo],
    files: Sequence[PlannedFile],
    processing: Sequence[tuple[str, str]],
    quarantined: Sequence[tuple[str, str]],
    touched: Iterable[str],
) -> list[MeetingEntry]:
    """One entry per touched meeting (JSON types only, an XCom): the meeting, every completed file Zoom lists for
    it, its files still processing and its quarantined files (``(file id, reason)``)."""
    wanted = set(touched)
    by_meeting: dict[str, dict[str, PlannedFile]] = {}
    for item in files:  # each file id once (a meeting listed in two windows)
        if item.meeting_uuid in wanted:
            by_meeting.setdefault(item.meeting_uuid, {}).setdefault(item.file_id, item)
    reasons = dict(quarantined)
    entries = []
    for uuid in sorted(by_meeting):
        listed = list(by_meeting[uuid].values())
        entries.append(
            MeetingEntry(
                meeting=meetings.get(uuid) or unknown_meeting(uuid),
                files=[file_entry(f) for f in listed],
                processing=sorted(fid for m, fid in processing if m == uuid),
                quarantined=[[f.file_id, reasons[f.file_id]] for f in listed if f.file_id in reasons],
            )
        )
    return entries
