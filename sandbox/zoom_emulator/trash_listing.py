"""``GET /v2/users/{userId}/recordings?trash=true[&trash_type=...]``: the user's recordings in the trash.

Zoom's spec (recordingsList; the 2023-07 Meeting API file and the API hub spec agree): ``trash`` (default false)
lists the trash; ``trash_type`` is ``meeting_recordings`` (default: meetings trashed as a whole) or
``recording_file`` (files trashed one by one); "the trash files cannot be filtered by date range and thus, the
from and to fields should not be used"; trashed files carry ``deleted_time``. The emulator ignores ``from``/``to``
for the trash (it still validates and echoes them), pages with ``next_page_token`` like the normal listing and
lists a file until it leaves the trash (recovered, deleted, or 30 days old).

Where real Zoom differs from the spec: a 2020 report (github.com/JosephMcEvoy/PSZoom issue #8) found trashed
files listed **without** ``download_url`` and ``file_type``, and trashed recordings unusable until recovered. The
emulator follows the report (safer for an archiver: a trashed file is not a download source): trash entries have
no ``download_url``, ``play_url`` or ``file_type``, and every download of a trashed file answers like a deleted one
(an HTML page, never bytes).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from zoom_emulator.httpbase import Request, Response, json_response
from zoom_emulator.model import format_time
from zoom_emulator.render import meeting_json
from zoom_emulator.trash import RECOVERY_DAYS

if TYPE_CHECKING:
    from zoom_emulator.model import Meeting, RecordingFile, User
    from zoom_emulator.state import EmulatorState

TRASH_TYPES = ("meeting_recordings", "recording_file")


def trash_file_json(f: RecordingFile, at: datetime) -> dict[str, Any]:
    """One trashed file as listed: no download_url, play_url or file_type (see the module docstring)."""
    out: dict[str, Any] = {
        "id": f.id,
        "meeting_id": f.meeting_id_label or f.meeting_uuid,
        "recording_start": format_time(f.recording_start),
        "recording_end": format_time(f.recording_end),
        "file_extension": f.file_extension,
        "file_size": f.size,
        "status": f.status,
        "deleted_time": format_time(at),
    }
    if f.recording_type is not None:
        out["recording_type"] = f.recording_type
    return out


def trashed_meetings(state: EmulatorState, host_id: str, trash_type: str) -> list[tuple[Meeting, list[Any]]]:
    """``(meeting, [(file, trashed_at)])`` of a host's trash of one type, newest meeting first."""
    limit = state.now() - timedelta(days=RECOVERY_DAYS)
    grouped: dict[str, list[tuple[RecordingFile, datetime]]] = {}
    with state.trash.lock:
        for f, at in state.trash.trashed.values():
            if at >= limit and state.trash.trash_type.get(f.key, "recording_file") == trash_type:
                grouped.setdefault(f.meeting_uuid, []).append((f, at))
    found = []
    for uuid, entries in grouped.items():
        meeting = state.dataset.meetings.get(uuid)
        if meeting is not None and meeting.host_id == host_id:
            found.append((meeting, entries))
    found.sort(key=lambda pair: (pair[0].start, pair[0].uuid), reverse=True)
    return found


def _meeting_entry(state: EmulatorState, meeting: Meeting, entries: list[Any]) -> dict[str, Any]:
    out = meeting_json(state.api_base, meeting)
    out["total_size"] = sum(f.size for f, _ in entries)
    out["recording_count"] = len(entries)
    out["recording_files"] = [trash_file_json(f, at) for f, at in entries]
    return out


def wants_trash(request: Request, cursor: dict[str, Any]) -> bool:
    """Whether this listing call is a trash listing (``trash=true``, or a page token of one)."""
    return bool(cursor.get("trash")) or request.query.get("trash", "").lower() in ("true", "1")


def list_trash(state: EmulatorState, request: Request, user: User, page: Any) -> Response:
    """The trash listing; ``page`` is ``v2._recordings_page``'s result for this request (cursor, window, paging)."""
    cursor, first, last, offset, size = page
    trash_type = cursor.get("trash") or request.query.get("trash_type") or "meeting_recordings"
    if trash_type not in TRASH_TYPES:
        errors = [{"field": "trash_type", "message": "Invalid field."}]
        return json_response(400, {"code": 300, "message": "Validation Failed.", "errors": errors})
    cursor["trash"] = trash_type
    found = trashed_meetings(state, user.id or "", trash_type)
    token = ""
    if offset + size < len(found):
        token = state.pages.issue({**cursor, "offset": offset + size, "page_size": size})
    return json_response(
        200,
        {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "page_count": math.ceil(len(found) / size),
            "page_size": size,
            "total_records": len(found),
            "next_page_token": token,
            "meetings": [_meeting_entry(state, m, e) for m, e in found[offset : offset + size]],
        },
    )
