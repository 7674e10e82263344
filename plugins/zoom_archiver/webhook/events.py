"""What a verified Zoom delivery asks for, read from its JSON body without keeping anything secret.

Only the event name, the meeting instance's UUID and the event time are taken from a delivery; its download URLs,
``download_token`` and passcodes are never kept (the archiving run re-reads the meeting through the API with our own
token). One run per (event, meeting) is the dedupe: its run id is a function of both, so a retried or duplicated
delivery names a run that exists already.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from zoom_archiver.keys import encode_uuid
from zoom_archiver.webhook.signature import Refused

URL_VALIDATION = "endpoint.url_validation"
#: Events that archive their meeting (a transcript completes after the recording: its own run).
ARCHIVE_EVENTS = frozenset({"recording.completed", "recording.transcript_completed"})
#: Events that are only recorded in the log: the archive keeps its copy (nothing is ever deleted from S3).
LOGGED_EVENTS = frozenset(
    {
        "recording.trashed",
        "recording.deleted",
        "recording.recovered",
        "recording.batch_trashed",
        "recording.batch_deleted",
        "recording.batch_recovered",
    }
)
#: A Zoom meeting UUID: standard base64 (``+ / =``; 16 bytes are 24 characters), a little slack for other lengths.
_UUID = re.compile(r"^[A-Za-z0-9+/]{8,64}={0,2}$")


@dataclass(frozen=True)
class Event:
    """A verified delivery's event (safe to log, to put in a run's conf: no token, no URL)."""

    name: str
    meeting_uuid: str | None = None
    event_ts: int | None = None
    plain_token: str | None = None  # URL validation only

    @property
    def archives(self) -> bool:
        return self.name in ARCHIVE_EVENTS and self.meeting_uuid is not None

    def run_id(self) -> str:
        """The archiving run's id: one per (event, meeting), so a repeated delivery maps to the same run."""
        if self.meeting_uuid is None:
            raise ValueError("no meeting")
        return f"webhook__{self.name.replace('.', '_')}__{encode_uuid(self.meeting_uuid)}"

    def conf(self) -> dict[str, str]:
        """The run's conf: the meeting UUID and the event name, nothing else from the delivery."""
        return {"meeting_uuid": self.meeting_uuid or "", "event": self.name}


def parse(body: bytes) -> Event:
    """The event of a delivery's body (already verified); a body that is not Zoom's JSON is a 400."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "body is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("event"), str):
        raise Refused(400, "body has no event name")
    name = data["event"][:100]
    payload: dict[str, Any] = data["payload"] if isinstance(data.get("payload"), dict) else {}
    event_ts = data.get("event_ts") if isinstance(data.get("event_ts"), int) else None
    if name == URL_VALIDATION:
        plain = payload.get("plainToken")
        if not isinstance(plain, str) or not plain or len(plain) > 200:
            raise Refused(400, "url validation without plainToken")
        return Event(name, event_ts=event_ts, plain_token=plain)
    return Event(name, meeting_uuid=_meeting_uuid(payload), event_ts=event_ts)


def _meeting_uuid(payload: dict[str, Any]) -> str | None:
    meeting = payload.get("object")
    uuid = meeting.get("uuid") if isinstance(meeting, dict) else None
    return uuid if isinstance(uuid, str) and _UUID.match(uuid) else None
