"""The control plane under ``/_emulator/`` on the API host (no auth, JSON in and out).

====  ================================  ==========================================================
GET   /_emulator/health                 ``{"ok": true}``
GET   /_emulator/files                  every file with its expected bytes (``?sha256=0`` skips hashes)
GET   /_emulator/meetings               every meeting instance with its case tags
GET   /_emulator/cases                  case tag -> description and meeting uuids (tricky seed)
GET   /_emulator/stats                  counters; ``POST /_emulator/stats/reset`` zeroes them
GET   /_emulator/config                 current settings; ``POST`` merges a partial JSON object
POST  /_emulator/complete_processing    ``{"meeting_uuid"}`` or ``{"file_id"}``: processing -> completed
POST  /_emulator/corrupt                ``{"file_id", "size_delta"}``: served size = listed + delta
POST  /_emulator/delete                 ``{"meeting_uuid"}`` or ``{"file_id"}``: files become deleted
POST  /_emulator/download_answer        ``{"file_id", "host"?, "status"?, "body"?, "content_type"?, "times"?}``:
                                        the next downloads of a file get this answer (``planted``)
POST  /_emulator/user_gone              ``{"user", "gone"?}``: that user's recordings listing answers 404/1001
GET   /_emulator/planted                the planted download answers and gone users
GET   /_emulator/trash                  every DELETE call on a recording file, and the trashed files
POST  /_emulator/trash/recover          ``{"file_id"}``: recover a trashed file (as the web portal does)
POST  /_emulator/meetings               add a meeting in Zoom's shape; returns it (detail shape)
POST  /_emulator/reset                  ``{"seed", "params"?, "today"?}``: reload a seed
GET   /_emulator/webhooks               webhook deliveries (see ``zoom_emulator.webhooks``: config, send, validate)
POST  /_emulator/tokens/expire          expire every issued token now
POST  /_emulator/tokens/revoke          invalidate every issued token
GET   /_emulator/secrets                every token and CDN signature issued, and the client secret (leak tests)
====  ================================  ==========================================================

``file_id`` arguments also accept the ``file_key`` of an id-less file.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from zoom_emulator import trash
from zoom_emulator.builder import DatasetBuilder, add_meeting_from_json
from zoom_emulator.content import expected_sha256
from zoom_emulator.downloads import webhook_suffix
from zoom_emulator.httpbase import Request, Response, json_response
from zoom_emulator.model import Meeting, RecordingFile, format_time
from zoom_emulator.planted import parse_answer
from zoom_emulator.render import file_urls, meeting_json
from zoom_emulator.seed_tricky import CASES
from zoom_emulator.seeds import build_seed
from zoom_emulator.state import EmulatorState
from zoom_emulator.webhooks import handle as webhooks_handle
from zoom_emulator.webhooks import on_completed


def _error(status: int, message: str) -> Response:
    return json_response(status, {"error": message})


def file_entry(state: EmulatorState, meeting: Meeting, f: RecordingFile, with_sha: bool = True) -> dict[str, Any]:
    """What ``/_emulator/files`` reports for one file (``size``/``sha256`` describe the served bytes)."""
    host = state.dataset.user_by_id(meeting.host_id)
    _, download_url = file_urls(state.api_base, f)
    return {
        "file_id": f.id,
        "file_key": f.key,
        "meeting_uuid": meeting.uuid,
        "meeting_id": meeting.id,
        "host_id": meeting.host_id,
        "host_email": host.email if host else None,
        "host_status": host.status if host else None,
        "topic": meeting.topic,
        "file_type": f.file_type,
        "file_extension": f.file_extension,
        "recording_type": f.recording_type,
        "file_name": f.file_name,
        "status": f.status,
        "old_shape": f.old_shape,
        "size": f.served_size,
        "listed_size": f.listed_size,
        "sha256": expected_sha256(f.key, f.served_size) if with_sha else None,
        "download_url": download_url,
        "webhook_download_url": f"{state.api_base}/rec/webhook_download/{f.token}/{webhook_suffix(f)}",
        "start_time": format_time(meeting.start),
        "recording_start": format_time(f.recording_start),
        "tags": list(meeting.tags),
    }


def _find_files(state: EmulatorState, body: dict[str, Any]) -> list[RecordingFile] | Response:
    dataset = state.dataset
    if body.get("file_id"):
        f = dataset.file_by_key(str(body["file_id"]))
        return [f] if f is not None else _error(404, "unknown file_id")
    if body.get("meeting_uuid"):
        meeting = dataset.meetings.get(str(body["meeting_uuid"]))
        if meeting is None:
            return _error(404, "unknown meeting_uuid")
        return [*(meeting.files or []), *meeting.participant_files]
    return _error(400, "give file_id or meeting_uuid")


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
        return _error(400, "give file_id")
    found = _find_files(state, body)
    return found if isinstance(found, Response) else found[0]


def _corrupt(state: EmulatorState, body: dict[str, Any]) -> Response:
    f = _one_file(state, body)
    if isinstance(f, Response):
        return f
    try:
        delta = int(body.get("size_delta", 0))
    except (TypeError, ValueError):
        return _error(400, "size_delta must be an integer")
    if f.size + delta < 0:
        return _error(400, "size_delta would make the served size negative")
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
        return _error(400, str(exc))
    state.planted.plant(host, f.key, answer)
    return json_response(200, {"file_key": f.key, "host": host, "times": answer.times})


def _user_gone(state: EmulatorState, body: dict[str, Any]) -> Response:
    user = state.dataset.user(str(body.get("user") or ""))
    if user is None or user.id is None:
        return _error(404, "unknown user (give its id or e-mail)")
    gone = body.get("gone", True)
    if not isinstance(gone, bool):
        return _error(400, "gone must be true or false")
    state.planted.set_gone(user.id, gone)
    return json_response(200, {"user_id": user.id, "email": user.email, "gone": gone})


def _add_meeting(state: EmulatorState, body: Any) -> Response:
    dataset = state.dataset
    builder = DatasetBuilder(f"added:{len(dataset.meetings)}", state.today(), dataset.account_id, dataset)
    try:
        meeting = add_meeting_from_json(builder, body)
    except ValueError as exc:
        return _error(400, str(exc))
    host = dataset.user_by_id(meeting.host_id)
    if any(f.status == "completed" for f in meeting.files or []):
        on_completed(state, meeting)
    return json_response(201, meeting_json(state.api_base, meeting, host_email=host.email if host else "", detail=True))


def _reset(state: EmulatorState, body: dict[str, Any]) -> Response:
    seed = str(body.get("seed") or state.seed_name)
    params = body.get("params") or {}
    try:
        today = date.fromisoformat(body["today"]) if body.get("today") else state.today_override
        dataset = build_seed(seed, today or state.today(), state.config.account_id, params)
    except (ValueError, TypeError) as exc:
        return _error(400, str(exc))
    state.today_override = today
    state.replace_dataset(dataset, seed, params)
    return json_response(200, {"seed": seed, "meetings": len(dataset.meetings), "users": len(dataset.users)})


def _cases(state: EmulatorState) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for meeting in list(state.dataset.meetings.values()):
        for tag in meeting.tags:
            entry = out.setdefault(tag, {"description": CASES.get(tag, ""), "meeting_uuids": []})
            entry["meeting_uuids"].append(meeting.uuid)
    return out


def _meetings(state: EmulatorState) -> list[dict[str, Any]]:
    return [
        {
            "uuid": m.uuid,
            "id": m.id,
            "host_id": m.host_id,
            "topic": m.topic,
            "start_time": format_time(m.start),
            "has_recording_files": m.files is not None,
            "file_count": len(m.live_files()),
            "tags": list(m.tags),
        }
        for m in list(state.dataset.meetings.values())
    ]


def handle(state: EmulatorState, request: Request) -> Response:
    """Dispatch one ``/_emulator/...`` request."""
    state.stats.request("control")
    route = request.raw_path.removeprefix("/_emulator").rstrip("/")
    if route.startswith("/webhooks"):
        try:
            return webhooks_handle(state, route, request.method, request.json() if request.method == "POST" else None)
        except ValueError:
            return _error(400, "body must be JSON")
    if request.method == "GET":
        if route == "/health":
            return json_response(200, {"ok": True})
        if route == "/files":
            with_sha = request.query.get("sha256", "1").lower() not in ("0", "false", "no")
            files = [file_entry(state, m, f, with_sha) for m, f in state.dataset.iter_files() if not f.deleted]
            return json_response(200, {"seed": state.seed_name, "files": files})
        if route == "/meetings":
            return json_response(200, {"meetings": _meetings(state)})
        if route == "/cases":
            return json_response(200, {"cases": _cases(state)})
        if route == "/stats":
            return json_response(200, state.stats.snapshot())
        if route == "/config":
            return json_response(200, state.config.public_dict())
        if route == "/trash":
            return json_response(200, state.trash.snapshot())
        if route == "/planted":
            return json_response(200, state.planted.snapshot())
        if route == "/secrets":
            return json_response(
                200,
                {
                    "access_tokens": list(state.tokens.issued),
                    "signatures": list(state.signer.issued),
                    "client_secret": state.config.client_secret,
                },
            )
        return _error(404, "unknown control endpoint")
    if request.method != "POST":
        return _error(405, "use GET or POST")
    try:
        body = request.json()
    except ValueError:
        return _error(400, "body must be JSON")
    if route == "/meetings":
        return _add_meeting(state, body)
    if not isinstance(body, dict):
        return _error(400, "body must be a JSON object")
    if route == "/config":
        try:
            state.configure(body)
            return json_response(200, state.config.public_dict())
        except ValueError as exc:
            return _error(400, str(exc))
    actions = {
        "/complete_processing": _complete,
        "/corrupt": _corrupt,
        "/delete": _delete,
        "/download_answer": _download_answer,
        "/user_gone": _user_gone,
        "/reset": _reset,
    }
    if route in actions:
        return actions[route](state, body)
    if route == "/trash/recover":
        return trash.recover_control(state, body)
    if route == "/stats/reset":
        state.stats.reset()
        return json_response(200, {"ok": True})
    if route == "/tokens/expire":
        return json_response(200, {"expired": state.tokens.expire_all()})
    if route == "/tokens/revoke":
        return json_response(200, {"revoked": state.tokens.revoke_all()})
    return _error(404, "unknown control endpoint")
