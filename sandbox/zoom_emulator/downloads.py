"""API-host recording URLs: ``/rec/download``, ``/rec/webhook_download``, ``/rec/play``, ``/rec/share``.

A valid token (``Authorization: Bearer`` or the legacy ``?access_token=``; OAuth or
``download_access_token``) gets a **302** to a pre-signed CDN URL. An invalid or expired token gets
**200** with the 59-byte JSON ``{"status":false,"errorCode":124,"errorMessage":"Forbidden"}``; an unknown,
deleted or still-processing file gets **200 text/html**. Play and share URLs always answer an HTML page. A
``download_answer`` planted on the file (see ``planted``) replaces the answer, whatever the token.
"""

from __future__ import annotations

import hashlib
import html

from zoom_emulator.cdn_urls import cdn_path, content_type_for
from zoom_emulator.faults import file_chance
from zoom_emulator.httpbase import JSON_TYPE, Response, html_response
from zoom_emulator.model import RecordingFile
from zoom_emulator.state import EmulatorState
from zoom_emulator.tokens import VALID

FORBIDDEN_BODY = b'{"status":false,"errorCode":124,"errorMessage":"Forbidden"}'

_PAGE = (
    '<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8"><title>{title}</title></head>'
    '<body><div id="app" class="{css}"><div class="content"><h1>{title}</h1><p>{message}</p>'
    "</div></div></body></html>"
)


def page(title: str, message: str, css: str = "error-page") -> Response:
    """A Zoom-looking HTML page (status 200, as Zoom answers failed downloads)."""
    return html_response(200, _PAGE.format(title=html.escape(title), message=html.escape(message), css=css))


def host_only_page() -> Response:
    """The page for unknown or deleted files."""
    return page("Error - Zoom", "Only the host can download this recording. Please sign in as the host.")


def webhook_suffix(f: RecordingFile) -> str:
    """The second path segment of a file's ``/rec/webhook_download/{token}/{suffix}`` URL."""
    return hashlib.sha256(f"webhook:{f.key}".encode()).hexdigest()[:32]


def download(state: EmulatorState, request_token: str | None, file_token: str, suffix: str | None) -> Response:
    """Answer a download URL hit; ``suffix`` is set for ``webhook_download`` URLs."""
    state.stats.request("download_api")
    dataset = state.dataset
    f = dataset.file_by_token(file_token)
    if f is not None and suffix is not None and suffix != webhook_suffix(f):
        f = None
    if f is not None:
        state.stats.download(f.key, "api")
        planted = state.planted.take("api", f.key)
        if planted is not None:
            state.stats.fault("download_answer")
            return planted
    if state.tokens.check(request_token, downloads=True) != VALID:
        return Response(200, FORBIDDEN_BODY, JSON_TYPE)
    meeting = dataset.meetings.get(f.meeting_uuid) if f is not None else None
    if f is None or meeting is None or f.deleted:
        return host_only_page()
    config = state.config
    first = state.faults.first_download("api", f.key)
    if first and file_chance(config.fault_seed, "html_once", f.key) < config.download_html_once_rate:
        state.stats.fault("download_html_once")
        return page("Zoom", "We're sorry, something went wrong. Please try again later.")
    if f.status == "processing":
        return page("Zoom", "This recording is still being processed. Please try again later.")
    location = state.signer.signed_url(
        state.redirect_base(),
        cdn_path(meeting, f),
        content_type_for(f.extension),
        config.cdn_url_ttl_seconds,
    )
    return Response(302, b"", None, [("Location", location)])


def request_token(request_query: dict[str, str], header_token: str | None) -> str | None:
    """The token a download request carries: the Bearer header, else ``?access_token=``."""
    return header_token or request_query.get("access_token") or None


def play(state: EmulatorState, file_token: str) -> Response:
    """``/rec/play/{token}``: the web player page, never the file."""
    state.stats.request("play")
    f = state.dataset.file_by_token(file_token)
    if f is None or f.deleted:
        return page("Error - Zoom", "This recording does not exist.")
    return page("Zoom Recording Player", f"Recording {f.file_type or 'file'} - use the player to watch.", "player")


def share(state: EmulatorState, share_token: str) -> Response:
    """``/rec/share/{token}``: the share page."""
    state.stats.request("play")
    return page("Zoom Recording", "Passcode required to view this recording.", "share")
