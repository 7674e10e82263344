"""Recording deletion deadlines (``auto_delete_date``) and the emulated clock that reaches them.

What Zoom publishes (sources in ``docs/zoom-emulator.md``):

* ``auto_delete`` (boolean) and ``auto_delete_date`` (a date, ``yyyy-mm-dd``, example ``2028-07-12``) sit on the
  *meeting* object of ``GET /users/{userId}/recordings`` and ``GET /meetings/{meetingId}/recordings`` (Zoom's
  API hub Meeting spec, operations recordingsList and recordingGet; Rivet ``meetings.d.ts`` 0.3.0
  ``CloudRecordingListAllRecordingsResponse``), never on a file. The date is returned only when ``auto_delete`` is
  true; both need the host's "Delete cloud recordings after a specified number of days" setting, so they may be
  absent. The emulator renders nothing when a meeting has no setting, ``"auto_delete": false`` without a date for
  an exempted meeting, and both fields otherwise.
* The settings are ``recording.auto_delete_cmr`` / ``auto_delete_cmr_days`` (30, 60, 90 or 120) of
  ``GET /users/{userId}/settings`` and ``GET /accounts/{accountId}/settings`` (``settings_api``).
* When the deadline passes, Zoom moves the files to the trash for 30 days when the account keeps a trash
  (``allow_recovery_deleted_cloud_recordings``), else deletes them, "within 24 hours" (support article 4414397195277).
  The emulator acts at 00:00:00Z on ``auto_delete_date`` (the earliest reading of "within 24 hours") and sends
  ``recording.trashed`` (or ``recording.deleted``) with the account owner as operator (Zoom documents neither
  the event nor the operator for automatic deletion).

Control plane:

====  ======================  ====================================================================================
GET   /_emulator/clock        ``{"now", "today", "offset_seconds", "pending_deadlines"}``
POST  /_emulator/clock        ``{"advance_days"}`` / ``{"advance_seconds"}`` / ``{"now": iso}``: move the clock,
                              then act on every deadline reached and purge the trash; returns what happened
POST  /_emulator/auto_delete  ``{"meeting_uuid", "date": "yyyy-mm-dd" | null, "auto_delete"?}``: set a deadline
                              (a date of today or earlier acts at once)
====  ======================  ====================================================================================

Deadlines are also checked before every API and download request, so a real clock passing midnight acts too.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from zoom_emulator.events import emit_recording
from zoom_emulator.httpbase import Response, json_response
from zoom_emulator.model import format_time, parse_time
from zoom_emulator.trash_control import apply, purge_expired

if TYPE_CHECKING:
    from zoom_emulator.state import EmulatorState


def _entries(state: EmulatorState) -> list[tuple[date, str]]:
    with state.dataset.lock:
        return [
            (m.auto_delete_date, m.uuid)
            for m in state.dataset.meetings.values()
            if m.auto_delete and m.auto_delete_date is not None
        ]


def sweep(state: EmulatorState) -> dict[str, list[str]]:
    """Act on every deadline reached by the emulated clock, and purge the trash once a day."""
    if not state.deadlines.loaded():
        state.deadlines.load(_entries(state))
    today = state.today()
    done: list[str] = []
    for day, uuid in state.deadlines.pop_due(today):
        meeting = state.dataset.meetings.get(uuid)
        if meeting is None or not meeting.auto_delete or meeting.auto_delete_date != day:
            continue  # a deadline changed or removed since it was queued
        trash_kept = state.dataset.extras.account_settings.allow_recovery_deleted_cloud_recordings
        action = "trash" if trash_kept else "delete"
        files = [*meeting.live_files(), *meeting.live_participant_files()]
        changed = apply(state, files, action, "meeting_recordings")
        emit_recording(state, action, meeting, changed)
        done.append(uuid)
    purged: list[str] = []
    if state.last_purge_day != today:
        state.last_purge_day = today
        purged = purge_expired(state)
    return {"auto_deleted": done, "purged": purged}


def _clock_view(state: EmulatorState) -> dict[str, Any]:
    if not state.deadlines.loaded():
        state.deadlines.load(_entries(state))
    pending = [{"date": d.isoformat(), "meeting_uuid": u} for d, u in state.deadlines.pending()]
    return {
        "now": format_time(state.now()),
        "today": state.today().isoformat(),
        "offset_seconds": int(state.clock_offset.total_seconds()),
        "pending_deadlines": pending,
    }


def clock_get(state: EmulatorState, body: Any = None) -> dict[str, Any]:
    """``GET /_emulator/clock``."""
    return _clock_view(state)


def clock_post(state: EmulatorState, body: dict[str, Any]) -> Response:
    """``POST /_emulator/clock``."""
    try:
        if "now" in body:
            target: datetime = parse_time(str(body["now"]))
            state.clock_offset += target - state.now()
        else:
            seconds = float(body.get("advance_seconds", 0)) + 86400 * float(body.get("advance_days", 0))
            state.clock_offset += timedelta(seconds=seconds)
    except (TypeError, ValueError):
        return json_response(400, {"error": "give advance_days, advance_seconds or now (ISO time)"})
    happened = sweep(state)
    return json_response(200, {**_clock_view(state), **happened})


def set_deadline(state: EmulatorState, body: dict[str, Any]) -> Response:
    """``POST /_emulator/auto_delete``."""
    meeting = state.dataset.meetings.get(str(body.get("meeting_uuid") or ""))
    if meeting is None:
        return json_response(404, {"error": "unknown meeting_uuid"})
    try:
        day = date.fromisoformat(body["date"]) if body.get("date") else None
    except (TypeError, ValueError):
        return json_response(400, {"error": "date must be yyyy-mm-dd or null"})
    flag = body.get("auto_delete", day is not None)
    if not isinstance(flag, bool) and flag is not None:
        return json_response(400, {"error": "auto_delete must be true, false or null"})
    meeting.auto_delete, meeting.auto_delete_date = flag, day if flag else None
    if flag and day is not None:
        state.deadlines.push(day, meeting.uuid)
    happened = sweep(state)
    shown = meeting.auto_delete_date.isoformat() if meeting.auto_delete_date else None
    return json_response(
        200, {"meeting_uuid": meeting.uuid, "auto_delete": flag, "auto_delete_date": shown, **happened}
    )
