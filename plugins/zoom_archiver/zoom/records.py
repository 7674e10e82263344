"""Reading Zoom's meeting and file records: every field checked, every text bounded and encodable.

A malformed record raises :class:`~zoom_archiver.errors.InvalidRecord` with the reason; the planner turns it into
a :class:`Rejected` entry and goes on with the other records.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from zoom_archiver.errors import InvalidRecord
from zoom_archiver.keys import slugify

#: A rejection's ``where`` and ``reason`` are cut to this many characters (they go to logs and XCom).
MAX_REPORT_CHARS = 300
#: The topic kept in a planned file (the key uses its slug, bounded separately).
MAX_TOPIC_CHARS = 500
#: Zoom ids and UUIDs are short; anything longer than this is not one.
MAX_ID_CHARS = 256
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
        return parsed.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        raise InvalidRecord(f"timestamp {value[:40]!r} is out of range") from None


@dataclass(frozen=True)
class MeetingRecord:
    """The fields of a meeting that planning uses; ``files`` is its ``recording_files`` list as listed."""

    uuid: str
    start: datetime
    host_email: str
    host_id: str
    meeting_id: str
    topic: str
    topic_slug: str
    files: Any  # checked by the planner, once the meeting is known to be in the window


def meeting_where(meeting: Any) -> str:
    """How a meeting is named in a rejection."""
    uuid = meeting.get("uuid") if isinstance(meeting, Mapping) else None
    return f"meeting {uuid!r}" if isinstance(uuid, str) else "meeting"


def read_meeting(meeting: Any, host: Any) -> MeetingRecord:
    """The meeting's validated fields; ``host`` is its user from the users listing (which has the e-mail)."""
    if not isinstance(meeting, Mapping):
        raise InvalidRecord(f"meeting record is a {type(meeting).__name__}, not an object")
    host = host if isinstance(host, Mapping) else {}
    uuid = meeting.get("uuid")
    if not isinstance(uuid, str) or not uuid:
        raise InvalidRecord("meeting has no uuid")
    if len(uuid) > MAX_ID_CHARS:
        raise InvalidRecord(f"meeting uuid is {len(uuid)} characters long, not a Zoom uuid")
    start = parse_zoom_time(meeting.get("start_time"))
    host_email = host.get("email") or host.get("id") or meeting.get("host_id") or "unknown-host"
    return MeetingRecord(
        uuid=clean_text(uuid),
        start=start,
        host_email=clean_text(host_email, 320).lower(),
        host_id=clean_text(meeting.get("host_id") or host.get("id") or "", MAX_ID_CHARS),
        meeting_id=clean_text(meeting.get("id") or "", MAX_ID_CHARS),
        topic=clean_text(meeting.get("topic") or "", MAX_TOPIC_CHARS),
        topic_slug=slugify(clean_text(meeting.get("topic") or "", 4 * MAX_TOPIC_CHARS)),
        files=meeting.get("recording_files"),
    )


@dataclass(frozen=True)
class FileRecord:
    """The validated fields of one completed recording file."""

    file_id: str
    derived_id: bool
    file_type: str
    recording_type: str
    file_size: int | None
    download_url: str


def derived_file_id(meeting_uuid: str, record: Mapping[str, Any]) -> str:
    """A stable id for files Zoom sends without one (old TIMELINE/CC entries)."""
    parts = [meeting_uuid] + [str(record.get(k) or "") for k in ("file_type", "recording_start", "recording_end")]
    return "d-" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


def read_file(record: Any, meeting_uuid: str) -> FileRecord | None:
    """A completed file's validated fields, or ``None`` while it is still processing (a later run takes it)."""
    if not isinstance(record, Mapping):
        raise InvalidRecord(f"file record is a {type(record).__name__}, not an object")
    status = record.get("status")
    if status is not None and not isinstance(status, str):
        raise InvalidRecord(f"status {clean_text(repr(status), 40)} is not a string")
    if status is not None and status != "completed":
        return None  # still processing (or a state we do not know)
    url = _download_url(record.get("download_url"))  # checked in this order: the first bad field is reported
    file_type = _file_type(record.get("file_type"))
    size = _file_size(record.get("file_size"))
    file_id, derived = _file_id(record, meeting_uuid)
    recording_type = record.get("recording_type")
    recording_text = clean_text(recording_type, 200) if isinstance(recording_type, str) else None
    return FileRecord(
        file_id=file_id,
        derived_id=derived,
        file_type=file_type,
        recording_type=slugify(recording_text if recording_text is not None else (file_type or "file").lower(), 60),
        file_size=size,
        download_url=url,
    )


def _download_url(url: Any) -> str:
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise InvalidRecord("file has no usable download_url")
    try:
        if not urlsplit(url).hostname:
            raise ValueError
    except ValueError:
        raise InvalidRecord("file has no usable download_url (no host)") from None
    return url


def _file_type(value: Any) -> str:
    if value is not None and not isinstance(value, str):
        raise InvalidRecord(f"file_type {clean_text(repr(value), 40)} is not a string")
    return clean_text((value or "").strip().upper(), 60)


def _file_size(size: Any) -> int | None:
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        raise InvalidRecord(f"file_size {clean_text(repr(size), 40)} is not a non-negative integer")
    return size


def _file_id(record: Mapping[str, Any], meeting_uuid: str) -> tuple[str, bool]:
    file_id = record.get("id")
    if file_id is None or file_id == "":
        return derived_file_id(meeting_uuid, record), True
    if not isinstance(file_id, str):
        raise InvalidRecord(f"file id {clean_text(repr(file_id), 40)} is not a string")
    if len(file_id) > MAX_ID_CHARS or not _PRINTABLE_ASCII_ID.fullmatch(file_id):
        raise InvalidRecord(f"file id {clean_text(repr(file_id), 60)} is not a Zoom id (printable ASCII)")
    return file_id, False
