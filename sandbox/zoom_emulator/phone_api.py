"""The Zoom Phone endpoints: call recordings, voicemails, their downloads and transcripts (routes: ``extra_routes``).

==========================================================  ========  ==========================================
``GET /v2/phone/recordings``                                Medium    account's call recordings
``GET /v2/phone/users/{userId}/recordings``                 Medium    one user's (id, e-mail or ``me``)
``GET /v2/phone/recording/download/{fileId}``               Medium    302 to the MP3 (key of ``download_url``)
``GET /v2/phone/recording_transcript/download/{recordingId}``  Light  302 to the transcript (JSON)
``GET /v2/phone/voice_mails``                               Heavy     account's voicemails (daily cap counts)
``GET /v2/phone/users/{userId}/voice_mails``                Medium    one user's voicemails
``GET /v2/phone/voice_mails/{voicemailId}``                 Light     one voicemail, with its transcription
``GET /v2/phone/voice_mails/download/{fileId}``             Medium    302 to the MP3
==========================================================  ========  ==========================================

Labels, parameters and errors: Zoom Phone API spec (see ``phone_render``). Windows: ``from``/``to`` take
``yyyy-mm-dd`` or ``yyyy-MM-ddTHH:mm:ssZ``; ``to`` is "required only when from is specified" (400 without it);
without both, "the past 30 days" (the emulator: 30 whole UTC days ending today); "the date range ... should be a
month as the response only includes one month's worth of data": Zoom does not say whether a wider range is
refused or cut, so the emulator narrows ``from`` to 30 whole days ending on ``to`` (narrower than any calendar
month; echoed in the user listings' ``from``; the account listing has no ``from``/``to`` in its answer, per the
spec). ``query_date_type=end_time`` filters by end time. Newest first (Zoom documents no order). Account listing
answers have no ``page_count`` or ``from``/``to``. The user voicemail listing calls its trash switch ``trash``, the
account one ``trashed`` (both as in the spec).

No Phone licence (config ``phone_access: no_licence``): every ``/phone`` call answers **403** (the Phone spec:
"You'll receive a 403 error message if you have not set up Zoom Phone"; the body is not published, the emulator
sends ``{"code": 403, "message": "Zoom Phone has not been enabled for this account."}`` and clients should key on
the status). App without the Phone scope (``no_scope``): 400 code 4711 naming the missing scope, the shape Zoom
uses for any missing scope.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from zoom_emulator import extra_cdn, listing
from zoom_emulator.httpbase import Request, Response, json_response
from zoom_emulator.phone_render import recording_item, voicemail_item

if TYPE_CHECKING:
    from zoom_emulator.sources_model import PhoneRecording, Voicemail
    from zoom_emulator.state import EmulatorState

NO_LICENCE = {"code": 403, "message": "Zoom Phone has not been enabled for this account."}
NO_FILE = {"code": 404, "message": "File does not exist."}
TRANSCRIBING = {
    "code": 12002,
    "message": "This recording is still in the process of being transcribed. Reopen this recording in a few minutes.",
}


def access_denied(state: EmulatorState, scope: str) -> Response | None:
    """The answer every /phone call gets without a Phone licence or scope (``None``: allowed)."""
    access = state.config.phone_access
    if access == "no_licence":
        return json_response(403, NO_LICENCE)
    if access == "no_scope":
        message = f"Invalid access token, does not contain scopes:[{scope}]."
        return json_response(400, {"code": 4711, "message": message})
    return None


def _default_window(state: EmulatorState) -> tuple[datetime, datetime]:
    today = datetime.combine(state.today(), datetime.min.time(), tzinfo=state.now().tzinfo)
    return today - timedelta(days=29), today + timedelta(days=1) - timedelta(seconds=1)  # 30 whole days to today


def _window_cursor(state: EmulatorState, request: Request, extra: dict[str, Any]) -> dict[str, Any] | Response:
    window = listing.window(request, _default_window(state), widest=listing.thirty_days, to_required=True)
    if isinstance(window, Response):
        return window
    return {"from": window[0].isoformat(), "to": window[1].isoformat(), **extra}


def _in_window(cursor: dict[str, Any], moment: datetime) -> bool:
    return datetime.fromisoformat(cursor["from"]) <= moment <= datetime.fromisoformat(cursor["to"])


def _user_id(state: EmulatorState, segment: str) -> str | Response:
    ref = unquote(segment)
    user = state.dataset.user(ref)
    if user is None or user.id is None:
        return json_response(404, {"code": 1001, "message": f"User does not exist: {ref}."})
    return user.id


def _recordings(state: EmulatorState, cursor: dict[str, Any]) -> list[PhoneRecording]:
    by_end = cursor.get("query_date_type") == "end_time"
    found = [
        r
        for r in list(state.dataset.extras.phone_recordings.values())
        if not r.deleted
        and r.trashed_at is None
        and _in_window(cursor, r.end if by_end else r.start)
        and cursor.get("user") in (None, r.owner_id)
        and cursor.get("owner_type") in (None, "all", "", r.owner_type)
        and cursor.get("recording_type") in (None, "", r.recording_type)
    ]
    return sorted(found, key=lambda r: (r.start, r.id), reverse=True)


def list_recordings(state: EmulatorState, request: Request, groups: tuple[str, ...]) -> Response:
    """``GET /v2/phone/recordings`` and ``GET /v2/phone/users/{userId}/recordings``."""
    user = _user_id(state, groups[0]) if groups else None
    if isinstance(user, Response):
        return user
    query = request.query
    extra = {"user": user, "query_date_type": query.get("query_date_type")}
    if user is None:
        extra.update(owner_type=query.get("owner_type"), recording_type=query.get("recording_type"))
    page = listing.page(state, request, "phone_recordings", lambda: _window_cursor(state, request, extra))
    if isinstance(page, Response):
        return page
    found = _recordings(state, page.cursor)
    items = [recording_item(state.api_base, r, user is None) for r in found[page.offset : page.offset + page.size]]
    if user is None:
        body = {"next_page_token": page.token(state, len(found)), "page_size": page.size}
        return json_response(200, {**body, "recordings": items, "total_records": len(found)})
    return json_response(200, _user_body(page, found, items, "recordings", state))


def _user_body(page: listing.Page, found: list[Any], items: list[Any], key: str, state: Any) -> dict[str, Any]:
    return {
        "from": page.cursor["from"][:10],
        "to": page.cursor["to"][:10],
        "page_count": page.count(len(found)),
        "page_size": page.size,
        "total_records": len(found),
        "next_page_token": page.token(state, len(found)),
        key: items,
    }


def _voicemails(state: EmulatorState, cursor: dict[str, Any]) -> list[Voicemail]:
    trashed = cursor.get("trashed", False)
    found = [
        v
        for v in list(state.dataset.extras.voicemails.values())
        if not v.deleted
        and (v.trashed_at is not None) == trashed
        and _in_window(cursor, v.start)
        and cursor.get("user") in (None, v.owner_id)
        and cursor.get("status") in (None, "", "all", v.status)
    ]
    return sorted(found, key=lambda v: (v.start, v.id), reverse=True)


def list_voicemails(state: EmulatorState, request: Request, groups: tuple[str, ...]) -> Response:
    """``GET /v2/phone/voice_mails`` (``trashed``) and ``GET /v2/phone/users/{userId}/voice_mails`` (``trash``)."""
    user = _user_id(state, groups[0]) if groups else None
    if isinstance(user, Response):
        return user
    switch = request.query.get("trashed" if user is None else "trash", "false").lower() in ("true", "1")
    extra = {"user": user, "status": request.query.get("status"), "trashed": switch}
    bad_token = {"code": 400, "message": "The next page token is invalid or expired."} if user else None
    page = listing.page(
        state, request, "voice_mails", lambda: _window_cursor(state, request, extra), bad_token=bad_token
    )
    if isinstance(page, Response):
        return page
    found = _voicemails(state, page.cursor)
    now = state.now()
    items = [voicemail_item(state.api_base, v, user is None, now) for v in found[page.offset : page.offset + page.size]]
    return json_response(200, _user_body(page, found, items, "voice_mails", state))


def voicemail_detail(state: EmulatorState, request: Request, groups: tuple[str, ...]) -> Response:
    """``GET /v2/phone/voice_mails/{voicemailId}``."""
    vm = state.dataset.extras.voicemails.get(unquote(groups[0]))
    if vm is None or vm.deleted:
        return json_response(400, {"code": 300, "message": f"Voice mail does not exist: {groups[0]}."})
    return json_response(200, voicemail_item(state.api_base, vm, False, state.now(), detail=True))


def download(state: EmulatorState, request: Request, groups: tuple[str, ...]) -> Response:
    """``GET /v2/phone/recording/download/{fileId}`` and ``/v2/phone/voice_mails/download/{fileId}``."""
    item = state.dataset.extras.by_download_key(unquote(groups[0]))
    if item is None or item.deleted or item.trashed_at is not None:
        return json_response(400, NO_FILE)
    state.stats.download(item.audio.key, "api")
    return extra_cdn.redirect(state, item.audio)


def transcript(state: EmulatorState, request: Request, groups: tuple[str, ...]) -> Response:
    """``GET /v2/phone/recording_transcript/download/{recordingId}``."""
    rec = state.dataset.extras.phone_recordings.get(unquote(groups[0]))
    if rec is None or rec.deleted or rec.trashed_at is not None or rec.transcript is None:
        return json_response(400, NO_FILE)
    if rec.transcript_status != "completed":
        return json_response(400, TRANSCRIBING)
    state.stats.download(rec.transcript.key, "api")
    return extra_cdn.redirect(state, rec.transcript)
