"""Phone calls, voicemails and their deletion through the control plane, with Zoom's Phone webhooks.

====  ==========================  =================================================================================
POST  /_emulator/phone/recordings  ``{"user", "date_time"?, "duration"?, "file_size"?, "direction"?,
                                   "transcript"?: null|"processing"|"completed", "owner_type"?}``: a recorded call
                                   (``phone.recording_completed``, then ``phone.recording_transcript_completed``
                                   when its transcript is completed)
POST  /_emulator/phone/transcript  ``{"recording_id"}``: the transcript completes (``..._transcript_completed``)
POST  /_emulator/phone/voicemails  ``{"user", "date_time"?, "duration"?, "file_size"?, "transcription"?}``
                                   (``phone.voicemail_received``)
POST  /_emulator/phone/delete      ``{"recording_id"}`` or ``{"voicemail_id"}``, ``"permanent"?``: to the trash
                                   (``phone.recording_deleted`` / ``phone.voicemail_deleted``) or for good
                                   (``..._permanently_deleted``)
POST  /_emulator/phone/recover     ``{"recording_id"}`` or ``{"voicemail_id"}``: back from the trash (Zoom
                                   publishes no webhook for it)
====  ==========================  =================================================================================

Payloads: Rivet ``phone/phone.d.ts`` 0.3.0 and the Phone webhooks reference
(https://developers.zoom.us/docs/api/phone/events/): ``payload.account_id`` and ``payload.object``;
``phone.recording_completed`` carries ``object.recordings[]`` with ``download_url`` and **no** ``download_token``;
the deletion events carry ``object.recordings[{id, call_id}]`` / ``object.voice_mails[{id}]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zoom_emulator.events import emit, envelope
from zoom_emulator.httpbase import Response, json_response
from zoom_emulator.model import format_time, parse_time
from zoom_emulator.phone_render import recording_event_item, recording_item, voicemail_event_object, voicemail_item
from zoom_emulator.sources_builder import SourcesBuilder

if TYPE_CHECKING:
    from zoom_emulator.sources_model import PhoneRecording, Voicemail
    from zoom_emulator.state import EmulatorState


def _send(state: EmulatorState, event: str, obj: dict[str, Any]) -> list[int]:
    return emit(state, envelope(state, event, {"account_id": state.dataset.account_id, "object": obj}))


def recording_completed(state: EmulatorState, rec: PhoneRecording) -> list[int]:
    """Send ``phone.recording_completed`` (and the transcript event when the transcript is done)."""
    ids = _send(state, "phone.recording_completed", {"recordings": [recording_event_item(state.api_base, rec)]})
    if rec.transcript_status == "completed":
        ids += transcript_completed(state, rec)
    return ids


def transcript_completed(state: EmulatorState, rec: PhoneRecording) -> list[int]:
    """Send ``phone.recording_transcript_completed``."""
    item = recording_event_item(state.api_base, rec, transcript=True)
    return _send(state, "phone.recording_transcript_completed", {"recordings": [item]})


def _arguments(state: EmulatorState, body: dict[str, Any]) -> tuple[Any, ...] | Response:
    user = state.dataset.user(str(body.get("user") or ""))
    if user is None:
        return json_response(404, {"error": "unknown user (give its id or e-mail)"})
    try:
        start = parse_time(body["date_time"]) if body.get("date_time") else state.now().replace(microsecond=0)
        seconds, size = int(body.get("duration", 60)), int(body.get("file_size", 48_000))
    except (TypeError, ValueError):
        return json_response(400, {"error": "date_time must be an ISO time, duration and file_size integers"})
    if seconds < 1 or size < 0:
        return json_response(400, {"error": "duration must be >= 1 and file_size >= 0"})
    return user, start, seconds, size


def add_recording(state: EmulatorState, body: dict[str, Any]) -> Response:
    """``POST /_emulator/phone/recordings``."""
    args = _arguments(state, body)
    if isinstance(args, Response):
        return args
    if body.get("transcript") not in (None, "processing", "completed"):
        return json_response(400, {"error": "transcript must be null, processing or completed"})
    options = {k: body[k] for k in ("direction", "transcript", "owner_type") if body.get(k)}
    builder = SourcesBuilder(f"added-phone:{len(state.dataset.extras.phone_recordings)}", state.dataset)
    rec = builder.phone_recording(*args, **options)
    deliveries = recording_completed(state, rec)
    return json_response(201, {**recording_item(state.api_base, rec, True), "deliveries": deliveries})


def complete_transcript(state: EmulatorState, body: dict[str, Any]) -> Response:
    """``POST /_emulator/phone/transcript``."""
    rec = state.dataset.extras.phone_recordings.get(str(body.get("recording_id") or ""))
    if rec is None or rec.transcript is None:
        return json_response(404, {"error": "no such recording with a transcript"})
    rec.transcript_status, rec.transcript.ready = "completed", True
    return json_response(200, {"recording_id": rec.id, "deliveries": transcript_completed(state, rec)})


def add_voicemail(state: EmulatorState, body: dict[str, Any]) -> Response:
    """``POST /_emulator/phone/voicemails``."""
    args = _arguments(state, body)
    if isinstance(args, Response):
        return args
    builder = SourcesBuilder(f"added-voicemail:{len(state.dataset.extras.voicemails)}", state.dataset)
    text = body.get("transcription")
    vm = builder.voicemail(*args, transcription=str(text) if text else None)
    deliveries = _send(state, "phone.voicemail_received", voicemail_event_object(state.api_base, vm))
    return json_response(201, {**voicemail_item(state.api_base, vm, True, state.now()), "deliveries": deliveries})


def _target(state: EmulatorState, body: dict[str, Any]) -> PhoneRecording | Voicemail | Response:
    extras = state.dataset.extras
    if body.get("recording_id"):
        found: PhoneRecording | Voicemail | None = extras.phone_recordings.get(str(body["recording_id"]))
    else:
        found = extras.voicemails.get(str(body.get("voicemail_id") or ""))
    return found if found is not None else json_response(404, {"error": "give a known recording_id or voicemail_id"})


def delete(state: EmulatorState, body: dict[str, Any]) -> Response:
    """``POST /_emulator/phone/delete``."""
    item = _target(state, body)
    if isinstance(item, Response):
        return item
    if item.deleted:
        return json_response(409, {"error": "already deleted for good"})
    permanent = bool(body.get("permanent"))
    if not permanent and item.trashed_at is not None:
        return json_response(409, {"error": "already in the trash"})
    if permanent:
        item.deleted = True
    else:
        item.trashed_at = state.now().replace(microsecond=0)
    _set_gone(item, True)
    suffix = "permanently_deleted" if permanent else "deleted"
    if body.get("recording_id"):
        obj = {"recordings": [{"id": item.id, "call_id": item.call_id}]}
        deliveries = _send(state, f"phone.recording_{suffix}", obj)
    else:
        deliveries = _send(state, f"phone.voicemail_{suffix}", {"voice_mails": [{"id": item.id}]})
    return json_response(200, {"id": item.id, "permanent": permanent, "deliveries": deliveries})


def recover(state: EmulatorState, body: dict[str, Any]) -> Response:
    """``POST /_emulator/phone/recover``."""
    item = _target(state, body)
    if isinstance(item, Response):
        return item
    if item.deleted or item.trashed_at is None:
        return json_response(409, {"error": "not in the trash"})
    item.trashed_at = None
    _set_gone(item, False)
    return json_response(200, {"id": item.id, "recovered": True})


def _set_gone(item: PhoneRecording | Voicemail, gone: bool) -> None:
    item.audio.gone = gone
    transcript = getattr(item, "transcript", None)
    if transcript is not None:
        transcript.gone = gone


def snapshot(state: EmulatorState, body: Any = None) -> dict[str, Any]:
    """``GET /_emulator/phone``: every recording and voicemail with its state."""
    now = state.now()
    extras = state.dataset.extras
    recordings = [
        {**recording_item(state.api_base, r, True), "trashed": r.trashed_at is not None, "deleted": r.deleted}
        for r in list(extras.phone_recordings.values())
    ]
    voicemails = [
        {**voicemail_item(state.api_base, v, True, now), "trashed": v.trashed_at is not None, "deleted": v.deleted}
        for v in list(extras.voicemails.values())
    ]
    return {"recordings": recordings, "voice_mails": voicemails, "now": format_time(now)}


ACTIONS = {
    "/phone/recordings": add_recording,
    "/phone/transcript": complete_transcript,
    "/phone/voicemails": add_voicemail,
    "/phone/delete": delete,
    "/phone/recover": recover,
}
