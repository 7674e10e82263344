"""From Zoom listings to the list of files to archive: pure functions, no I/O.

A malformed record never stops the run: it becomes a :class:`Rejected` entry with its reason, and every other
file is still planned.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from zoom_archiver.errors import ConfigurationError, InvalidRecord
from zoom_archiver.keys import encode_uuid, render_key, slugify

#: File types whose extension Zoom did not always send (before ~2021 there was no ``file_extension``).
EXTENSION_BY_TYPE = {
    "MP4": "mp4", "M4A": "m4a", "TIMELINE": "json", "TRANSCRIPT": "vtt", "CC": "vtt", "CHAT": "txt",
    "CHAT_MESSAGE": "txt", "CSV": "csv", "SUMMARY": "json", "TB": "jpg",
}  # fmt: skip
CONTENT_TYPE_BY_EXTENSION = {
    "mp4": "video/mp4", "m4a": "audio/mp4", "json": "application/json", "vtt": "text/vtt", "txt": "text/plain",
    "csv": "text/csv", "jpg": "image/jpeg", "png": "image/png",
}  # fmt: skip


@dataclass(frozen=True)
class Window:
    """An inclusive range of UTC dates; ``scheduled`` when it came from the look-back, not from the trigger."""

    start: date
    end: date
    scheduled: bool = True

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


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


@dataclass(frozen=True)
class PlannedFile:
    """One recording file to archive, with everything the transfer needs (JSON-serialisable for XCom)."""

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

    @property
    def start_date(self) -> str:
        return self.start_time[:10]

    @property
    def label(self) -> str:
        """Readable name for the Airflow grid (``map_index_template``)."""
        topic = self.topic if len(self.topic) <= 40 else self.topic[:39] + "…"
        return f"{self.host_email} · {topic} · {self.file_type or 'file'} · {self.start_time[:16]}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlannedFile:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


#: A rejection's ``where`` and ``reason`` are cut to this many characters (they go to logs and XCom).
MAX_REPORT_CHARS = 300
#: The topic kept in a planned file (the key uses its slug, bounded separately).
MAX_TOPIC_CHARS = 500
#: Zoom ids and UUIDs are short; anything longer than this is not one.
MAX_ID_CHARS = 256
#: Key parts holding any of these (controls, whitespace, separators) are slugified before use in a key.
_KEY_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f/\\\u2028\u2029]")
_PRINTABLE_ASCII_ID = re.compile(r"^[\x21-\x7e]+$")


def clean_text(value: Any, limit: int | None = None) -> str:
    """``value`` as text that can be encoded (lone surrogates from JSON become ``?``), optionally cut."""
    text = value if isinstance(value, str) else str(value)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.encode("utf-8", "replace").decode("utf-8")


@dataclass(frozen=True)
class Rejected:
    """A record that could not be planned, and why (both texts bounded and safe to log)."""

    where: str
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "where", clean_text(self.where, MAX_REPORT_CHARS))
        object.__setattr__(self, "reason", clean_text(self.reason, MAX_REPORT_CHARS))


@dataclass
class Plan:
    """The outcome of planning one listing."""

    files: list[PlannedFile] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    not_ready: int = 0  # files still processing: a later run takes them
    filtered_out: int = 0


def parse_date_param(value: Any, name: str) -> date | None:
    """A trigger date (``YYYY-MM-DD``, UTC) or ``None``; anything else is a clear configuration error."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return (parsed.astimezone(UTC) if parsed.tzinfo else parsed).date()
        except ValueError:
            pass
    raise ConfigurationError(f"{name} must be a UTC date like 2026-01-31, got {value!r}")


def resolve_window(
    from_date: Any, to_date: Any, *, today: date, lookback_days: int, backlog_from: date | None = None
) -> Window:
    """The dates to list: the trigger's ``from_date``/``to_date`` (inclusive), else the look-back.

    A scheduled run also reaches back to ``backlog_from`` when earlier runs left files behind.
    """
    start = parse_date_param(from_date, "from_date")
    end = parse_date_param(to_date, "to_date")
    if start is None and end is None:
        start = today - timedelta(days=lookback_days)
        if backlog_from is not None and backlog_from < start:
            start = backlog_from
        return Window(start, today, scheduled=True)
    if end is None:
        end = today
    if start is None:
        start = end - timedelta(days=lookback_days)
    if end < start:
        raise ConfigurationError(f"to_date {end} is before from_date {start}")
    return Window(start, end, scheduled=False)


def parse_zoom_time(value: Any) -> datetime:
    """Parse Zoom's ``2024-11-29T16:51:20Z`` timestamps (always UTC)."""
    if not isinstance(value, str) or not value:
        raise InvalidRecord(f"timestamp {value!r} is missing or not a string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRecord(f"timestamp {value[:40]!r} is not ISO-8601") from None
    if parsed.tzinfo is None:
        raise InvalidRecord(f"timestamp {value[:40]!r} has no timezone")
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidRecord(f"timestamp {value[:40]!r} is out of range") from None


def derived_file_id(meeting_uuid: str, record: Mapping[str, Any]) -> str:
    """A stable id for files Zoom sends without one (old TIMELINE/CC entries)."""
    parts = [meeting_uuid] + [str(record.get(k) or "") for k in ("file_type", "recording_start", "recording_end")]
    return "d-" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


def _key_part(value: str, max_bytes: int = 200) -> str:
    """A template field that is safe in a key: kept as it is unless it holds controls, whitespace or separators,
    is a dot segment or is too long; then it is slugified."""
    if not value:
        return value
    if _KEY_UNSAFE.search(value) or value in (".", "..") or len(value.encode()) > max_bytes:
        return slugify(value, max_bytes=max_bytes)
    return value


def download_form(url: str) -> str:
    """A TRANSCRIPT's ``download_url`` is sometimes its play page (``/rec/play/``, formerly ``/recording/play/``);
    its file lives at the matching ``download`` path."""
    parts = urlsplit(url)
    for play, download in (("/rec/play/", "/rec/download/"), ("/recording/play/", "/recording/download/")):
        if play in parts.path:
            return urlunsplit(parts._replace(path=parts.path.replace(play, download, 1)))
    return url


def file_extension(record: Mapping[str, Any], file_type: str) -> str:
    ext = record.get("file_extension")
    if isinstance(ext, str) and ext.strip():
        return slugify(clean_text(ext.strip().lower(), 100), max_bytes=10)
    return EXTENSION_BY_TYPE.get(file_type, slugify(file_type.lower(), max_bytes=10) if file_type else "bin")


def plan_meeting(
    meeting: Any,
    host: Mapping[str, Any],
    *,
    window: Window,
    filters: Filters,
    template: str,
    prefix: str,
    plan: Plan,
) -> None:
    """Add the archivable files of one meeting to ``plan`` (rejections and skips are counted there).

    Never raises for bad data: whatever a meeting or file record holds, it is planned, counted as not ready or
    filtered out, or rejected with its reason.
    """
    try:
        _plan_meeting(meeting, host, window=window, filters=filters, template=template, prefix=prefix, plan=plan)
    except Exception as exc:  # a malformed record must never stop the run
        plan.rejected.append(Rejected("meeting", f"unreadable meeting record ({type(exc).__name__}: {exc})"))


def _plan_meeting(
    meeting: Any,
    host: Any,
    *,
    window: Window,
    filters: Filters,
    template: str,
    prefix: str,
    plan: Plan,
) -> None:
    if not isinstance(meeting, Mapping):
        plan.rejected.append(Rejected("meeting", f"meeting record is a {type(meeting).__name__}, not an object"))
        return
    if not isinstance(host, Mapping):
        host = {}
    uuid = meeting.get("uuid")
    where = f"meeting {uuid!r}" if isinstance(uuid, str) else "meeting"
    try:
        if not isinstance(uuid, str) or not uuid:
            raise InvalidRecord("meeting has no uuid")
        if len(uuid) > MAX_ID_CHARS:
            raise InvalidRecord(f"meeting uuid is {len(uuid)} characters long, not a Zoom uuid")
        uuid = clean_text(uuid)
        start = parse_zoom_time(meeting.get("start_time"))
    except InvalidRecord as exc:
        plan.rejected.append(Rejected(where, str(exc)))
        return
    if not window.start <= start.date() <= window.end:
        return
    files = meeting.get("recording_files")
    if files is None:  # "Recording was not saved because it is too short": nothing to archive
        return
    if not isinstance(files, list):
        plan.rejected.append(Rejected(where, "recording_files is not a list"))
        return
    host_email = clean_text(host.get("email") or host.get("id") or meeting.get("host_id") or "unknown-host", 320)
    host_email = host_email.lower()
    host_id = clean_text(meeting.get("host_id") or host.get("id") or "", MAX_ID_CHARS)
    meeting_id = clean_text(meeting.get("id") or "", MAX_ID_CHARS)
    base = {
        "host_email": _key_part(host_email) or "unknown-host",
        "host_id": _key_part(host_id),
        "YYYY": f"{start.year:04d}",
        "MM": f"{start.month:02d}",
        "DD": f"{start.day:02d}",
        "start_time": start.strftime("%Y-%m-%dT%H%M%SZ"),
        "topic_slug": slugify(clean_text(meeting.get("topic") or "", 4 * MAX_TOPIC_CHARS)),
        "meeting_uuid_safe": encode_uuid(uuid),
        "meeting_id": _key_part(meeting_id),
    }
    info = {
        "host_email": host_email,
        "host_id": host_id,
        "meeting_id": meeting_id,
        "topic": clean_text(meeting.get("topic") or "", MAX_TOPIC_CHARS),
    }
    for index, record in enumerate(files):
        try:
            planned = _plan_file(record, uuid, start, base, info, template, prefix)
        except Exception as exc:  # InvalidRecord, or anything a hostile record provokes
            file_id = record.get("id") if isinstance(record, Mapping) else None
            reason = str(exc) if isinstance(exc, InvalidRecord) else f"unreadable file record ({type(exc).__name__})"
            label = clean_text(file_id, 80) if isinstance(file_id, str) else ""
            plan.rejected.append(Rejected(f"{where} file #{index} {label}".strip(), reason))
            continue
        if planned is None:
            plan.not_ready += 1
        elif (filters.file_types and planned.file_type not in filters.file_types) or (
            filters.user_emails and planned.host_email not in filters.user_emails
        ):
            plan.filtered_out += 1
        else:
            plan.files.append(planned)


def _plan_file(
    record: Any,
    uuid: str,
    start: datetime,
    base: dict[str, str],
    info: dict[str, str],
    template: str,
    prefix: str,
) -> PlannedFile | None:
    if not isinstance(record, Mapping):
        raise InvalidRecord(f"file record is a {type(record).__name__}, not an object")
    status = record.get("status")
    if status is not None and not isinstance(status, str):
        raise InvalidRecord(f"status {clean_text(repr(status), 40)} is not a string")
    if status is not None and status != "completed":
        return None  # still processing (or a state we do not know): a later run picks it up
    url = record.get("download_url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise InvalidRecord("file has no usable download_url")
    try:
        if not urlsplit(url).hostname:
            raise ValueError
    except ValueError:
        raise InvalidRecord("file has no usable download_url (no host)") from None
    file_type = record.get("file_type")
    if file_type is not None and not isinstance(file_type, str):
        raise InvalidRecord(f"file_type {clean_text(repr(file_type), 40)} is not a string")
    file_type = clean_text((file_type or "").strip().upper(), 60)
    size = record.get("file_size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        raise InvalidRecord(f"file_size {clean_text(repr(size), 40)} is not a non-negative integer")
    file_id = record.get("id")
    derived = False
    if file_id is None or file_id == "":
        file_id, derived = derived_file_id(uuid, record), True
    elif not isinstance(file_id, str):
        raise InvalidRecord(f"file id {clean_text(repr(file_id), 40)} is not a string")
    elif len(file_id) > MAX_ID_CHARS or not _PRINTABLE_ASCII_ID.fullmatch(file_id):
        raise InvalidRecord(f"file id {clean_text(repr(file_id), 60)} is not a Zoom id (printable ASCII)")
    recording_type = record.get("recording_type")
    recording_type = slugify(
        clean_text(recording_type, 200) if isinstance(recording_type, str) else (file_type or "file").lower(), 60
    )
    ext = file_extension(record, file_type)
    fields = {
        **base,
        "recording_type": recording_type,
        "file_type": _key_part(file_type) or "FILE",
        "file_id": file_id,
        "ext": ext,
    }
    key = render_key(template, fields, prefix)
    return PlannedFile(
        file_id=file_id,
        derived_id=derived,
        meeting_uuid=uuid,
        meeting_id=info["meeting_id"],
        host_id=info["host_id"],
        host_email=info["host_email"],
        topic=info["topic"],
        start_time=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        file_type=file_type,
        recording_type=recording_type,
        file_size=size,
        download_url=download_form(url) if file_type == "TRANSCRIPT" else url,
        key=key,
        content_type=CONTENT_TYPE_BY_EXTENSION.get(ext, "application/octet-stream"),
    )


def dedupe(files: Iterable[PlannedFile], plan: Plan) -> list[PlannedFile]:
    """Keep the first occurrence of each file id (a meeting can appear in two windows); flag true conflicts."""
    seen: dict[str, PlannedFile] = {}
    keys: dict[str, str] = {}
    for item in files:
        previous = seen.get(item.file_id)
        if previous is not None:
            if previous.meeting_uuid != item.meeting_uuid:
                plan.rejected.append(
                    Rejected(f"file {item.file_id}", f"duplicate file id in meetings {previous.meeting_uuid!r} "
                             f"and {item.meeting_uuid!r}; archived once")
                )  # fmt: skip
            elif previous.key != item.key:  # the same meeting listed twice is fine; two different files are not
                plan.rejected.append(
                    Rejected(f"file {item.file_id}", f"file id listed twice in meeting {item.meeting_uuid!r} with "
                             "different attributes; archived once")
                )  # fmt: skip
            continue
        if item.key in keys:
            plan.rejected.append(Rejected(f"file {item.file_id}", f"key collides with file {keys[item.key]}"))
            continue
        seen[item.file_id] = item
        keys[item.key] = item.file_id
    return list(seen.values())


def select_batch(
    files: Iterable[PlannedFile], archived: Mapping[str, Any], *, cap: int, force: bool = False
) -> tuple[list[PlannedFile], list[PlannedFile]]:
    """New files, oldest first, split into ``(this run's batch, backlog for later runs)``."""
    new = [f for f in files if force or f.file_id not in archived]
    new.sort(key=lambda f: (f.start_time, f.meeting_uuid, f.file_id))
    return new[:cap], new[cap:]
