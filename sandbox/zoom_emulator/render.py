"""Rendering model objects as the JSON shapes the real Zoom API returns (key order as captured)."""

from __future__ import annotations

from typing import Any

from zoom_emulator.model import Meeting, RecordingFile, User, format_time


def user_json(user: User) -> dict[str, Any]:
    """A ``/v2/users`` entry: pending users have no ``id``; absent names are omitted."""
    out: dict[str, Any] = {}
    if user.id:
        out["id"] = user.id
    if user.first_name is not None:
        out["first_name"] = user.first_name
    if user.last_name is not None:
        out["last_name"] = user.last_name
    out["display_name"] = " ".join(p for p in (user.first_name, user.last_name) if p) or user.email
    out["email"] = user.email
    out["type"] = user.type
    if user.id:
        out["pmi"] = user.pmi
    out["timezone"] = user.timezone
    out["verified"] = 0 if user.status == "pending" else 1
    out["dept"] = user.dept
    out["created_at"] = user.created_at
    if user.last_login_time:
        out["last_login_time"] = user.last_login_time
        out["last_client_version"] = "6.2.0.46690(mac)"
    out["language"] = user.language
    out["status"] = user.status
    out["role_id"] = user.role_id
    return out


def file_urls(base: str, f: RecordingFile) -> tuple[str, str]:
    """(play_url, download_url) on the API host."""
    play = f"{base}/rec/play/{f.token}"
    download = play if f.download_via_play else f"{base}/rec/download/{f.token}"
    return play, download


def file_json(base: str, f: RecordingFile) -> dict[str, Any]:
    """One ``recording_files`` entry in the completed, processing or old (id-less) shape."""
    play_url, download_url = file_urls(base, f)
    meeting_id = f.meeting_id_label or f.meeting_uuid
    if f.old_shape:
        return {
            "meeting_id": meeting_id,
            "recording_start": format_time(f.recording_start),
            "recording_end": format_time(f.recording_end),
            "file_type": f.file_type,
            "download_url": download_url,
        }
    processing = f.status == "processing"
    out: dict[str, Any] = {
        "id": f.id,
        "meeting_id": meeting_id,
        "recording_start": format_time(f.recording_start),
        "recording_end": "" if processing else format_time(f.recording_end),
        "file_type": "" if processing else f.file_type,
        "file_extension": "" if processing else f.file_extension,
        "file_size": 0 if processing else f.size,
    }
    if f.has_play_url or processing:
        out["play_url"] = play_url
    out["download_url"] = download_url
    out["status"] = f.status
    if not processing and f.recording_type is not None:
        out["recording_type"] = f.recording_type
    return out


def participant_file_json(base: str, f: RecordingFile) -> dict[str, Any]:
    """One ``participant_audio_files`` entry (detail only): no ``meeting_id`` or ``recording_type``, a ``file_name``."""
    play_url, download_url = file_urls(base, f)
    processing = f.status == "processing"
    return {
        "id": f.id,
        "recording_start": format_time(f.recording_start),
        "recording_end": "" if processing else format_time(f.recording_end),
        "file_type": "" if processing else f.file_type,
        "file_name": f.file_name,
        "file_size": 0 if processing else f.size,
        "file_extension": "" if processing else f.file_extension,
        "play_url": play_url,
        "download_url": download_url,
        "status": f.status,
    }


def deadline_fields(meeting: Meeting) -> dict[str, Any]:
    """``auto_delete`` and ``auto_delete_date`` (list and detail; Rivet ``meetings.d.ts`` 0.3.0, API hub spec):
    nothing without an auto-delete setting, the date only while ``auto_delete`` is true."""
    if meeting.auto_delete is None:
        return {}
    out: dict[str, Any] = {"auto_delete": meeting.auto_delete}
    if meeting.auto_delete and meeting.auto_delete_date is not None:
        out["auto_delete_date"] = meeting.auto_delete_date.isoformat()
    return out


def meeting_json(
    base: str,
    meeting: Meeting,
    *,
    host_email: str | None = None,
    detail: bool = False,
    download_access_token: str | None = None,
) -> dict[str, Any]:
    """A meeting instance: list shape (no ``host_email``) or ``detail`` shape (GET meeting recordings)."""
    files = meeting.live_files()
    participants = meeting.live_participant_files()
    # recording_count and total_size include the participant audio files (the listing shows neither them nor a sign)
    completed = [f for f in [*files, *participants] if f.status != "processing"]
    out: dict[str, Any] = {
        "uuid": meeting.uuid,
        "id": meeting.id,
        "account_id": meeting.account_id,
        "host_id": meeting.host_id,
        "topic": meeting.topic,
        "type": meeting.type,
        "start_time": format_time(meeting.start),
        "timezone": meeting.timezone,
    }
    if detail and host_email is not None:
        out["host_email"] = host_email
    out["duration"] = meeting.duration
    out["total_size"] = sum(f.listed_size or 0 for f in completed)
    out["recording_count"] = len(completed)
    out["share_url"] = f"{base}/rec/share/{meeting.share_token}"
    if meeting.files is not None:
        out["recording_files"] = [file_json(base, f) for f in files]
    if detail and participants:
        out["participant_audio_files"] = [participant_file_json(base, f) for f in participants]
    if detail:
        out["password"] = meeting.password
    out["recording_play_passcode"] = meeting.recording_play_passcode
    out.update(deadline_fields(meeting))
    if download_access_token is not None:
        out["download_access_token"] = download_access_token
    return out
