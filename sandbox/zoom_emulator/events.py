"""Webhook events beyond ``recording.completed``: ``recording.trashed|deleted|recovered`` and the envelope every
new event shares. Sent through the existing sender (``webhooks.WebhookSender``: signed compact JSON, Zoom's retry
rule) when a webhook URL is configured and ``auto`` is on.

Payload shapes follow Zoom's SDK types (github.com/zoom/rivet-javascript, ``meetings/meetings.d.ts`` at 0.3.0:
``RecordingTrashedEvent``, ``RecordingDeletedEvent``, ``RecordingRecoveredEvent``): ``payload.account_id``,
``payload.operator`` (an e-mail), ``payload.operator_id`` and ``payload.object``, the meeting with the
``recording_files`` (and ``participant_audio_files``) the action touched. Rivet marks ``download_token`` optional
on trashed and recovered events; the emulator sends one only with ``recording.recovered`` (the files are
downloadable again) and never with ``recording.trashed``/``recording.deleted``.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from zoom_emulator.render import file_json, participant_file_json
from zoom_emulator.webhooks import sender

if TYPE_CHECKING:
    from zoom_emulator.model import Meeting, RecordingFile
    from zoom_emulator.state import EmulatorState

RECORDING_EVENTS = {"trash": "recording.trashed", "delete": "recording.deleted", "recover": "recording.recovered"}


def envelope(state: EmulatorState, event: str, payload: dict[str, Any]) -> dict[str, Any]:
    """``{"event", "event_ts", "payload"}`` with ``event_ts`` in epoch milliseconds of the emulated clock."""
    return {"event": event, "event_ts": int(state.now().timestamp() * 1000), "payload": payload}


def emit(state: EmulatorState, body: dict[str, Any]) -> list[int]:
    """Deliver ``body`` when a webhook URL is configured and ``auto`` is on; the delivery ids (``[]``: not sent)."""
    webhooks = sender(state)
    if not (webhooks.config.url and webhooks.config.auto):
        return []
    return webhooks.send(body)


def operator(state: EmulatorState, ref: str | None = None) -> tuple[str, str]:
    """``(operator e-mail, operator id)``: the named user, else the account owner (Zoom documents no operator for
    automatic actions such as auto-delete; the emulator names the owner)."""
    user = state.dataset.user(ref) if ref else None
    user = user or state.dataset.owner()
    return (user.email, user.id or "") if user is not None else ("", "")


def recording_object(state: EmulatorState, meeting: Meeting, files: list[RecordingFile]) -> dict[str, Any]:
    """The ``payload.object`` of a recording trash/delete/recover event: the meeting and the files touched."""
    base = state.api_base
    regular = [f for f in files if f.file_name is None]
    participants = [f for f in files if f.file_name is not None]
    out: dict[str, Any] = {
        "id": meeting.id,
        "uuid": meeting.uuid,
        "host_id": meeting.host_id,
        "account_id": meeting.account_id,
        "topic": meeting.topic,
        "type": meeting.type,
        "start_time": meeting.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timezone": meeting.timezone,
        "duration": meeting.duration,
        "share_url": f"{base}/rec/share/{meeting.share_token}",
        "total_size": sum(f.listed_size or 0 for f in files),
        "recording_count": len(files),
        "recording_files": [file_json(base, f) for f in regular],
    }
    if participants:
        out["participant_audio_files"] = [participant_file_json(base, f) for f in participants]
    return out


def recording_event(
    state: EmulatorState, action: str, meeting: Meeting, files: list[RecordingFile], operator_ref: str | None = None
) -> dict[str, Any]:
    """A ``recording.trashed`` / ``recording.deleted`` / ``recording.recovered`` body for ``action``."""
    email, user_id = operator(state, operator_ref)
    payload = {
        "account_id": meeting.account_id,
        "operator": email,
        "operator_id": user_id,
        "object": recording_object(state, meeting, files),
    }
    body = envelope(state, RECORDING_EVENTS[action], payload)
    if action == "recover":
        token = "eyJhbGciOiJIUzUxMiJ9." + secrets.token_urlsafe(24)
        sender(state).download_tokens.append(token)
        body["download_token"] = token
    return body


def emit_recording(
    state: EmulatorState, action: str, meeting: Meeting, files: list[RecordingFile], operator_ref: str | None = None
) -> list[int]:
    """Build and :func:`emit` the recording event of ``action`` (nothing when ``files`` is empty)."""
    if not files:
        return []
    return emit(state, recording_event(state, action, meeting, files, operator_ref))
