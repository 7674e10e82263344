"""The control plane's routes for deadlines, the trash, settings and the non-meeting sources.

``GET`` views (JSON):

=========================  ========================================================================================
/_emulator/clock           emulated time and pending auto-delete deadlines (``deadlines``)
/_emulator/sources         every Phone recording, transcript, voicemail and clip object with its expected bytes
                           (``size``, ``sha256``; ``?sha256=0`` skips hashes) and ``download_url``
/_emulator/phone           Phone recordings and voicemails with their trash state (``phone_control``)
/_emulator/summaries       summaries with their state (``summaries_control``)
/_emulator/rooms           Zoom Rooms (``rooms``)
=========================  ========================================================================================

``POST`` actions: ``/clock``, ``/auto_delete`` (``deadlines``); ``/settings`` (``settings_api``);
``/trash/meeting``, ``/trash/file``, ``/trash/recover`` (``trash_control``); ``/phone/...``
(``phone_control``); ``/summaries...`` (``summaries_control``); ``/clips``, ``/clips/edit``, ``/clips/delete``
(``clips``); ``/rooms`` (``rooms``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zoom_emulator import clips, deadlines, phone_control, rooms, settings_api, summaries_control, trash_control
from zoom_emulator.content import expected_sha256
from zoom_emulator.httpbase import Request, Response
from zoom_emulator.phone_render import recording_url, transcript_url, voicemail_url
from zoom_emulator.state import EmulatorState


def _download_urls(state: EmulatorState) -> dict[str, str]:
    base, extras, urls = state.api_base, state.dataset.extras, {}
    for rec in list(extras.phone_recordings.values()):
        urls[rec.audio.key] = recording_url(base, rec)
        if rec.transcript is not None:
            urls[rec.transcript.key] = transcript_url(base, rec)
    for vm in list(extras.voicemails.values()):
        urls[vm.audio.key] = voicemail_url(base, vm)
    for clip in list(extras.clips.values()):
        urls[clip.video.key] = f"{base}/clips/{clip.clip_id}/download"
    return urls


def sources(state: EmulatorState, request: Request) -> dict[str, Any]:
    """``GET /_emulator/sources``."""
    with_sha = request.query.get("sha256", "1").lower() not in ("0", "false", "no")
    urls = _download_urls(state)
    items = [
        {
            "kind": b.kind,
            "key": b.key,
            "guid": b.guid,
            "size": b.size,
            "extension": b.extension,
            "ready": b.ready,
            "gone": b.gone,
            "sha256": expected_sha256(b.key, b.size) if with_sha else None,
            "download_url": urls.get(b.key),
        }
        for b in state.dataset.extras.blobs()
    ]
    return {"seed": state.seed_name, "sources": items}


VIEWS: dict[str, Callable[[EmulatorState, Request], Any]] = {
    "/clock": lambda state, request: deadlines.clock_get(state),
    "/sources": sources,
    "/phone": lambda state, request: phone_control.snapshot(state),
    "/summaries": lambda state, request: summaries_control.snapshot(state),
    "/rooms": lambda state, request: rooms.snapshot(state),
}

ACTIONS: dict[str, Callable[[EmulatorState, dict[str, Any]], Response]] = {
    "/clock": deadlines.clock_post,
    "/auto_delete": deadlines.set_deadline,
    "/settings": settings_api.update,
    "/trash/meeting": trash_control.trash_meeting,
    "/trash/file": trash_control.trash_file,
    "/trash/recover": trash_control.recover_files,
    "/clips": clips.add,
    "/clips/edit": clips.edit,
    "/clips/delete": clips.delete,
    "/rooms": rooms.add_room,
    **phone_control.ACTIONS,
    **summaries_control.ACTIONS,
}
