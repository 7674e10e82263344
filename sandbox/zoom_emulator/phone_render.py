"""Zoom Phone recordings and voicemails as the API and the webhooks render them.

Sources: Zoom Phone API spec (API hub https://developers.zoom.us/docs/api/phone/, OpenAPI ``Zoom Phone API``,
operations getPhoneRecordings, phoneUserRecordings, accountVoiceMails, phoneUserVoiceMails, getVoicemailDetails)
and Zoom's SDK types (github.com/zoom/rivet-javascript ``phone/phone.d.ts`` 0.3.0:
``RecordingsGetCallRecordingsResponse``, ``PhoneRecordingCompletedEvent``, ``PhoneVoicemailReceivedEvent``, ...).

* List items carry **no** ``file_size`` (neither spec nor SDK has one): an archiver proves a copy by the download's
  ``Content-Length`` and its own hash.
* ``download_url`` is the API path ``{api}/v2/phone/recording/download/{key}`` (public captures show
  ``https://zoom.us/v2/phone/recording/download/...``) whose key is **not** the recording ``id``.
* ``transcript_download_url`` appears only once a transcript exists (the emulator: once it is completed).
* ``auto_delete_policy`` appears only with the "Auto Delete Data After Retention Duration" setting;
  ``auto_delete_enable`` tells whether the recording follows it (account listing only, as in the spec).
* Webhook payloads have **no** ``download_token`` (``phone.d.ts``): downloads need the app's OAuth token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from zoom_emulator.model import format_time
from zoom_emulator.sources_model import Party, PhoneRecording, Voicemail

TRASH_DAYS = 30


def recording_url(base: str, rec: PhoneRecording) -> str:
    """``download_url`` of a call recording."""
    return f"{base}/v2/phone/recording/download/{rec.download_key}"


def transcript_url(base: str, rec: PhoneRecording) -> str:
    """``transcript_download_url`` of a call recording."""
    return f"{base}/v2/phone/recording_transcript/download/{rec.id}"


def voicemail_url(base: str, vm: Voicemail) -> str:
    """``download_url`` of a voicemail."""
    return f"{base}/v2/phone/voice_mails/download/{vm.download_key}"


def _parties(caller: Party, callee: Party) -> dict[str, Any]:
    return {
        "callee_name": callee.name,
        "callee_number": callee.number,
        "callee_number_type": callee.number_type,
        "caller_name": caller.name,
        "caller_number": caller.number,
        "caller_number_type": caller.number_type,
    }


def _owner(owner_id: str, name: str, extension: int, owner_type: str = "user") -> dict[str, Any]:
    return {"extension_number": extension, "id": owner_id, "name": name, "type": owner_type}


def _handled_by(rec: PhoneRecording) -> dict[str, Any]:
    side = rec.caller if rec.direction == "outbound" else rec.callee
    key = "outgoing_by" if rec.direction == "outbound" else "accepted_by"
    return {key: {"name": side.name, "extension_number": side.number}}


def recording_item(base: str, rec: PhoneRecording, account: bool) -> dict[str, Any]:
    """One ``recordings`` item: account listing (``account``) or a user's listing (fewer fields)."""
    out: dict[str, Any] = {}
    if account and rec.auto_delete_policy:
        out["auto_delete_policy"] = rec.auto_delete_policy
    out.update(call_id=rec.call_id, call_log_id=rec.call_log_id, call_history_id=rec.call_history_id)
    out.update(_parties(rec.caller, rec.callee))
    out.update(_handled_by(rec))
    out["date_time"] = format_time(rec.start)
    if account and rec.disclaimer_status is not None:
        out["disclaimer_status"] = rec.disclaimer_status
    out.update(direction=rec.direction, download_url=recording_url(base, rec), duration=rec.duration)
    if account:
        out["end_time"] = format_time(rec.end)
    out["id"] = rec.id
    if rec.meeting_uuid:
        out["meeting_uuid"] = rec.meeting_uuid
    if account:
        out["owner"] = _owner(rec.owner_id, rec.owner_name, rec.extension_number, rec.owner_type)
        out["recording_type"] = rec.recording_type
        out["site"] = {"id": rec.site_id, "name": rec.site_name}
    if rec.transcript_status == "completed":
        out["transcript_download_url"] = transcript_url(base, rec)
    if account:
        out["auto_delete_enable"] = rec.auto_delete_policy is not None
    return out


def voicemail_item(base: str, vm: Voicemail, account: bool, now: datetime, detail: bool = False) -> dict[str, Any]:
    """One ``voice_mails`` item (account or user listing) or the detail of ``GET /phone/voice_mails/{id}``; a
    trashed one adds ``deleted_time``, ``days_left_auto_permantely_delete`` (sic) and ``soft_deleted_type``."""
    out: dict[str, Any] = {"call_id": vm.call_id, "call_log_id": vm.call_log_id}
    if not account:
        out["call_history_id"] = vm.call_history_id
    out.update(_parties(vm.caller, vm.callee))
    out.update(
        date_time=format_time(vm.start),
        download_url=voicemail_url(base, vm),
        duration=vm.duration,
        id=vm.id,
        status=vm.status,
    )
    if account:
        out["owner"] = _owner(vm.owner_id, vm.owner_name, vm.extension_number)
    if detail and vm.transcription is not None:
        out["transcription"] = {"content": vm.transcription, "status": 2, "engine": "zoom"}
    if vm.trashed_at is not None:
        out["deleted_time"] = format_time(vm.trashed_at)
        out["days_left_auto_permantely_delete"] = max(0, TRASH_DAYS - (now - vm.trashed_at).days)  # sic
        out["soft_deleted_type"] = "Manual"
    return out


def recording_event_item(base: str, rec: PhoneRecording, transcript: bool = False) -> dict[str, Any]:
    """One ``payload.object.recordings`` item of ``phone.recording_completed`` (or ``_transcript_completed``)."""
    out: dict[str, Any] = {"id": rec.id}
    out.update(
        caller_number=rec.caller.number,
        caller_number_type=rec.caller.number_type,
        caller_name=rec.caller.name,
        callee_number=rec.callee.number,
        callee_number_type=rec.callee.number_type,
        callee_name=rec.callee.name,
        duration=rec.duration,
    )
    if transcript:
        out["transcript_download_url"] = transcript_url(base, rec)
    else:
        out["download_url"] = recording_url(base, rec)
    out.update(date_time=format_time(rec.start), user_id=rec.owner_id, call_id=rec.call_id)
    out.update(call_log_id=rec.call_log_id, end_time=format_time(rec.end), recording_type=rec.recording_type)
    out["site"] = {"id": rec.site_id}
    out["owner"] = {"type": rec.owner_type, "id": rec.owner_id, "name": rec.owner_name}
    out["owner"]["extension_number"] = rec.extension_number
    out["direction"] = rec.direction
    out.update(_handled_by(rec))
    return out


def voicemail_event_object(base: str, vm: Voicemail) -> dict[str, Any]:
    """``payload.object`` of ``phone.voicemail_received``."""
    return {
        "id": vm.id,
        "date_time": format_time(vm.start),
        "download_url": voicemail_url(base, vm),
        "duration": vm.duration,
        "caller_number": vm.caller.number,
        "caller_number_type": vm.caller.number_type,
        "caller_name": vm.caller.name,
        "callee_user_id": vm.owner_id,
        "callee_number": vm.callee.number,
        "callee_number_type": vm.callee.number_type,
        "callee_name": vm.callee.name,
        "callee_extension_type": "user",
        "callee_id": vm.owner_id,
        "call_log_id": vm.call_log_id,
        "call_id": vm.call_id,
    }
