"""The CDN listener: serves recording bytes at pre-signed ``/cmr/replay/...`` URLs.

Rules, in order: only GET/HEAD; any ``Authorization`` header is refused (400, as S3 behind CloudFront
answers "Only one auth mechanism allowed"); the signature and ``Expires`` must be valid (403 XML);
the path must name a live, completed file (404 XML). Then the bytes are streamed in chunks with
``Content-Type`` by extension and ``Content-Length``; ``Range: bytes=a-``, ``a-b`` and ``-n`` give 206
(unless ``cdn_supports_range`` is off). Faults: the first download of a file may be cut short
(``download_drop_rate``), every response may be throttled (``cdn_throttle_bytes_per_second``), and a GET of a
file with a planted ``cdn`` answer (see ``planted``) gets that answer instead.
"""

from __future__ import annotations

import hashlib
import re
from email.utils import formatdate

from zoom_emulator import extra_cdn
from zoom_emulator.cdn_urls import EXPIRED, MISSING, cdn_path, content_type_for
from zoom_emulator.content import BLOCK_SIZE, iter_chunked_range
from zoom_emulator.faults import file_chance
from zoom_emulator.httpbase import Request, Response
from zoom_emulator.state import EmulatorState

_PATH = re.compile(r"/cmr/replay/\d{4}/\d{2}/\d{2}/\d+/([0-9A-F-]{36})/[^/]+")
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
XML_TYPE = "application/xml"
ONE_AUTH = (
    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string "
    "parameter or the Authorization header should be specified"
)


def xml_error(status: int, code: str, message: str, extra: str = "") -> Response:
    """An S3/CloudFront-style XML error document."""
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>{extra}</Error>'
    )
    return Response(status, body.encode(), XML_TYPE)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | str:
    """``(start, end_exclusive)`` for a single satisfiable range, ``None`` to ignore, ``"416"`` if unsatisfiable."""
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        length = int(last)
        return (max(0, size - length), size) if length and size else "416"
    start = int(first)
    end = min(int(last) + 1, size) if last else size
    if last and int(last) < start:
        return None
    if start >= size:
        return "416"
    return start, end


class CdnApp:
    """The CDN host's request handler."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def __call__(self, request: Request) -> Response:
        """Serve one CDN request and count its response status."""
        response = self._route(request)
        self.state.stats.response(response.status)
        return response

    def _route(self, request: Request) -> Response:
        state = self.state
        state.stats.request("download_cdn")
        if request.method not in ("GET", "HEAD"):
            return xml_error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        if request.header("Authorization") is not None:
            return xml_error(400, "InvalidArgument", ONE_AUTH, "<ArgumentName>Authorization</ArgumentName>")
        match = _PATH.fullmatch(request.raw_path)
        if match is None:
            blob = extra_cdn.lookup(state, request)  # Phone, voicemail, transcript and clip objects
            if blob is None:
                return xml_error(403, "AccessDenied", "Access denied")
            if isinstance(blob, Response):
                return blob
            return self._serve(request, blob.key, blob.size, blob.extension, blob.modified.timestamp())
        verdict = state.signer.verify(request.raw_path, request.query)
        if verdict == MISSING:
            return xml_error(403, "MissingKey", "Missing Key-Pair-Id query parameter or cookie value")
        if verdict == EXPIRED:
            return xml_error(403, "AccessDenied", "Request has expired")
        if verdict is not None:
            return xml_error(403, "AccessDenied", "Access denied")
        dataset = state.dataset
        f = dataset.file_by_guid(match.group(1))
        meeting = dataset.meetings.get(f.meeting_uuid) if f is not None else None
        if f is None or meeting is None or f.deleted or f.status == "processing":
            return xml_error(404, "NoSuchKey", "The specified key does not exist.")
        if cdn_path(meeting, f) != request.raw_path:
            return xml_error(404, "NoSuchKey", "The specified key does not exist.")
        planted = state.planted.take("cdn", f.key) if request.method == "GET" else None
        if planted is not None:
            state.stats.download(f.key, "cdn")
            state.stats.fault("download_answer")
            return planted
        return self._serve(request, f.key, f.served_size, f.extension, f.recording_end.timestamp())

    def _serve(self, request: Request, key: str, size: int, extension: str, modified: float) -> Response:
        state = self.state
        config = state.config
        headers = [
            ("Last-Modified", formatdate(modified, usegmt=True)),
            ("ETag", '"' + hashlib.md5(f"{key}:{size}".encode(), usedforsecurity=False).hexdigest() + '"'),
        ]
        status, start, end = 200, 0, size
        if config.cdn_supports_range:
            headers.append(("Accept-Ranges", "bytes"))
            wanted = parse_range(request.header("Range"), size)
            if wanted == "416":
                headers.append(("Content-Range", f"bytes */{size}"))
                return Response(416, b"", XML_TYPE, headers)
            if isinstance(wanted, tuple):
                status, (start, end) = 206, wanted
                headers.append(("Content-Range", f"bytes {start}-{end - 1}/{size}"))
        response = Response(status, b"", content_type_for(extension), headers, length=end - start)
        if request.method == "HEAD":
            return response
        state.stats.download(key, "cdn")
        length = end - start
        first = state.faults.first_download("cdn", key)
        if first and length and file_chance(config.fault_seed, "drop", key) < config.download_drop_rate:
            state.stats.fault("download_drop")
            response.drop_after = min(length - 1, int(length * config.download_drop_fraction))
        throttle = config.cdn_throttle_bytes_per_second
        chunk = BLOCK_SIZE if not throttle else max(4096, min(BLOCK_SIZE, throttle // 10))
        response.body = iter_chunked_range(key, size, start, end, chunk)
        response.throttle = throttle
        response.on_sent = state.stats.cdn_bytes
        return response
