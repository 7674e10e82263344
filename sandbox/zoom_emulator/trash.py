"""Zoom's trash for recording files: ``DELETE /v2/meetings/{uuid}/recordings/{recordingId}?action=trash|delete``
(204), and recovery within 30 days, ``PUT /v2/meetings/{uuid}/recordings/{recordingId}/status``
``{"action": "recover"}`` (204).

A trashed file leaves every listing and download (as Zoom hides it) but is kept here, recoverable for
:data:`RECOVERY_DAYS`; ``action=delete`` removes it for good. Every DELETE call is remembered, whatever its answer,
and readable through the control API: ``GET /_emulator/trash`` (``calls``, ``trashed``);
``POST /_emulator/trash/recover`` ``{"file_id": ...}`` recovers a file as the web portal does (``trash_control``).

The clock is the emulated one (``EmulatorState.now``). Each trashed file remembers its ``trash_type``:
``recording_file`` (trashed alone) or ``meeting_recordings`` (trashed with its whole meeting, by the control plane
or an auto-delete deadline); ``trash_listing`` lists them. With the config ``api_trash_events`` on, these /v2
calls also send ``recording.trashed`` / ``recording.deleted`` / ``recording.recovered`` (``events``).
"""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timedelta
from typing import Any

from zoom_emulator.httpbase import Request, Response, json_response
from zoom_emulator.model import RecordingFile, format_time

RECOVERY_DAYS = 30
_FILE = re.compile(r"/v2/meetings/([^/]+)/recordings/([^/]+)")
_STATUS = re.compile(r"/v2/meetings/([^/]+)/recordings/([^/]+)/status")
NO_RECORDING = {"code": 3301, "message": "There is no recording for this meeting."}
UNCOMPLETED = {"code": 3303, "message": "You can not delete an uncompleted meeting."}


class Trash:
    """The account's trash, and the log of DELETE calls."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: list[dict[str, Any]] = []
        self.trashed: dict[str, tuple[RecordingFile, datetime]] = {}  # file key -> (file, when)
        self.trash_type: dict[str, str] = {}  # file key -> recording_file | meeting_recordings

    def put(self, f: RecordingFile, at: datetime, trash_type: str) -> None:
        """Move ``f`` to the trash (the caller holds ``lock`` and marks the file deleted)."""
        self.trashed[f.key] = (f, at)
        self.trash_type[f.key] = trash_type

    def take(self, key: str) -> None:
        """Forget a trashed file (recovered or purged; the caller holds ``lock``)."""
        self.trashed.pop(key, None)
        self.trash_type.pop(key, None)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            trashed = [
                {
                    "file_id": f.id,
                    "meeting_uuid": f.meeting_uuid,
                    "trashed_at": format_time(at),
                    "trash_type": self.trash_type.get(f.key, "recording_file"),
                }
                for f, at in self.trashed.values()
            ]
            return {"calls": list(self.calls), "trashed": trashed}


def matches(request: Request) -> bool:
    """Whether the request is one of the trash calls (DELETE of a file, PUT of its status)."""
    path = request.raw_path
    if request.method == "DELETE":
        return _FILE.fullmatch(path) is not None
    return request.method == "PUT" and _STATUS.fullmatch(path) is not None


def _find(state: Any, segment: str, recording_id: str) -> RecordingFile | None:
    from zoom_emulator.v2 import decode_meeting_ref

    meeting = state.dataset.meeting(decode_meeting_ref(segment))
    for f in (meeting.files or []) if meeting is not None else []:
        if f.id == _unquote(recording_id):
            return f
    return None


def _unquote(value: str) -> str:
    from urllib.parse import unquote

    return unquote(value)


def handle(state: Any, request: Request) -> Response:
    """Answer a DELETE (trash or delete) or a PUT .../status (recover)."""
    trash: Trash = state.trash
    if request.method == "DELETE":
        match = _FILE.fullmatch(request.raw_path)
        assert match is not None
        return _delete(state, trash, request, match.group(1), match.group(2))
    match = _STATUS.fullmatch(request.raw_path)
    assert match is not None
    return _recover(state, request, match.group(1), match.group(2))


def _delete(state: Any, trash: Trash, request: Request, segment: str, recording_id: str) -> Response:
    from zoom_emulator.v2 import decode_meeting_ref

    action = request.query.get("action", "trash")
    with trash.lock:
        trash.calls.append(
            {
                "meeting_uuid": decode_meeting_ref(segment),
                "recording_id": _unquote(recording_id),
                "action": action,
                "at": format_time(state.now()),
            }
        )
        if action not in ("trash", "delete"):
            return json_response(400, {"code": 300, "message": "Invalid action."})
        f = _find(state, segment, recording_id)
        if f is None or f.deleted:
            return json_response(404, NO_RECORDING)
        if f.status == "processing":
            return json_response(400, UNCOMPLETED)
        f.deleted = True
        if action == "trash":
            trash.put(f, state.now(), "recording_file")
    _api_event(state, action, f)
    return Response(204, b"", None)


def _api_event(state: Any, action: str, f: RecordingFile) -> None:
    """With ``api_trash_events`` on, the webhook a /v2 trash, delete or recover call makes Zoom send."""
    if not state.config.api_trash_events:
        return
    from zoom_emulator.events import emit_recording

    meeting = state.dataset.meetings.get(f.meeting_uuid)
    if meeting is not None:
        emit_recording(state, action, meeting, [f])


def _recover(state: Any, request: Request, segment: str, recording_id: str) -> Response:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict) or body.get("action") != "recover":
        return json_response(400, {"code": 300, "message": "Invalid action."})
    f = _find(state, segment, recording_id)
    if f is None or not recover(state, f):
        return json_response(404, NO_RECORDING)
    _api_event(state, "recover", f)
    return Response(204, b"", None)


def recover(state: Any, f: RecordingFile) -> bool:
    """Bring ``f`` back from the trash (within :data:`RECOVERY_DAYS`); whether it was there."""
    trash: Trash = state.trash
    with trash.lock:
        entry = trash.trashed.get(f.key)
        if entry is None or state.now() - entry[1] > timedelta(days=RECOVERY_DAYS):
            return False
        f.deleted = False
        trash.take(f.key)
    return True
