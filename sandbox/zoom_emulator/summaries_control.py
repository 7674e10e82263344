"""Summaries change: created, edited, trashed, recovered, deleted; each change sends Zoom's webhook.

Control plane (``operator``/``by``: id or e-mail of the user the event names; default the meeting's host):

====  =============================  ===========================================================================
GET   /_emulator/summaries           every summary with its ``state`` (active, trashed, deleted)
POST  /_emulator/summaries           ``{"meeting_uuid", "created"?: iso}``: the meeting gets a summary
                                     (``meeting.summary_completed``)
POST  /_emulator/summaries/edit      ``{"meeting_uuid", "content"?, "overview"?, "next_steps"?, "by"?}``: new
                                     content and ``summary_last_modified_time`` (``meeting.summary_updated``)
POST  /_emulator/summaries/trash     ``{"meeting_uuid", "operator"?}`` (``meeting.summary_trashed``)
POST  /_emulator/summaries/recover   ``{"meeting_uuid", "operator"?}``: within 30 days (``..._recovered``)
POST  /_emulator/summaries/delete    ``{"meeting_uuid", "operator"?}``: gone for good (``..._deleted``)
====  =============================  ===========================================================================

Event payloads (Rivet ``meetings.d.ts`` 0.3.0 ``MeetingSummaryCompletedEvent`` ... ``RecoveredEvent``):
``payload.account_id`` and ``payload.object`` (the summary's meeting and time fields, ``summary_title``);
completed and updated add ``summary_overview``, ``summary_details``, ``next_steps`` (updated also
``edited_summary``); updated, trashed, deleted and recovered add ``payload.operator``/``operator_id``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from zoom_emulator.events import emit, envelope, operator
from zoom_emulator.httpbase import Response, json_response
from zoom_emulator.model import format_time, parse_time
from zoom_emulator.sources_builder import SourcesBuilder
from zoom_emulator.summaries import summary_body, summary_head

if TYPE_CHECKING:
    from zoom_emulator.sources_model import Summary
    from zoom_emulator.state import EmulatorState

EVENTS = {
    "trash": "meeting.summary_trashed",
    "recover": "meeting.summary_recovered",
    "delete": "meeting.summary_deleted",
}
TRASH_DAYS = 30


def _event(state: EmulatorState, name: str, s: Summary, who: str | None, full: bool) -> list[int]:
    obj = summary_head(s)
    obj.update(summary_body(s) if full else {"summary_title": s.title})
    payload: dict[str, Any] = {"account_id": state.dataset.account_id}
    if name != "meeting.summary_completed":
        email, user_id = operator(state, who or s.host_id)
        payload.update(operator=email, operator_id=user_id)
    payload["object"] = obj
    return emit(state, envelope(state, name, payload))


def change_state(state: EmulatorState, s: Summary, action: str, who: str | None) -> bool:
    """Trash, recover or delete ``s`` (and send the event); whether its state changed."""
    now = state.now()
    if action == "trash" and s.state == "active":
        s.state, s.trashed_at = "trashed", now
    elif action == "recover" and s.state == "trashed" and s.trashed_at and now - s.trashed_at <= timedelta(days=30):
        s.state, s.trashed_at = "active", None
    elif action == "delete" and s.state != "deleted":
        s.state = "deleted"
    else:
        return False
    _event(state, EVENTS[action], s, who, full=False)
    return True


def _summary(state: EmulatorState, body: dict[str, Any]) -> Summary | Response:
    found = state.dataset.extras.summaries.get(str(body.get("meeting_uuid") or ""))
    return found if found is not None else json_response(404, {"error": "no summary for that meeting_uuid"})


def create(state: EmulatorState, body: dict[str, Any]) -> Response:
    """``POST /_emulator/summaries``."""
    meeting = state.dataset.meetings.get(str(body.get("meeting_uuid") or ""))
    if meeting is None:
        return json_response(404, {"error": "unknown meeting_uuid"})
    host = state.dataset.host(meeting.host_id)
    if host is None:
        return json_response(400, {"error": "the meeting's host is unknown"})
    try:
        created = parse_time(body["created"]) if body.get("created") else state.now().replace(microsecond=0)
    except ValueError:
        return json_response(400, {"error": "created must be an ISO time"})
    builder = SourcesBuilder(f"added-summary:{len(state.dataset.extras.summaries)}", state.dataset)
    s = builder.summary(meeting, host, created)
    _event(state, "meeting.summary_completed", s, None, full=True)
    return json_response(201, {"meeting_uuid": s.meeting_uuid, "summary_created_time": format_time(s.created)})


def edit(state: EmulatorState, body: dict[str, Any]) -> Response:
    """``POST /_emulator/summaries/edit``: what a host's edit in the web portal does."""
    s = _summary(state, body)
    if isinstance(s, Response):
        return s
    editor = state.dataset.user(str(body.get("by") or s.host_id)) or state.dataset.owner()
    if editor is None:
        return json_response(400, {"error": "unknown editor"})
    changes = {k: body[k] for k in ("overview", "next_steps", "content") if body.get(k)}
    builder = SourcesBuilder("edit", state.dataset)
    builder.edit(s, state.now().replace(microsecond=0), editor, **changes)
    _event(state, "meeting.summary_updated", s, s.modified_by_id or None, full=True)
    return json_response(200, {"meeting_uuid": s.meeting_uuid, "summary_last_modified_time": format_time(s.modified)})


def _change(action: str) -> Any:
    def handler(state: EmulatorState, body: dict[str, Any]) -> Response:
        s = _summary(state, body)
        if isinstance(s, Response):
            return s
        if not change_state(state, s, action, body.get("operator")):
            return json_response(409, {"error": f"cannot {action} a summary that is {s.state}"})
        return json_response(200, {"meeting_uuid": s.meeting_uuid, "state": s.state})

    return handler


def snapshot(state: EmulatorState, body: Any = None) -> dict[str, Any]:
    """``GET /_emulator/summaries``."""
    items = [
        {**summary_head(s), "state": s.state, "summary_content": s.content}
        for s in list(state.dataset.extras.summaries.values())
    ]
    return {"summaries": items}


ACTIONS = {
    "/summaries": create,
    "/summaries/edit": edit,
    "/summaries/trash": _change("trash"),
    "/summaries/recover": _change("recover"),
    "/summaries/delete": _change("delete"),
}
