"""Downloads of the non-meeting sources: the API host's 302 and the CDN's signed ``/ext/...`` objects.

A Phone recording, voicemail, transcript or clip download answers **302** to a pre-signed CDN URL, like a meeting
file (one public capture follows the ``Location`` of ``/v2/phone/recording/download/{id}`` with
``redirect: 'manual'``; the Clips spec says "performs a HTTP 302 redirect to the actual download location").
The CDN path is ``/ext/<kind>/<yyyy>/<mm>/<dd>/<GUID>/<name>.<ext>`` signed like ``/cmr/replay/`` paths; the
bytes are ``content.iter_file_bytes(blob.key, blob.size)`` (``GET /_emulator/sources`` gives their SHA-256),
with ``Range``, throttling and the dropped-connection fault of the meeting files.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from zoom_emulator.cdn_urls import EXPIRED, MISSING, content_type_for
from zoom_emulator.httpbase import Request, Response
from zoom_emulator.sources_model import Blob

if TYPE_CHECKING:
    from zoom_emulator.state import EmulatorState

_PATH = re.compile(r"/ext/([a-z_]+)/\d{4}/\d{2}/\d{2}/([0-9A-F-]{36})/[^/]+")


def blob_path(blob: Blob) -> str:
    """The CDN path of a blob (no query string)."""
    return (
        f"/ext/{blob.kind}/{blob.modified:%Y/%m/%d}/{blob.guid}/"
        f"{quote(blob.name, safe='')}.{quote(blob.extension, safe='')}"
    )


def redirect(state: EmulatorState, blob: Blob) -> Response:
    """The API host's 302 to a freshly signed CDN URL of ``blob``."""
    location = state.signer.signed_url(
        state.redirect_base(), blob_path(blob), content_type_for(blob.extension), state.config.cdn_url_ttl_seconds
    )
    return Response(302, b"", None, [("Location", location)])


def lookup(state: EmulatorState, request: Request) -> Blob | Response | None:
    """The blob a CDN request names (``None``: not an ``/ext/`` path), or the XML error to answer."""
    from zoom_emulator.cdn import xml_error

    match = _PATH.fullmatch(request.raw_path)
    if match is None:
        return None
    verdict = state.signer.verify(request.raw_path, request.query)
    if verdict == MISSING:
        return xml_error(403, "MissingKey", "Missing Key-Pair-Id query parameter or cookie value")
    if verdict == EXPIRED:
        return xml_error(403, "AccessDenied", "Request has expired")
    if verdict is not None:
        return xml_error(403, "AccessDenied", "Access denied")
    blob = state.dataset.extras.blobs_by_guid.get(match.group(2))
    if blob is None or blob.gone or not blob.ready or blob_path(blob) != request.raw_path:
        return xml_error(404, "NoSuchKey", "The specified key does not exist.")
    return blob
