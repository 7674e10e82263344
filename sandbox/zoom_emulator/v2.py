"""The ``/v2`` REST endpoints: list users, list a user's recordings, get one meeting's recordings."""

from __future__ import annotations

import calendar
import math
from datetime import date, timedelta
from typing import Any
from urllib.parse import unquote

from zoom_emulator.httpbase import Request, Response, json_response
from zoom_emulator.planted import user_gone_response
from zoom_emulator.render import meeting_json, user_json
from zoom_emulator.state import EmulatorState
from zoom_emulator.trash_listing import list_trash, wants_trash

DEFAULT_PAGE_SIZE = 30
MAX_PAGE_SIZE = 300
MAX_DOWNLOAD_TOKEN_TTL = 604800
BAD_PAGE_TOKEN = {"code": 300, "message": "The next page token is invalid or expired."}
NO_RECORDING = {"code": 3301, "message": "There is no recording for this meeting."}


def _invalid_field(name: str, message: str = "Invalid field.") -> Response:
    return json_response(
        400, {"code": 300, "message": "Validation Failed.", "errors": [{"field": name, "message": message}]}
    )


def _page_size(request: Request) -> int | Response:
    text = request.query.get("page_size")
    if text in (None, ""):
        return DEFAULT_PAGE_SIZE
    try:
        value = int(text)
    except ValueError:
        return _invalid_field("page_size")
    return min(max(value, 1), MAX_PAGE_SIZE)


def _page(state: EmulatorState, items: list[Any], cursor: dict[str, Any], offset: int, size: int) -> str:
    """Issue the ``next_page_token`` for the page after ``items[offset:offset+size]`` (``""`` if last)."""
    if offset + size >= len(items):
        return ""
    return state.pages.issue({**cursor, "offset": offset + size, "page_size": size})


def _resume(state: EmulatorState, request: Request, kind: str) -> dict[str, Any] | Response | None:
    token = request.query.get("next_page_token")
    if not token:
        return None
    cursor = state.pages.resolve(token, state.config.page_token_ttl_seconds)
    if cursor is None or cursor.get("kind") != kind:
        return json_response(400, BAD_PAGE_TOKEN)
    return cursor


def list_users(state: EmulatorState, request: Request) -> Response:
    """``GET /v2/users``: ``status`` active (default), inactive or pending; token pagination."""
    size = _page_size(request)
    if isinstance(size, Response):
        return size
    cursor = _resume(state, request, "users")
    if isinstance(cursor, Response):
        return cursor
    if cursor is None:
        status = request.query.get("status") or "active"
        if status not in ("active", "inactive", "pending"):
            return _invalid_field("status")
        cursor, offset = {"kind": "users", "status": status}, 0
    else:
        offset = cursor.pop("offset")
        if "page_size" not in request.query:
            size = cursor["page_size"]
    users = state.dataset.users_with_status(cursor["status"])
    return json_response(
        200,
        {
            "page_count": math.ceil(len(users) / size),
            "page_number": 1,
            "page_size": size,
            "total_records": len(users),
            "next_page_token": _page(state, users, cursor, offset, size),
            "users": [user_json(u) for u in users[offset : offset + size]],
        },
    )


def minus_one_month(day: date) -> date:
    """The same day one calendar month earlier (clipped to the month's end: Mar 31 -> Feb 28/29)."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _parse_day(request: Request, name: str, default: date) -> date | Response:
    text = request.query.get(name)
    if not text:
        return default
    if len(text) != 10:
        return _invalid_field(name)
    try:
        return date.fromisoformat(text)
    except ValueError:
        return _invalid_field(name)


def _window(state: EmulatorState, request: Request) -> tuple[date, date] | Response:
    """``from``/``to`` with Zoom's defaults (today, tomorrow) and the silent one-month clamp (stricter with
    ``max_window_days``)."""
    today = state.today()
    to_day = _parse_day(request, "to", today + timedelta(days=1))
    if isinstance(to_day, Response):
        return to_day
    from_day = _parse_day(request, "from", today)
    if isinstance(from_day, Response):
        return from_day
    if from_day > to_day:
        return _invalid_field("from", "The from date should be before the to date.")
    first = max(from_day, minus_one_month(to_day))
    stricter = state.config.max_window_days
    if stricter is not None:
        first = max(first, to_day - timedelta(days=stricter - 1))
    return first, to_day


def list_recordings(state: EmulatorState, request: Request, user_segment: str) -> Response:
    """``GET /v2/users/{userId}/recordings`` (id, email or ``me``), newest ``start_time`` first; a user made
    ``user_gone`` (see ``planted``) answers 404/1001 although ``/v2/users`` still lists it."""
    dataset = state.dataset
    user_ref = unquote(user_segment)
    user = dataset.user(user_ref)
    if user is None or user.id is None:
        return json_response(
            404, {"code": 1001, "message": f"User {user_ref} not exist or not belong to this account."}
        )
    if state.planted.is_gone(user.id):
        return user_gone_response(user.email)
    page = _recordings_page(state, request, user.id)
    if isinstance(page, Response):
        return page
    if wants_trash(request, page[0]):
        return list_trash(state, request, user, page)
    cursor, first, last, offset, size = page
    meetings = dataset.meetings_for_host(user.id, first, last)
    base = state.api_base
    return json_response(
        200,
        {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "page_count": math.ceil(len(meetings) / size),
            "page_size": size,
            "total_records": len(meetings),
            "next_page_token": _page(state, meetings, cursor, offset, size),
            "meetings": [meeting_json(base, m) for m in meetings[offset : offset + size]],
        },
    )


def _recordings_page(
    state: EmulatorState, request: Request, user_id: str
) -> tuple[dict[str, Any], date, date, int, int] | Response:
    """This page of a user's recordings: (cursor, from, to, offset, page size) of a new listing (``from``/``to``)
    or of the ``next_page_token`` it continues."""
    size = _page_size(request)
    if isinstance(size, Response):
        return size
    cursor = _resume(state, request, "recordings")
    if isinstance(cursor, Response):
        return cursor
    if cursor is None:
        window = _window(state, request)
        if isinstance(window, Response):
            return window
        first, last = window
        return {"kind": "recordings", "user": user_id, "from": first, "to": last}, first, last, 0, size
    if cursor["user"] != user_id:
        return json_response(400, BAD_PAGE_TOKEN)
    first, last, offset = cursor["from"], cursor["to"], cursor.pop("offset")
    if "page_size" not in request.query:
        size = cursor["page_size"]
    return cursor, first, last, offset, size


def decode_meeting_ref(segment: str) -> str:
    """URL-decode a path segment, and decode again if it was double-encoded."""
    ref = unquote(segment)
    return unquote(ref) if "%" in ref else ref


def meeting_recordings(state: EmulatorState, request: Request, segment: str) -> Response:
    """``GET /v2/meetings/{meetingId}/recordings``: uuid (double-encoded or not) or numeric id."""
    dataset = state.dataset
    meeting = dataset.meeting(decode_meeting_ref(segment))
    if meeting is None or not meeting.live_files():
        return json_response(404, NO_RECORDING)
    host = dataset.host(meeting.host_id)
    download_token = None
    include = {p.strip() for p in request.query.get("include_fields", "").split(",")}
    if "download_access_token" in include:
        try:
            ttl = int(request.query.get("ttl") or 86400)
        except ValueError:
            return _invalid_field("ttl")
        if not 0 <= ttl <= MAX_DOWNLOAD_TOKEN_TTL:
            return _invalid_field("ttl")
        download_token = state.tokens.mint_download(ttl).value
    body = meeting_json(
        state.api_base,
        meeting,
        host_email=host.email if host else "",
        detail=True,
        download_access_token=download_token,
    )
    return json_response(200, body)
