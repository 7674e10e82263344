"""The account-level recordings listing (every user's recordings and the Zoom Rooms') and the Zoom Rooms list.

``GET /v2/accounts/{accountId}/recordings`` (rate label Medium): "List recordings of an account" from Zoom's
older API reference (Cloud Recording tag; copies at https://apifox.com/apidoc/docs-site/406120/api-5365832 and
github.com/rootalley/py-zoom-api ``docs/CloudRecordingApi.md``); today it belongs to the Master Account API
(https://developers.zoom.us/docs/api/meetings/ma/), not to the ordinary Meeting API spec nor to Rivet's client.
``accountId`` is ``me`` (scope ``account:read:admin``) or an account id (``recording:read:admin``, sub accounts);
granular scope ``cloud_recording:read:list_account_recordings:admin`` (third-party setup notes). The emulator
accepts ``me`` and its own account id (other ids: 404 code 2001 "Account does not exist"). The old reference
speaks of "a monthly range ... within the past six months"; the emulator applies the per-user listing's rules
(default today to tomorrow, a wider window silently narrowed to one calendar month, ``to`` inclusive, newest
first, ``next_page_token``; no six-month limit). Meetings carry ``host_email`` (the reference's example); the
files and shapes are those of the per-user listing, participant audio excluded.

Zoom Rooms are pseudo-users: their recordings name the room's id as ``host_id``, the room never appears in
``GET /users`` and ``GET /users/{roomId}/recordings`` answers 404 code 1001 (github.com/ricardorodrigues-ca/
zoom-recording-downloader issue 43; Rox's integration lists Rooms transcripts through the account endpoint). The
emulator gives a room's recordings ``host_email`` ``rooms_<id>@<domain>`` (the shape reported in that issue).

``GET /v2/rooms`` (Zoom Rooms API, operation listZoomRooms, rate label MEDIUM,
https://developers.zoom.us/docs/api/rooms/): ``rooms[]`` with ``id``, ``room_id``, ``name``, ``location_id``,
``status``, ``activation_code``, ``tag_ids``; ``page_size``, ``next_page_token``. The emulator gives ``id`` and
``room_id`` the same value (the spec's examples do; whether they can differ is not documented).

Control plane: ``POST /_emulator/rooms`` ``{"name"}`` adds a room (meetings for it: ``POST /_emulator/meetings``
with ``"host_id": <room id>``); ``GET /_emulator/rooms`` lists them.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from zoom_emulator import listing
from zoom_emulator.httpbase import Request, Response, json_response
from zoom_emulator.render import meeting_json
from zoom_emulator.sources_builder import SourcesBuilder
from zoom_emulator.v2 import _window

if TYPE_CHECKING:
    from zoom_emulator.model import Meeting
    from zoom_emulator.sources_model import Room
    from zoom_emulator.state import EmulatorState


def host_email(state: EmulatorState, meeting: Meeting) -> str:
    """The meeting's ``host_email``: its user's, or its Zoom Room's pseudo address."""
    host = state.dataset.host(meeting.host_id)
    return host.email if host is not None else ""


def _with_host_email(state: EmulatorState, meeting: Meeting) -> dict[str, Any]:
    """The per-user listing's meeting object with ``host_email`` after ``host_id``."""
    out: dict[str, Any] = {}
    for key, value in meeting_json(state.api_base, meeting).items():
        out[key] = value
        if key == "host_id":
            out["host_email"] = host_email(state, meeting)
    return out


def _cursor(state: EmulatorState, request: Request) -> dict[str, Any] | Response:
    window = _window(state, request)
    if isinstance(window, Response):
        return window
    return {"from": window[0].isoformat(), "to": window[1].isoformat()}


def account_recordings(state: EmulatorState, request: Request, groups: tuple[str, ...]) -> Response:
    """``GET /v2/accounts/{accountId}/recordings``."""
    ref = unquote(groups[0])
    if ref not in ("me", state.dataset.account_id):
        return json_response(404, {"code": 2001, "message": f"Account does not exist: {ref}."})
    page = listing.page(state, request, "account_recordings", lambda: _cursor(state, request))
    if isinstance(page, Response):
        return page
    first, last = page.cursor["from"], page.cursor["to"]
    found = state.dataset.meetings_between(date.fromisoformat(first), date.fromisoformat(last))
    items = [_with_host_email(state, m) for m in found[page.offset : page.offset + page.size]]
    return json_response(
        200,
        {
            "from": first,
            "to": last,
            "page_count": page.count(len(found)),
            "page_size": page.size,
            "total_records": len(found),
            "next_page_token": page.token(state, len(found)),
            "meetings": items,
        },
    )


def room_json(room: Room) -> dict[str, Any]:
    """One ``GET /rooms`` item."""
    return {
        "activation_code": room.activation_code,
        "id": room.id,
        "location_id": room.location_id,
        "name": room.name,
        "room_id": room.id,
        "status": room.status,
        "tag_ids": [],
    }


def list_rooms(state: EmulatorState, request: Request, groups: tuple[str, ...]) -> Response:
    """``GET /v2/rooms``."""
    page = listing.page(state, request, "rooms", lambda: {"query_name": request.query.get("query_name", "")})
    if isinstance(page, Response):
        return page
    name = page.cursor["query_name"].lower()
    found = [r for r in list(state.dataset.extras.rooms.values()) if name in r.name.lower()]
    items = [room_json(r) for r in found[page.offset : page.offset + page.size]]
    return json_response(
        200, {"next_page_token": page.token(state, len(found)), "page_size": page.size, "rooms": items}
    )


def add_room(state: EmulatorState, body: dict[str, Any]) -> Response:
    """``POST /_emulator/rooms``."""
    name = str(body.get("name") or "").strip()
    if not name:
        return json_response(400, {"error": "give the room's name"})
    room = SourcesBuilder(f"added-room:{len(state.dataset.extras.rooms)}", state.dataset).room(name)
    return json_response(201, {**room_json(room), "host_email": room.host.email})


def snapshot(state: EmulatorState, body: Any = None) -> dict[str, Any]:
    """``GET /_emulator/rooms``."""
    return {"rooms": [{**room_json(r), "host_email": r.host.email} for r in list(state.dataset.extras.rooms.values())]}
