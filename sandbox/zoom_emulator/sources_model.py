"""Data model of the recording sources beyond meeting cloud recordings: Zoom Phone recordings and voicemails,
AI Companion meeting summaries, Zoom Clips and Zoom Rooms (see ``docs/zoom-emulator.md`` for the sources).

Every downloadable object is a :class:`Blob`: its bytes are ``content.iter_file_bytes(blob.key, blob.size)``,
served by the CDN at a signed ``/ext/...`` URL (``extra_cdn``), exactly like a meeting recording file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from zoom_emulator.model import User


@dataclass
class Blob:
    """A downloadable object of a non-meeting source. ``key`` feeds the content generator (and fault decisions)."""

    key: str
    guid: str
    kind: str  # phone_recording | phone_transcript | voicemail | clip
    size: int
    extension: str
    name: str
    modified: datetime
    ready: bool = True  # false: still processing (transcript) or not downloadable yet (clip)
    gone: bool = False  # its owner is trashed or deleted: no download


@dataclass
class Party:
    """One end of a phone call as Zoom lists it (``caller_*`` / ``callee_*``)."""

    name: str
    number: str
    number_type: int  # 1 internal (extension), 2 external, 3 customized emergency number


@dataclass
class PhoneRecording:
    """A Zoom Phone call recording (``GET /phone/recordings`` item; Phone API spec, operation getPhoneRecordings)."""

    id: str
    download_key: str
    call_id: str
    call_log_id: str
    call_history_id: str
    owner_id: str
    owner_name: str
    owner_type: str  # user | callQueue | commonArea
    extension_number: int
    caller: Party
    callee: Party
    direction: str  # inbound | outbound
    start: datetime
    end: datetime
    recording_type: str  # Automatic | OnDemand
    audio: Blob
    site_id: str = ""
    site_name: str = "Main Site"
    transcript: Blob | None = None
    transcript_status: str = "none"  # none | processing | completed
    meeting_uuid: str | None = None
    disclaimer_status: int | None = None
    auto_delete_policy: str | None = None
    trashed_at: datetime | None = None
    deleted: bool = False

    @property
    def duration(self) -> int:
        """Length in seconds."""
        return int((self.end - self.start).total_seconds())


@dataclass
class Voicemail:
    """A Zoom Phone voicemail (``GET /phone/voice_mails`` item; Zoom Phone API spec, operation accountVoiceMails)."""

    id: str
    download_key: str
    call_id: str
    call_log_id: str
    call_history_id: str
    owner_id: str
    owner_name: str
    extension_number: int
    caller: Party
    callee: Party
    start: datetime
    duration: int
    audio: Blob
    status: str = "unread"
    transcription: str | None = None
    trashed_at: datetime | None = None
    deleted: bool = False


@dataclass
class Summary:
    """An AI Companion meeting summary (``GET /meetings/{meetingId}/meeting_summary``). ``state`` is
    ``active``, ``trashed`` or ``deleted`` (gone for good)."""

    meeting_uuid: str
    meeting_id: int
    host_id: str
    host_email: str
    topic: str
    meeting_start: datetime
    meeting_end: datetime
    created: datetime
    modified: datetime
    title: str
    overview: str
    details: list[dict[str, str]]
    next_steps: list[str]
    content: str
    modified_by_id: str = ""
    modified_by_email: str = ""
    edited: dict[str, Any] | None = None
    state: str = "active"
    trashed_at: datetime | None = None


@dataclass
class Clip:
    """A Zoom Clip (``GET /clips`` item; Clips API spec, operation GetUserClips)."""

    clip_id: str
    owner_id: str
    title: str
    description: str
    duration: int
    status: str  # RECORD_SUCCESS is the only downloadable status
    created: datetime
    modified: datetime
    video: Blob
    share_token: str
    deleted: bool = False


@dataclass
class Room:
    """A Zoom Room: hosts recordings as a pseudo-user (``host``) that ``GET /users`` never lists."""

    id: str
    name: str
    location_id: str
    host: User
    status: str = "Available"
    activation_code: str = ""


@dataclass
class RecordingSettings:
    """The ``recording`` settings that matter to an archiver (account level, or one user's)."""

    auto_delete_cmr: bool = False
    auto_delete_cmr_days: int = 30
    allow_recovery_deleted_cloud_recordings: bool = True
    host_delete_cloud_recording: bool = True
    cloud_recording_download: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
