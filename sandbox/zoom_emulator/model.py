"""In-memory data model of the emulated Zoom account: users, meetings (instances) and recording files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

#: Default ``file_extension`` per ``file_type`` (used when a seed or a POSTed meeting omits it).
DEFAULT_EXTENSION = {
    "MP4": "MP4",
    "M4A": "M4A",
    "TIMELINE": "JSON",
    "TRANSCRIPT": "VTT",
    "CC": "VTT",
    "CHAT": "TXT",
    "CHAT_MESSAGE": "TXT",
    "CSV": "CSV",
    "SUMMARY": "JSON",
    "TB": "JPG",
}

#: Default ``recording_type`` per ``file_type``.
DEFAULT_RECORDING_TYPE = {
    "MP4": "shared_screen_with_speaker_view",
    "M4A": "audio_only",
    "TIMELINE": "timeline",
    "TRANSCRIPT": "audio_transcript",
    "CC": "closed_caption",
    "CHAT": "chat_file",
    "CHAT_MESSAGE": "chat_message",
    "CSV": "poll",
    "SUMMARY": "summary",
    "TB": "thumbnail",
}


def format_time(value: datetime) -> str:
    """Render a datetime the way Zoom does: ``2024-11-29T16:51:28Z`` (UTC, seconds)."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str) -> datetime:
    """Parse a Zoom ISO timestamp (``Z`` or offset suffix) into an aware UTC datetime."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


@dataclass
class User:
    """A Zoom user. Pending users have no ``id``; ``last_name`` may be absent (``None``)."""

    id: str | None
    email: str
    first_name: str | None
    last_name: str | None
    status: str = "active"
    type: int = 2
    pmi: int = 0
    timezone: str = "UTC"
    created_at: str = "2020-01-01T00:00:00Z"
    last_login_time: str | None = None
    role_id: str = "2"
    dept: str = ""
    language: str = "en-US"


@dataclass
class RecordingFile:
    """One recording file of a meeting instance.

    ``file_type``/``file_extension``/``size``/``recording_type`` always hold the *final* values; while
    ``status == "processing"`` they are rendered as Zoom does (empty strings, ``0``, no recording_type).
    ``old_shape`` files (TIMELINE/CC before ~2021) are rendered without id, status, size, recording_type,
    play_url and file_extension. ``size`` is the listed ``file_size``; ``size_delta`` plants a mismatch
    between the listing and the bytes actually served.
    """

    key: str
    id: str | None
    meeting_uuid: str
    file_type: str
    file_extension: str
    size: int
    recording_type: str | None
    recording_start: datetime
    recording_end: datetime
    token: str
    guid: str
    status: str = "completed"
    old_shape: bool = False
    has_play_url: bool = True
    download_via_play: bool = False
    meeting_id_label: str | None = None
    size_delta: int = 0
    deleted: bool = False
    #: set for a participant's audio file (``participant_audio_files``, ``Audio only - <name>``): listed only by
    #: ``GET /meetings/{uuid}/recordings``, never by the per-user listing
    file_name: str | None = None

    @property
    def served_size(self) -> int:
        """Number of bytes the CDN serves for this file."""
        return max(0, self.size + self.size_delta)

    @property
    def listed_size(self) -> int | None:
        """The ``file_size`` shown in listings (``None`` when the shape has no such field)."""
        if self.old_shape:
            return None
        return 0 if self.status == "processing" else self.size

    @property
    def extension(self) -> str:
        """Lower-case extension used for the CDN file name and its Content-Type."""
        return (self.file_extension or DEFAULT_EXTENSION.get(self.file_type, "BIN")).lower()


@dataclass
class Meeting:
    """One meeting *instance* (one ``uuid``). ``files is None`` renders without a ``recording_files`` key."""

    uuid: str
    id: int
    host_id: str
    topic: str
    start: datetime
    account_id: str
    type: int = 2
    timezone: str = "UTC"
    duration: int = 30
    share_token: str = ""
    password: str = ""
    recording_play_passcode: str = ""
    files: list[RecordingFile] | None = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    #: one M4A per participant ("Record a separate audio file of each participant")
    participant_files: list[RecordingFile] = field(default_factory=list)
    #: Zoom's ``auto_delete`` (``None``: the host has no auto-delete setting, the field is absent) and
    #: ``auto_delete_date`` (rendered only when ``auto_delete`` is true); see ``zoom_emulator.deadlines``
    auto_delete: bool | None = None
    auto_delete_date: date | None = None

    def live_participant_files(self) -> list[RecordingFile]:
        """Participant audio files that were not deleted."""
        return [f for f in self.participant_files if not f.deleted]

    def live_files(self) -> list[RecordingFile]:
        """Files that were not deleted."""
        return [f for f in self.files or [] if not f.deleted]

    @property
    def listable(self) -> bool:
        """Whether the meeting appears in listings (hidden once every file is deleted)."""
        return self.files is None or not self.files or bool(self.live_files())
