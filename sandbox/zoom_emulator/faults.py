"""Fault injection and rate limiting: seeded decisions and the error responses they produce.

Per-file faults (dropped first CDN download, HTML on first API download) are decided by hashing
``(fault_seed, kind, file key)``, so the same files are affected whatever the request order. Per-request
faults (list errors, slow responses) draw from a ``random.Random`` seeded with ``fault_seed``.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections import deque
from datetime import date, datetime, timedelta, timezone
from email.utils import formatdate

from zoom_emulator.httpbase import HTML_TYPE, Response, json_response
from zoom_emulator.rate_plans import DAILY_MESSAGE

PER_SECOND_MESSAGE = "You have reached the maximum per-second rate limit for this API. Try again later."

_GATEWAY_PAGE = (
    "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
)


def file_chance(seed: int | str, kind: str, key: str) -> float:
    """A stable pseudo-random number in ``[0, 1)`` for a (seed, fault kind, file) triple."""
    digest = hashlib.sha256(f"{seed}|{kind}|{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class FaultState:
    """Remembers which files were already downloaded once and owns the seeded per-request RNG."""

    def __init__(self, seed: int | str = 0) -> None:
        self._lock = threading.Lock()
        self.reset(seed)

    def reset(self, seed: int | str) -> None:
        """Forget first-download history and reseed."""
        with self._lock:
            self._rng = random.Random(f"faults:{seed}")
            self._turn = 0
            self._calls = 0
            self._seen: dict[str, set[str]] = {"api": set(), "cdn": set()}

    def first_download(self, where: str, key: str) -> bool:
        """True exactly once per (``api``/``cdn``, file key)."""
        with self._lock:
            seen = self._seen[where]
            if key in seen:
                return False
            seen.add(key)
            return True

    def roll(self, rate: float) -> bool:
        """Seeded Bernoulli draw with probability ``rate``."""
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate

    def pick(self, options: list[str]) -> str:
        """Seeded choice among ``options``."""
        with self._lock:
            return self._rng.choice(options)

    def evenly(self, rate: float) -> bool:
        """True for exactly ``rate`` of the calls, evenly spaced (the n-th call fires when ``n * rate`` passes
        an integer): deterministic whatever the timing of concurrent requests."""
        if rate <= 0:
            return False
        with self._lock:
            self._calls += 1
            return int(self._calls * rate) > int((self._calls - 1) * rate)

    def next_in_turn(self, options: list[str]) -> str:
        """``options`` in turn, one per call (every kind shows up once the rate has fired ``len(options)`` times)."""
        with self._lock:
            choice = options[self._turn % len(options)]
            self._turn += 1
            return choice


def retry_after(style: str, seconds: int = 1) -> list[tuple[str, str]]:
    """The ``Retry-After`` header in a given style (``seconds``, ISO ``date``, ``http_date``, ``none``)."""
    if style == "none":
        return []
    if style == "seconds":
        return [("Retry-After", str(seconds))]
    moment = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=seconds + 1)
    if style == "date":
        return [("Retry-After", moment.strftime("%Y-%m-%dT%H:%M:%SZ"))]
    return [("Retry-After", formatdate(moment.timestamp(), usegmt=True))]


def too_many_requests(category: str, style: str) -> Response:
    """A per-second 429 in Zoom's shape for a rate-limit category (``light``/``medium``/``heavy``)."""
    headers = [("X-RateLimit-Category", category.capitalize()), ("X-RateLimit-Type", "QPS")]
    headers += retry_after(style)
    return json_response(429, {"code": 429, "message": PER_SECOND_MESSAGE}, headers)


def daily_limit_reached(category: str, limit: int, today: date) -> Response:
    """Zoom's daily-limit 429: ``X-RateLimit-Type: Daily-limit`` and ``Retry-After`` as the next 00:00 UTC, an
    ISO date (https://developers.zoom.us/docs/api/rate-limits/; header shapes as quoted in Zoom's devforum)."""
    reset = datetime.combine(today + timedelta(days=1), datetime.min.time())
    headers = [
        ("X-RateLimit-Category", category.capitalize()),
        ("X-RateLimit-Type", "Daily-limit"),
        ("X-RateLimit-Limit", str(limit)),
        ("X-RateLimit-Remaining", "0"),
        ("Retry-After", reset.strftime("%Y-%m-%dT%H:%M:%SZ")),
    ]
    return json_response(429, {"code": 429, "message": DAILY_MESSAGE}, headers)


def list_error(kind: str, category: str) -> Response:
    """The response for an injected list error of ``kind`` (see ``config.LIST_ERROR_KINDS``)."""
    if kind.startswith("429_"):
        return too_many_requests(category, kind.removeprefix("429_"))
    if kind == "500":
        return json_response(500, {"code": 500, "message": "Internal Error."})
    reason = {"502": "Bad Gateway", "503": "Service Temporarily Unavailable"}.get(kind, "Error")
    page = _GATEWAY_PAGE.format(code=kind, reason=reason).encode()
    return Response(int(kind), page, HTML_TYPE)


class RateLimiter:
    """Account-wide sliding one-second windows, one per category; rejected calls are not counted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, deque[float]] = {}

    def allow(self, category: str, limit: int | None) -> bool:
        """Record a call and return False when ``limit`` calls already happened in the last second."""
        if limit is None:
            return True
        now = time.monotonic()
        with self._lock:
            window = self._windows.setdefault(category, deque())
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= limit:
                return False
            window.append(now)
            return True

    def remaining(self, category: str, limit: int) -> int:
        """Calls left in the current window (for ``X-RateLimit-Remaining``)."""
        with self._lock:
            return max(0, limit - len(self._windows.get(category, ())))
