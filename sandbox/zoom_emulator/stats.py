"""Thread-safe request, fault and download counters exposed at ``/_emulator/stats``."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

#: Request kinds counted in ``requests`` (every hit, whatever its outcome).
REQUEST_KINDS = (
    "oauth",
    "users",
    "recordings",
    "meeting_recordings",
    "download_api",
    "download_cdn",
    "play",
    "control",
    "other",
)


class Stats:
    """Counters; ``snapshot()`` returns plain JSON-ready data."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self._tokens_minted = 0
            self._requests: Counter[str] = Counter(dict.fromkeys(REQUEST_KINDS, 0))
            self._statuses: Counter[str] = Counter()
            self._faults: Counter[str] = Counter()
            self._rate_limited: Counter[str] = Counter()
            self._background: Counter[str] = Counter(served=0, refused=0)
            self._sent_429 = 0
            self._downloads: dict[str, dict[str, int]] = {}
            self._cdn_bytes = 0

    def token_minted(self) -> None:
        """Count one OAuth token."""
        with self._lock:
            self._tokens_minted += 1

    def request(self, kind: str) -> None:
        """Count one request of ``kind`` (see ``REQUEST_KINDS``)."""
        with self._lock:
            self._requests[kind] += 1

    def response(self, status: int) -> None:
        """Count one response status (429s are also totalled in ``http_429_sent``)."""
        with self._lock:
            self._statuses[str(status)] += 1
            if status == 429:
                self._sent_429 += 1

    def fault(self, kind: str) -> None:
        """Count one injected fault of ``kind``."""
        with self._lock:
            self._faults[kind] += 1

    def rate_limited(self, category: str) -> None:
        """Count one 429 caused by the per-second rate limiter."""
        with self._lock:
            self._rate_limited[category] += 1

    def background(self, served: bool) -> None:
        """Count one call of the simulated second integration (``background``), served or refused (429)."""
        with self._lock:
            self._background["served" if served else "refused"] += 1

    def download(self, file_key: str, where: str) -> None:
        """Count one download hit for a file; ``where`` is ``api`` or ``cdn``."""
        with self._lock:
            entry = self._downloads.setdefault(file_key, {"api": 0, "cdn": 0})
            entry[where] += 1

    def cdn_bytes(self, count: int) -> None:
        """Add bytes written by the CDN."""
        with self._lock:
            self._cdn_bytes += count

    def snapshot(self) -> dict[str, Any]:
        """All counters as a JSON-ready dict."""
        with self._lock:
            return {
                "tokens_minted": self._tokens_minted,
                "requests": dict(self._requests),
                "responses_by_status": dict(self._statuses),
                "http_429_sent": self._sent_429,
                "rate_limited": dict(self._rate_limited),
                "background": dict(self._background),
                "faults": dict(self._faults),
                "downloads_by_file": {k: dict(v) for k, v in self._downloads.items()},
                "cdn_bytes_sent": self._cdn_bytes,
            }
