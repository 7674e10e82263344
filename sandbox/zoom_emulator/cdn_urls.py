"""Pre-signed CDN URLs: the path layout, CloudFront-style signing and verification, content types.

A file lives at ``/cmr/replay/YYYY/MM/DD/<meetingNo>/<GUID>/GMT<yyyymmdd-hhmmss>_<name>.<ext>`` (date and
time from the file's ``recording_start``). The query is
``response-content-type=<mime>&Expires=<epoch>&Signature=<sig>&Key-Pair-Id=<id>`` where ``Signature`` is
the unpadded base64url HMAC-SHA256 of ``"<path>\\n<Expires>"`` under the emulator's secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import quote

from zoom_emulator.model import Meeting, RecordingFile

CONTENT_TYPES = {
    "mp4": "video/mp4",
    "m4a": "audio/mp4",
    "json": "application/json",
    "vtt": "text/vtt",
    "txt": "text/plain",
    "csv": "text/csv",
    "jpg": "image/jpeg",
    "mp3": "audio/mpeg",
}
OCTET_STREAM = "application/octet-stream"

_NAME_BY_TYPE = {
    "MP4": "Recording_1920x1080",
    "M4A": "Recording",
    "TIMELINE": "Recording.timeline",
    "TRANSCRIPT": "Recording.transcript",
    "CC": "Recording.cc",
    "CHAT": "RecordingnewChat",
    "CSV": "Recording.poll",
    "SUMMARY": "Recording.summary",
}

MISSING = "missing"
EXPIRED = "expired"
BAD_SIGNATURE = "bad_signature"


def content_type_for(extension: str) -> str:
    """MIME type for a lower-case file extension."""
    return CONTENT_TYPES.get(extension.lower(), OCTET_STREAM)


def cdn_path(meeting: Meeting, f: RecordingFile) -> str:
    """The CDN path of a file (no query string)."""
    start = f.recording_start
    name = _NAME_BY_TYPE.get(f.file_type, f"Recording.{f.file_type.lower()}")
    return (
        f"/cmr/replay/{start:%Y/%m/%d}/{meeting.id}/{f.guid}/"
        f"GMT{start:%Y%m%d-%H%M%S}_{name}.{quote(f.extension, safe='')}"
    )


class UrlSigner:
    """Signs and verifies CDN URLs with an HMAC secret."""

    def __init__(self, secret: bytes, key_pair_id: str = "APKAEMULATOR7ZOOM") -> None:
        self._secret = secret
        self.key_pair_id = key_pair_id
        #: Signatures handed out in redirects (bounded), for leak tests: ``GET /_emulator/secrets``.
        self.issued: list[str] = []

    def signature(self, path: str, expires: int) -> str:
        """Unpadded base64url HMAC-SHA256 of ``path`` and ``expires``."""
        mac = hmac.new(self._secret, f"{path}\n{expires}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")

    def signed_url(self, base: str, path: str, content_type: str, ttl: int, now: float | None = None) -> str:
        """``base + path`` with the signed query; ``ttl`` may be negative to mint an already-expired URL."""
        expires = int((time.time() if now is None else now) + ttl)
        signature = self.signature(path, expires)
        if len(self.issued) < 100_000:
            self.issued.append(signature)
        query = (
            f"response-content-type={quote(content_type, safe='')}&Expires={expires}"
            f"&Signature={signature}&Key-Pair-Id={self.key_pair_id}"
        )
        return f"{base}{path}?{query}"

    def verify(self, path: str, query: dict[str, str], now: float | None = None) -> str | None:
        """``None`` when valid, else ``MISSING``, ``BAD_SIGNATURE`` or ``EXPIRED``."""
        expires_text = query.get("Expires")
        signature = query.get("Signature")
        if not expires_text or not signature or not query.get("Key-Pair-Id"):
            return MISSING
        try:
            expires = int(expires_text)
        except ValueError:
            return BAD_SIGNATURE
        if query.get("Key-Pair-Id") != self.key_pair_id:
            return BAD_SIGNATURE
        if not hmac.compare_digest(signature, self.signature(path, expires)):
            return BAD_SIGNATURE
        if (time.time() if now is None else now) >= expires:
            return EXPIRED
        return None
