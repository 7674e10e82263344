"""Trashing, deleting and recovering recordings as Zoom's web portal (or an auto-delete deadline) does, with the
webhooks Zoom sends for it (``recording.trashed``, ``recording.deleted``, ``recording.recovered``; see ``events``).

Control plane (JSON in, JSON out; ``operator`` is the user the event names, default the account owner):

====  ============================  ==============================================================================
POST  /_emulator/trash/meeting      ``{"meeting_uuid", "action"?: "trash"|"delete", "operator"?}``: every file of
                                    the meeting (trash_type ``meeting_recordings``)
POST  /_emulator/trash/file         ``{"file_id", "action"?: "trash"|"delete", "operator"?}`` (``recording_file``)
POST  /_emulator/trash/recover      ``{"file_id"}`` or ``{"meeting_uuid"}`` (+ ``"operator"?``): back from the trash
====  ============================  ==============================================================================

``delete`` removes files for good (trashed ones included). Trash keeps a file :data:`trash.RECOVERY_DAYS` days
(Zoom: "recover these files for 30 days ... deleted from the trash folder within 24 hours", support article
https://support.zoom.us/hc/en-us/articles/4414397195277); :func:`purge_expired` drops older ones.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from zoom_emulator.events import emit_recording
from zoom_emulator.httpbase import Response, json_response
from zoom_emulator.trash import RECOVERY_DAYS, recover

if TYPE_CHECKING:
    from zoom_emulator.model import Meeting, RecordingFile
    from zoom_emulator.state import EmulatorState

ACTIONS = ("trash", "delete")


def _error(status: int, message: str) -> Response:
    return json_response(status, {"error": message})


def apply(state: EmulatorState, files: list[RecordingFile], action: str, trash_type: str) -> list[RecordingFile]:
    """Trash or delete ``files``; the files whose state changed (already deleted ones are skipped)."""
    trash = state.trash
    changed = []
    with trash.lock:
        for f in files:
            in_trash = f.key in trash.trashed
            if action == "trash" and not f.deleted and f.status != "processing":
                f.deleted = True
                trash.put(f, state.now(), trash_type)
                changed.append(f)
            elif action == "delete" and (not f.deleted or in_trash):
                f.deleted = True
                trash.take(f.key)
                changed.append(f)
    return changed


def _all_files(meeting: Meeting) -> list[RecordingFile]:
    return [*(meeting.files or []), *meeting.participant_files]


def trash_meeting(state: EmulatorState, body: dict[str, Any]) -> Response:
    """``POST /_emulator/trash/meeting``."""
    meeting = state.dataset.meetings.get(str(body.get("meeting_uuid") or ""))
    action = str(body.get("action") or "trash")
    if meeting is None:
        return _error(404, "unknown meeting_uuid")
    if action not in ACTIONS:
        return _error(400, "action must be trash or delete")
    changed = apply(state, _all_files(meeting), action, "meeting_recordings")
    deliveries = emit_recording(state, action, meeting, changed, body.get("operator"))
    return json_response(
        200, {"meeting_uuid": meeting.uuid, "action": action, "files": _keys(changed), "deliveries": deliveries}
    )


def trash_file(state: EmulatorState, body: dict[str, Any]) -> Response:
    """``POST /_emulator/trash/file``."""
    f = state.dataset.file_by_key(str(body.get("file_id") or ""))
    action = str(body.get("action") or "trash")
    meeting = state.dataset.meetings.get(f.meeting_uuid) if f is not None else None
    if f is None or meeting is None:
        return _error(404, "unknown file_id")
    if action not in ACTIONS:
        return _error(400, "action must be trash or delete")
    changed = apply(state, [f], action, "recording_file")
    if not changed:
        return _error(409, "the file is already gone (or still processing)")
    deliveries = emit_recording(state, action, meeting, changed, body.get("operator"))
    return json_response(200, {"file_key": f.key, "action": action, "deliveries": deliveries})


def recover_files(state: EmulatorState, body: dict[str, Any]) -> Response:
    """``POST /_emulator/trash/recover``: one file (``{"recovered": id}``, as before) or a whole meeting."""
    if body.get("meeting_uuid"):
        meeting = state.dataset.meetings.get(str(body["meeting_uuid"]))
        if meeting is None:
            return _error(404, "unknown meeting_uuid")
        done = [f for f in _all_files(meeting) if recover(state, f)]
        if not done:
            return _error(404, "nothing of this meeting is in the trash")
        deliveries = emit_recording(state, "recover", meeting, done, body.get("operator"))
        return json_response(200, {"meeting_uuid": meeting.uuid, "recovered": _keys(done), "deliveries": deliveries})
    with state.trash.lock:
        found = [f for f, _ in state.trash.trashed.values() if f.id == body.get("file_id")]
    if not found or not recover(state, found[0]):
        return _error(404, "no such file in the trash")
    meeting = state.dataset.meetings.get(found[0].meeting_uuid)
    if meeting is not None:
        emit_recording(state, "recover", meeting, found[:1], body.get("operator"))
    return json_response(200, {"recovered": found[0].id})


def purge_expired(state: EmulatorState) -> list[str]:
    """Delete for good every file trashed more than :data:`RECOVERY_DAYS` days ago (sends ``recording.deleted``
    per meeting; Zoom documents no event for the purge, the emulator treats it as a deletion). Their keys."""
    limit = state.now() - timedelta(days=RECOVERY_DAYS)
    trash = state.trash
    with trash.lock:
        expired = [f for f, at in trash.trashed.values() if at < limit]
        for f in expired:
            trash.take(f.key)
    by_meeting: dict[str, list[RecordingFile]] = {}
    for f in expired:
        by_meeting.setdefault(f.meeting_uuid, []).append(f)
    for uuid, files in by_meeting.items():
        meeting = state.dataset.meetings.get(uuid)
        if meeting is not None:
            emit_recording(state, "delete", meeting, files)
    return _keys(expired)


def _keys(files: list[RecordingFile]) -> list[str]:
    return [f.key for f in files]
