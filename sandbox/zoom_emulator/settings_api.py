"""Recording settings an archiver reads: ``GET /v2/users/{userId}/settings`` and
``GET /v2/accounts/{accountId}/settings`` (both rate label Medium), and the control plane's ``/settings``.

Sources: Zoom's Users API spec (operation userSettings) and Accounts API spec (operation accountSettings), API hub
pages https://developers.zoom.us/docs/api/users/ and https://developers.zoom.us/docs/api/accounts/ (as of
2026-02; same fields in the 2023-07 Meeting API file): ``recording.auto_delete_cmr`` (boolean),
``recording.auto_delete_cmr_days`` (enum 30, 60, 90, 120; "when auto_delete_cmr is true"), and at account level
``allow_recovery_deleted_cloud_recordings`` ("deleted cloud recordings will be kept in trash for 30 days"),
``host_delete_cloud_recording`` and ``cloud_recording_download``.

The emulator answers only the ``recording`` section (the real answer has a dozen more sections), shows
``auto_delete_cmr_days`` only while ``auto_delete_cmr`` is true (the spec ties the value to it; safer to expect it
absent), ignores ``option`` and ``custom_query_fields``, and accepts ``me`` or the account's own id as
``accountId`` (any other: 404 code 2001 "Account does not exist", the code the Phone spec gives). Settings do not
move deadlines by themselves: a meeting's ``auto_delete_date`` is set by the seed or ``POST /_emulator/auto_delete``.

Control plane: ``POST /_emulator/settings`` ``{"user"?: id or e-mail, "auto_delete_cmr"?, "auto_delete_cmr_days"?,
"allow_recovery_deleted_cloud_recordings"?, "host_delete_cloud_recording"?, "cloud_recording_download"?}``
(without ``user``: the account's settings); returns the settings as the API shows them.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from zoom_emulator.httpbase import Request, Response, json_response
from zoom_emulator.sources_model import RecordingSettings

if TYPE_CHECKING:
    from zoom_emulator.state import EmulatorState

_BOOLS = (
    "auto_delete_cmr",
    "allow_recovery_deleted_cloud_recordings",
    "host_delete_cloud_recording",
    "cloud_recording_download",
)


def _recording(settings: RecordingSettings, account: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"cloud_recording": True, "auto_delete_cmr": settings.auto_delete_cmr}
    if settings.auto_delete_cmr:
        out["auto_delete_cmr_days"] = settings.auto_delete_cmr_days
    if account:
        out["allow_recovery_deleted_cloud_recordings"] = settings.allow_recovery_deleted_cloud_recordings
        out["host_delete_cloud_recording"] = settings.host_delete_cloud_recording
        out["cloud_recording_download"] = settings.cloud_recording_download
    return out


def user_settings(state: EmulatorState, request: Request, segment: str) -> Response:
    """``GET /v2/users/{userId}/settings``."""
    ref = unquote(segment)
    user = state.dataset.user(ref)
    if user is None or user.id is None:
        return json_response(404, {"code": 1001, "message": f"User does not exist: {ref}."})
    settings = state.dataset.extras.settings_for(user.id)
    return json_response(200, {"recording": _recording(settings, account=False)})


def account_settings(state: EmulatorState, request: Request, segment: str) -> Response:
    """``GET /v2/accounts/{accountId}/settings``."""
    ref = unquote(segment)
    if ref not in ("me", state.dataset.account_id):
        return json_response(404, {"code": 2001, "message": f"Account does not exist: {ref}."})
    return json_response(200, {"recording": _recording(state.dataset.extras.account_settings, account=True)})


def _changes(body: dict[str, Any]) -> dict[str, Any] | str:
    """The setting changes a control call asks for, checked (an error message when one is bad)."""
    changes: dict[str, Any] = {}
    for key in _BOOLS:
        if key in body:
            if not isinstance(body[key], bool):
                return f"{key} must be true or false"
            changes[key] = body[key]
    if "auto_delete_cmr_days" in body:
        days = body["auto_delete_cmr_days"]
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            return "auto_delete_cmr_days must be a positive integer"
        changes["auto_delete_cmr_days"] = days
    return changes


def update(state: EmulatorState, body: dict[str, Any]) -> Response:
    """``POST /_emulator/settings``."""
    extras = state.dataset.extras
    changes = _changes(body)
    if isinstance(changes, str):
        return json_response(400, {"error": changes})
    target, user_id = extras.account_settings, None
    if body.get("user"):
        user = state.dataset.user(str(body["user"]))
        if user is None or user.id is None:
            return json_response(404, {"error": "unknown user (give its id or e-mail)"})
        user_id = user.id
        target = extras.user_settings.get(user.id) or copy.deepcopy(extras.account_settings)
        extras.user_settings[user_id] = target
    for key, value in changes.items():
        setattr(target, key, value)
    return json_response(200, {"user_id": user_id, "recording": _recording(target, account=user_id is None)})
