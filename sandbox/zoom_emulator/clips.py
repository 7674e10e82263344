"""Zoom Clips: ``GET /clips``, ``GET /clips/{clipId}``, ``GET /clips/{clipId}/download`` and the master-account
``GET /accounts/{accountId}/clips``; all rate label LIGHT.

Sources: Zoom's Clips API spec (API hub https://developers.zoom.us/docs/api/clips/ and
https://developers.zoom.us/docs/api/clips/ma/, snapshot 2026-02; operations GetUserClips, GetClipById,
downloadClip), changelog https://developers.zoom.us/changelog/clips/december-25-2025/ (download API,
``clip.started``/``clip.completed``) and .../january-19-2026/ (account-level list with ``next_page_token``).

* The spec's server is ``https://api.zoom.us/`` (no ``/v2``), unlike every other Zoom API: the emulator answers the
  documented root paths and the same paths under ``/v2`` (which one real Zoom serves is not verified).
* List: without ``user_id`` an admin app gets every clip of the account; ``user_id`` (``me``, id or e-mail) one
  owner's. ``from``/``to`` (``yyyy-MM-ddTHH:mm:ssZ``) default to today and tomorrow, at most a month (a wider
  window is narrowed). ``date_filter_type`` defaults to **MODIFIED_DATE**: an old clip edited today is in today's
  window, and a clip is found by creation date only with ``CREATED_DATE``. ``page_size`` 30 to 300 (clamped).
  Answer: ``data``, ``next_page_token``, ``page_size``, ``total_records``; items carry ``file_size``.
* ``created_date``/``modified_date``: the spec describes ``2020-03-31T12:02:00Z`` but its examples are
  ``2024-10-11T01:51:50.631+00:00``; the emulator sends the example's form (milliseconds, ``+00:00``), so a client
  must parse both.
* Download: 302 to the MP4; a clip not ``RECORD_SUCCESS`` answers 400 code 50002 "clip mp4 is not ready"; an unknown
  or deleted one 404 code 10002. A deleted clip (soft delete) is listed only with ``status=RECORD_DELETE``.

Control plane: ``POST /_emulator/clips`` ``{"user", "title"?, "file_size"?, "duration"?, "status"?, "created"?}``;
``POST /_emulator/clips/edit`` ``{"clip_id", "title"?, "status"?}`` (new ``modified_date``);
``POST /_emulator/clips/delete`` ``{"clip_id"}``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from zoom_emulator import extra_cdn, listing
from zoom_emulator.httpbase import Request, Response, json_response
from zoom_emulator.model import parse_time
from zoom_emulator.sources_builder import SourcesBuilder

if TYPE_CHECKING:
    from zoom_emulator.sources_model import Clip
    from zoom_emulator.state import EmulatorState

STATUSES = ("RECORD_START", "RECORD_FAILED", "RECORD_END", "RECORD_SUCCESS", "RECORD_DELETE", "SUSPENDED")


def clip_time(moment: datetime) -> str:
    """``2024-10-11T01:51:50.631+00:00`` (the spec's examples)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+00:00"


def clip_json(base: str, clip: Clip) -> dict[str, Any]:
    """One clip as the list and the detail render it."""
    return {
        "title": clip.title,
        "description": clip.description,
        "duration": clip.duration,
        "status": "RECORD_DELETE" if clip.deleted else clip.status,
        "clip_id": clip.clip_id,
        "owner_id": clip.owner_id,
        "file_size": clip.video.size,
        "share_link": f"{base}/clips/share/{clip.share_token}",
        "share_link_settings": {"share_scope": "SAME_ORGANIZATON", "enable_passcode": False},  # sic: Zoom's enum
        "thumbnail_link": f"{base}/clips/thumbnail/{clip.share_token}.jpg",
        "created_date": clip_time(clip.created),
        "modified_date": clip_time(clip.modified),
    }


def _cursor(state: EmulatorState, request: Request) -> dict[str, Any] | Response:
    owner = None
    if request.query.get("user_id"):
        ref = unquote(request.query["user_id"])
        user = state.dataset.user(ref)
        if user is None or user.id is None:
            return json_response(404, {"code": 1001, "message": f"User does not exist: {ref}."})
        owner = user.id
    today = datetime.combine(state.today(), datetime.min.time(), tzinfo=state.now().tzinfo)
    window = listing.window(request, (today, today + timedelta(days=2) - timedelta(seconds=1)))
    if isinstance(window, Response):
        return window
    by = request.query.get("date_filter_type") or "MODIFIED_DATE"
    status = request.query.get("status") or None
    if by not in ("CREATED_DATE", "MODIFIED_DATE"):
        return listing.invalid_field("date_filter_type")
    if status is not None and status not in STATUSES:
        return listing.invalid_field("status")
    return {"from": window[0].isoformat(), "to": window[1].isoformat(), "owner": owner, "by": by, "status": status}


def _matches(clip: Clip, cursor: dict[str, Any], search: str) -> bool:
    moment = clip.created if cursor["by"] == "CREATED_DATE" else clip.modified
    wanted = cursor["status"]
    status = "RECORD_DELETE" if clip.deleted else clip.status
    return (
        datetime.fromisoformat(cursor["from"]) <= moment <= datetime.fromisoformat(cursor["to"])
        and cursor["owner"] in (None, clip.owner_id)
        and (status == wanted if wanted else not clip.deleted)
        and search.lower() in clip.title.lower()
    )


def list_clips(state: EmulatorState, request: Request, groups: tuple[str, ...]) -> Response:
    """``GET /clips`` (and ``/accounts/{accountId}/clips``)."""
    if groups and unquote(groups[0]) not in ("me", state.dataset.account_id):
        return json_response(404, {"code": 2001, "message": f"Account does not exist: {unquote(groups[0])}."})
    bad = {"code": 300, "message": "Pagination Error"}
    page = listing.page(state, request, "clips", lambda: _cursor(state, request), bounds=(30, 300), bad_token=bad)
    if isinstance(page, Response):
        return page
    search = page.cursor.setdefault("search", request.query.get("search_key", ""))
    found = [c for c in list(state.dataset.extras.clips.values()) if _matches(c, page.cursor, search)]
    found.sort(key=lambda c: (c.modified, c.clip_id), reverse=True)
    items = [clip_json(state.api_base, c) for c in found[page.offset : page.offset + page.size]]
    body = {"data": items, "next_page_token": page.token(state, len(found)), "page_size": page.size}
    return json_response(200, {**body, "total_records": len(found)})


def get_clip(state: EmulatorState, request: Request, groups: tuple[str, ...]) -> Response:
    """``GET /clips/{clipId}``."""
    clip = state.dataset.extras.clips.get(unquote(groups[0]))
    if clip is None:
        return json_response(404, {"code": 2000, "message": f"Clip does not exist: {unquote(groups[0])}."})
    return json_response(200, clip_json(state.api_base, clip))


def download(state: EmulatorState, request: Request, groups: tuple[str, ...]) -> Response:
    """``GET /clips/{clipId}/download``: 302 to the MP4."""
    clip = state.dataset.extras.clips.get(unquote(groups[0]))
    if clip is None or clip.deleted:
        return json_response(404, {"code": 10002, "message": "clip not found or not ready"})
    if clip.status != "RECORD_SUCCESS":
        return json_response(400, {"code": 50002, "message": "clip mp4 is not ready"})
    state.stats.download(clip.video.key, "api")
    return extra_cdn.redirect(state, clip.video)


def add(state: EmulatorState, body: dict[str, Any]) -> Response:
    """``POST /_emulator/clips``."""
    user = state.dataset.user(str(body.get("user") or ""))
    if user is None:
        return json_response(404, {"error": "unknown user (give its id or e-mail)"})
    status = str(body.get("status") or "RECORD_SUCCESS")
    try:
        created = parse_time(body["created"]) if body.get("created") else state.now()
        size, seconds = int(body.get("file_size", 65536)), int(body.get("duration", 30))
    except (TypeError, ValueError):
        return json_response(400, {"error": "created must be an ISO time, file_size and duration integers"})
    if status not in STATUSES or size < 0:
        return json_response(400, {"error": f"status must be one of {list(STATUSES)} and file_size >= 0"})
    builder = SourcesBuilder(f"added-clip:{len(state.dataset.extras.clips)}", state.dataset)
    options = {"status": status, **({"title": str(body["title"])} if body.get("title") else {})}
    clip = builder.clip(user, created, size, seconds, **options)
    return json_response(201, clip_json(state.api_base, clip))


def edit(state: EmulatorState, body: dict[str, Any]) -> Response:
    """``POST /_emulator/clips/edit``."""
    clip = state.dataset.extras.clips.get(str(body.get("clip_id") or ""))
    if clip is None:
        return json_response(404, {"error": "unknown clip_id"})
    if body.get("status") and body["status"] not in STATUSES:
        return json_response(400, {"error": f"status must be one of {list(STATUSES)}"})
    clip.title = str(body.get("title") or clip.title)
    clip.status = str(body.get("status") or clip.status)
    clip.video.ready = clip.status == "RECORD_SUCCESS"
    clip.modified = max(state.now(), clip.modified + timedelta(milliseconds=1))
    return json_response(200, clip_json(state.api_base, clip))


def delete(state: EmulatorState, body: dict[str, Any]) -> Response:
    """``POST /_emulator/clips/delete`` (Zoom's DELETE is a soft delete)."""
    clip = state.dataset.extras.clips.get(str(body.get("clip_id") or ""))
    if clip is None:
        return json_response(404, {"error": "unknown clip_id"})
    clip.deleted, clip.video.gone = True, True
    clip.modified = max(state.now(), clip.modified)
    return json_response(200, clip_json(state.api_base, clip))
