"""Seeded generators for Zoom-looking identifiers (uuids, file ids, meeting numbers, opaque tokens)."""

from __future__ import annotations

import base64
import random
import threading
import uuid

_TO_ALNUM = bytes.maketrans(b"-_", b"xQ")


class IdFactory:
    """Deterministic, thread-safe source of identifiers; the same seed yields the same sequence."""

    def __init__(self, seed: str) -> None:
        self._rng = random.Random(f"zoom-emulator:{seed}")
        self._lock = threading.Lock()

    def _bytes(self, n: int) -> bytes:
        with self._lock:
            return self._rng.randbytes(n)

    def _text(self, n: int, alnum: bool) -> str:
        """``n`` characters of base64 text (``+``/``/`` mapped to letters when ``alnum``)."""
        raw = base64.urlsafe_b64encode(self._bytes((n * 3 + 3) // 4))[:n]
        if alnum:
            raw = raw.translate(_TO_ALNUM)
        return raw.decode("ascii")

    def meeting_uuid(self) -> str:
        """A meeting instance uuid: base64 of 16 bytes (may contain ``/``, ``+``; ends with ``==``)."""
        return base64.b64encode(self._bytes(16)).decode("ascii")

    def file_id(self) -> str:
        """A recording file id (a lower-case UUID4 string)."""
        return str(uuid.UUID(bytes=self._bytes(16), version=4))

    def guid(self) -> str:
        """An upper-case GUID for CDN paths."""
        return str(uuid.UUID(bytes=self._bytes(16), version=4)).upper()

    def user_id(self) -> str:
        """A user id like ``z8yBXksaAAjdhfsfdfkjgg`` (22 url-safe characters)."""
        return self._text(22, alnum=False)

    def meeting_number(self) -> int:
        """An 11-digit meeting number."""
        with self._lock:
            return self._rng.randrange(81_000_000_000, 99_999_999_999)

    def token(self, length: int = 40) -> str:
        """An opaque alphanumeric token (download/play path segments, page tokens)."""
        return self._text(length, alnum=True)

    def urlsafe(self, n_bytes: int) -> str:
        """Unpadded base64url of ``n_bytes`` random bytes."""
        return base64.urlsafe_b64encode(self._bytes(n_bytes)).rstrip(b"=").decode("ascii")

    def passcode(self) -> str:
        """A 32-character ``recording_play_passcode``."""
        return self._text(32, alnum=False)

    def number(self, low: int, high: int) -> int:
        """A seeded integer in ``[low, high]``."""
        with self._lock:
            return self._rng.randint(low, high)
