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
POST  /_emulator/trash/recover          ``{"file_id"}`` or ``{"meeting_uuid"}``: recover from the trash (as the web
                                        portal does; sends ``recording.recovered``, see ``trash_control``)
POST  /_emulator/meetings               add a meeting in Zoom's shape; returns it (detail shape)
POST  /_emulator/reset                  ``{"seed", "params"?, "today"?}``: reload a seed
GET   /_emulator/webhooks               webhook deliveries (see ``zoom_emulator.webhooks``: config, send, validate)
POST  /_emulator/tokens/expire          expire every issued token now
POST  /_emulator/tokens/revoke          invalidate every issued token
GET   /_emulator/secrets                every token and CDN signature issued, and the client secret (leak tests)
====  ================================  ==========================================================

``file_id`` arguments also accept the ``file_key`` of an id-less file. The ``POST`` actions live in
``zoom_emulator.control_actions``; deadlines, the trash, settings, Phone, summaries, Clips and Rooms add theirs
in ``zoom_emulator.extra_control`` (``/clock``, ``/auto_delete``, ``/settings``, ``/trash/...``, ``/sources``,
``/phone/...``, ``/summaries...``, ``/clips...``, ``/rooms``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zoom_emulator.content import expected_sha256
from zoom_emulator.control_actions import ACTIONS, add_meeting, error
from zoom_emulator.downloads import webhook_suffix
from zoom_emulator.extra_control import ACTIONS as EXTRA_ACTIONS
from zoom_emulator.extra_control import VIEWS as EXTRA_VIEWS
from zoom_emulator.httpbase import Request, Response, json_response
from zoom_emulator.model import Meeting, RecordingFile, format_time
from zoom_emulator.render import file_urls
from zoom_emulator.seed_sources import CASES as SOURCE_CASES
from zoom_emulator.seed_tricky import CASES
from zoom_emulator.state import EmulatorState
from zoom_emulator.webhooks import handle as webhooks_handle


def file_entry(state: EmulatorState, meeting: Meeting, f: RecordingFile, with_sha: bool = True) -> dict[str, Any]:
    """What ``/_emulator/files`` reports for one file (``size``/``sha256`` describe the served bytes)."""
    host = state.dataset.host(meeting.host_id)
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


def _cases(state: EmulatorState) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for meeting in list(state.dataset.meetings.values()):
        for tag in meeting.tags:
            description = CASES.get(tag) or SOURCE_CASES.get(tag, "")
            entry = out.setdefault(tag, {"description": description, "meeting_uuids": []})
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


def _files(state: EmulatorState, request: Request) -> dict[str, Any]:
    with_sha = request.query.get("sha256", "1").lower() not in ("0", "false", "no")
    files = [file_entry(state, m, f, with_sha) for m, f in state.dataset.iter_files() if not f.deleted]
    return {"seed": state.seed_name, "files": files}


def _secrets(state: EmulatorState, request: Request) -> dict[str, Any]:
    return {
        "access_tokens": list(state.tokens.issued),
        "signatures": list(state.signer.issued),
        "client_secret": state.config.client_secret,
    }


#: ``GET`` routes: the JSON body each answers with (status 200).
_VIEWS: dict[str, Callable[[EmulatorState, Request], Any]] = {
    "/health": lambda state, request: {"ok": True},
    "/files": _files,
    "/meetings": lambda state, request: {"meetings": _meetings(state)},
    "/cases": lambda state, request: {"cases": _cases(state)},
    "/stats": lambda state, request: state.stats.snapshot(),
    "/config": lambda state, request: state.config.public_dict(),
    "/trash": lambda state, request: state.trash.snapshot(),
    "/planted": lambda state, request: state.planted.snapshot(),
    "/secrets": _secrets,
    **EXTRA_VIEWS,
}


def handle(state: EmulatorState, request: Request) -> Response:
    """Dispatch one ``/_emulator/...`` request."""
    state.stats.request("control")
    route = request.raw_path.removeprefix("/_emulator").rstrip("/")
    if route.startswith("/webhooks"):
        try:
            return webhooks_handle(state, route, request.method, request.json() if request.method == "POST" else None)
        except ValueError:
            return error(400, "body must be JSON")
    if request.method == "GET":
        view = _VIEWS.get(route)
        return json_response(200, view(state, request)) if view else error(404, "unknown control endpoint")
    if request.method != "POST":
        return error(405, "use GET or POST")
    try:
        body = request.json()
    except ValueError:
        return error(400, "body must be JSON")
    if route == "/meetings":
        return add_meeting(state, body)
    if not isinstance(body, dict):
        return error(400, "body must be a JSON object")
    action = EXTRA_ACTIONS.get(route) or ACTIONS.get(route)
    return action(state, body) if action else error(404, "unknown control endpoint")
