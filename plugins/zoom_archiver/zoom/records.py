"""Reading Zoom's meeting and file records: every field checked, every text bounded and encodable, and what a file is
(its extension, its content type, where its bytes are downloaded from).

A malformed record raises :class:`~zoom_archiver.errors.InvalidRecord` with the reason; the planner turns it into
a :class:`~zoom_archiver.discover.planning.Rejected` entry and goes on with the other records.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from zoom_archiver.errors import InvalidRecord
from zoom_archiver.keys import slugify
from zoom_archiver.model import MeetingInfo

#: The topic kept in a planned file (the key uses its slug, bounded separately).
MAX_TOPIC_CHARS = 500
#: Zoom ids and UUIDs are short; anything longer than this is not one.
MAX_ID_CHARS = 256
_PRINTABLE_ASCII_ID = re.compile(r"^[\x21-\x7e]+$")
#: The meeting record's key holding the participant audio files (as in Zoom's meeting detail).
PARTICIPANT_FILES = "participant_audio_files"
#: The ``recording_type`` given to a participant's audio file (Zoom gives none): in metadata and in the key.
PARTICIPANT_RECORDING_TYPE = "participant_audio"
#: Zoom names a participant's audio file ``Audio only - <participant>``.
_NAME_PREFIX = "Audio only - "
MAX_NAME_CHARS = 200


def clean_text(value: Any, limit: int | None = None) -> str:
    """``value`` as text that can be encoded (lone surrogates from JSON become ``?``), optionally cut."""
    text = value if isinstance(value, str) else str(value)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.encode("utf-8", "replace").decode("utf-8")


#: File types whose extension Zoom did not always send (before ~2021 there was no ``file_extension``).
EXTENSION_BY_TYPE = {
    "MP4": "mp4", "M4A": "m4a", "TIMELINE": "json", "TRANSCRIPT": "vtt", "CC": "vtt", "CHAT": "txt",
    "CHAT_MESSAGE": "txt", "CSV": "csv", "SUMMARY": "json", "TB": "jpg",
}  # fmt: skip
CONTENT_TYPE_BY_EXTENSION = {
    "mp4": "video/mp4", "m4a": "audio/mp4", "json": "application/json", "vtt": "text/vtt", "txt": "text/plain",
    "csv": "text/csv", "jpg": "image/jpeg", "png": "image/png",
}  # fmt: skip
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def file_extension(ext: str | None, file_type: str) -> str:
    """The key's extension: Zoom's ``file_extension`` when given (``ext``, encodable text; made key-safe), else the
    type's usual one."""
    if ext and ext.strip():
        return slugify(ext.strip().lower(), max_bytes=10)
    return EXTENSION_BY_TYPE.get(file_type, slugify(file_type.lower(), max_bytes=10) if file_type else "bin")


def content_type(ext: str) -> str:
    return CONTENT_TYPE_BY_EXTENSION.get(ext, DEFAULT_CONTENT_TYPE)


def download_form(url: str) -> str:
    """A TRANSCRIPT's ``download_url`` is sometimes its play page (``/rec/play/``, formerly ``/recording/play/``);
    its file lives at the matching ``download`` path."""
    parts = urlsplit(url)
    for play, download in (("/rec/play/", "/rec/download/"), ("/recording/play/", "/recording/download/")):
        if play in parts.path:
            return urlunsplit(parts._replace(path=parts.path.replace(play, download, 1)))
    return url


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
    """The validated fields of one meeting; ``files`` and ``participant_files`` are its ``recording_files`` and
    ``participant_audio_files`` lists as listed (each file is read by :func:`read_file`)."""

    uuid: str
    start: datetime
    host_email: str
    host_id: str
    meeting_id: str
    topic: str
    #: the topic as the key's slug is made from (longer than :attr:`topic`; see :func:`zoom_archiver.keys.slug`)
    key_topic: str
    files: Any  # checked by the planner, once the meeting is known to be in the window
    participant_files: list[Any] = field(default_factory=list)
    numeric_id: int | None = None
    timezone: str = ""
    duration: int | None = None
    type: int | None = None

    def info(self) -> MeetingInfo:
        """The meeting as its manifest describes it."""
        return MeetingInfo(
            uuid=self.uuid,
            id=self.numeric_id if self.numeric_id is not None else self.meeting_id,
            topic=self.topic,
            host_id=self.host_id,
            host_email=self.host_email,
            start_time=self.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            timezone=self.timezone,
            duration=self.duration,
            type=self.type,
        )


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
    zone = meeting.get("timezone")
    return MeetingRecord(
        uuid=clean_text(uuid),
        start=start,
        host_email=clean_text(host_email, 320).lower(),
        host_id=clean_text(meeting.get("host_id") or host.get("id") or "", MAX_ID_CHARS),
        meeting_id=clean_text(meeting.get("id") or "", MAX_ID_CHARS),
        topic=clean_text(meeting.get("topic") or "", MAX_TOPIC_CHARS),
        key_topic=clean_text(meeting.get("topic") or "", 4 * MAX_TOPIC_CHARS),
        files=meeting.get("recording_files"),
        participant_files=participant_files(meeting),
        numeric_id=_number(meeting.get("id")),
        timezone=zone[:64] if isinstance(zone, str) else "",
        duration=_number(meeting.get("duration")),
        type=_number(meeting.get("type")),
    )


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def participant_files(meeting: Any) -> list[Any]:
    """The participant audio entries added to a meeting record (``[]`` when none, or not a list)."""
    files = meeting.get(PARTICIPANT_FILES) if isinstance(meeting, Mapping) else None
    return files if isinstance(files, list) else []


def participant_name(record: Mapping[str, Any]) -> str:
    """The participant's display name from the file's ``file_name`` (``Audio only - Jill Chill`` -> ``Jill
    Chill``), bounded; ``participant`` when Zoom gives none."""
    raw = record.get("file_name")
    name = clean_text(raw, MAX_NAME_CHARS).strip() if isinstance(raw, str) else ""
    if name.startswith(_NAME_PREFIX):
        name = name[len(_NAME_PREFIX) :].strip()
    return name or "participant"


@dataclass(frozen=True)
class FileRecord:
    """Everything about one completed recording file: validated, and ready to be keyed and downloaded."""

    file_id: str
    derived_id: bool
    file_type: str
    #: Zoom's ``recording_type`` (key-safe); :data:`PARTICIPANT_RECORDING_TYPE` for a participant's audio file
    recording_type: str
    file_size: int | None
    #: where its bytes are downloaded from (a TRANSCRIPT's play page already turned into its download form)
    download_url: str
    #: the key's extension and the object's content type
    ext: str
    content_type: str
    #: a participant's audio file: the participant's display name (else empty)
    participant: str = ""
    recording_start: str = ""
    recording_end: str = ""


def derived_file_id(meeting_uuid: str, record: Mapping[str, Any]) -> str:
    """A stable id for files Zoom sends without one (old TIMELINE/CC entries)."""
    parts = [meeting_uuid] + [str(record.get(k) or "") for k in ("file_type", "recording_start", "recording_end")]
    return "d-" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


def read_file(record: Any, meeting_uuid: str, *, participant: bool = False) -> FileRecord | None:
    """A completed file's validated fields (``participant``: an entry of the meeting's participant audio files), or
    ``None`` while it is still processing (a later run takes it)."""
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
    ext = file_extension(_extension(record.get("file_extension")), file_type)
    return FileRecord(
        file_id=file_id,
        derived_id=derived,
        file_type=file_type,
        recording_type=PARTICIPANT_RECORDING_TYPE if participant else _recording_type(record, file_type),
        file_size=size,
        download_url=download_form(url) if file_type == "TRANSCRIPT" else url,
        ext=ext,
        content_type=content_type(ext),
        participant=participant_name(record) if participant else "",
        recording_start=_time_text(record.get("recording_start")),
        recording_end=_time_text(record.get("recording_end")),
    )


def _recording_type(record: Mapping[str, Any], file_type: str) -> str:
    recording_type = record.get("recording_type")
    text = clean_text(recording_type, 200) if isinstance(recording_type, str) else None
    return slugify(text if text is not None else (file_type or "file").lower(), 60)


def _extension(value: Any) -> str | None:
    return clean_text(value.strip().lower(), 100) if isinstance(value, str) and value.strip() else None


def _time_text(value: Any) -> str:
    """A file's ``recording_start``/``recording_end`` as listed (bounded text; empty when absent)."""
    return clean_text(value, 40) if isinstance(value, str) else ""


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
