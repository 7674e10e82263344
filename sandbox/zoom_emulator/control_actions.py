"""The control plane's ``POST`` actions on files, users, meetings and seeds (routes: ``zoom_emulator.control``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from zoom_emulator.added_meetings import add_meeting_from_json
from zoom_emulator.builder import DatasetBuilder
from zoom_emulator.httpbase import Response, json_response
from zoom_emulator.model import RecordingFile
from zoom_emulator.planted import parse_answer
from zoom_emulator.render import meeting_json
from zoom_emulator.seeds import build_seed
from zoom_emulator.state import EmulatorState
from zoom_emulator.webhooks import on_completed


def error(status: int, message: str) -> Response:
    """A control-plane error answer: ``{"error": message}``."""
    return json_response(status, {"error": message})


def _find_files(state: EmulatorState, body: dict[str, Any]) -> list[RecordingFile] | Response:
    dataset = state.dataset
    if body.get("file_id"):
        f = dataset.file_by_key(str(body["file_id"]))
        return [f] if f is not None else error(404, "unknown file_id")
    if body.get("meeting_uuid"):
        meeting = dataset.meetings.get(str(body["meeting_uuid"]))
        if meeting is None:
            return error(404, "unknown meeting_uuid")
        return [*(meeting.files or []), *meeting.participant_files]
    return error(400, "give file_id or meeting_uuid")


def _complete(state: EmulatorState, body: dict[str, Any]) -> Response:
    found = _find_files(state, body)
    if isinstance(found, Response):
        return found
    done = []
    with state.dataset.lock:
        for f in found:
            if f.status == "processing":
                f.status = "completed"
                done.append(f.key)
    completed = {m.uuid: m for m, f in state.dataset.iter_files() if f.key in done}
    for meeting in completed.values():  # each meeting whose recording just completed: recording.completed
        on_completed(state, meeting)
    return json_response(200, {"completed": done})


def _one_file(state: EmulatorState, body: dict[str, Any]) -> RecordingFile | Response:
    """The file a control call names by ``file_id`` (or an error answer)."""
    if not body.get("file_id"):
        return error(400, "give file_id")
    found = _find_files(state, body)
    return found if isinstance(found, Response) else found[0]


def _corrupt(state: EmulatorState, body: dict[str, Any]) -> Response:
    f = _one_file(state, body)
    if isinstance(f, Response):
        return f
    try:
        delta = int(body.get("size_delta", 0))
    except (TypeError, ValueError):
        return error(400, "size_delta must be an integer")
    if f.size + delta < 0:
        return error(400, "size_delta would make the served size negative")
    f.size_delta = delta
    return json_response(200, {"file_key": f.key, "listed_size": f.listed_size, "size": f.served_size})


def _delete(state: EmulatorState, body: dict[str, Any]) -> Response:
    found = _find_files(state, body)
    if isinstance(found, Response):
        return found
    for f in found:
        f.deleted = True
    return json_response(200, {"deleted": [f.key for f in found]})


def _download_answer(state: EmulatorState, body: dict[str, Any]) -> Response:
    f = _one_file(state, body)
    if isinstance(f, Response):
        return f
    try:
        host, answer = parse_answer(body)
    except ValueError as exc:
        return error(400, str(exc))
    state.planted.plant(host, f.key, answer)
    return json_response(200, {"file_key": f.key, "host": host, "times": answer.times})


def _user_gone(state: EmulatorState, body: dict[str, Any]) -> Response:
    user = state.dataset.user(str(body.get("user") or ""))
    if user is None or user.id is None:
        return error(404, "unknown user (give its id or e-mail)")
    gone = body.get("gone", True)
    if not isinstance(gone, bool):
        return error(400, "gone must be true or false")
    state.planted.set_gone(user.id, gone)
    return json_response(200, {"user_id": user.id, "email": user.email, "gone": gone})


def add_meeting(state: EmulatorState, body: Any) -> Response:
    dataset = state.dataset
    builder = DatasetBuilder(f"added:{len(dataset.meetings)}", state.today(), dataset.account_id, dataset)
    try:
        meeting = add_meeting_from_json(builder, body)
    except ValueError as exc:
        return error(400, str(exc))
    host = dataset.host(meeting.host_id)
    if meeting.auto_delete and meeting.auto_delete_date is not None:
        state.deadlines.push(meeting.auto_delete_date, meeting.uuid)
    if any(f.status == "completed" for f in meeting.files or []):
        on_completed(state, meeting)
    return json_response(201, meeting_json(state.api_base, meeting, host_email=host.email if host else "", detail=True))


def _reset(state: EmulatorState, body: dict[str, Any]) -> Response:
    seed = str(body.get("seed") or state.seed_name)
    params = body.get("params") or {}
    try:
        today = date.fromisoformat(body["today"]) if body.get("today") else state.today_override
        dataset = build_seed(seed, today or state.base_today(), state.config.account_id, params)
    except (ValueError, TypeError) as exc:
        return error(400, str(exc))
    state.today_override = today
    state.replace_dataset(dataset, seed, params)
    return json_response(200, {"seed": seed, "meetings": len(dataset.meetings), "users": len(dataset.users)})


def _configure(state: EmulatorState, body: dict[str, Any]) -> Response:
    try:
        state.configure(body)
        return json_response(200, state.config.public_dict())
    except ValueError as exc:
        return error(400, str(exc))


def _reset_stats(state: EmulatorState, body: dict[str, Any]) -> Response:
    state.stats.reset()
    return json_response(200, {"ok": True})


#: ``POST`` routes taking a JSON object (``/meetings`` takes any JSON: ``add_meeting``).
ACTIONS: dict[str, Callable[[EmulatorState, dict[str, Any]], Response]] = {
    "/config": _configure,
    "/complete_processing": _complete,
    "/corrupt": _corrupt,
    "/delete": _delete,
    "/download_answer": _download_answer,
    "/user_gone": _user_gone,
    "/reset": _reset,
    "/stats/reset": _reset_stats,
    "/tokens/expire": lambda state, body: json_response(200, {"expired": state.tokens.expire_all()}),
    "/tokens/revoke": lambda state, body: json_response(200, {"revoked": state.tokens.revoke_all()}),
}
