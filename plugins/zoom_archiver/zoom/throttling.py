"""Client-side pacing of Zoom API calls (the account's real rate, adapted to 429s) and the retry policy for Zoom API
calls (429, 5xx, dropped connections)."""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable
from typing import Any

import pendulum
import tenacity

from zoom_archiver.errors import ZoomRateLimited, ZoomTokenRejected, ZoomTransientError
from zoom_archiver.retries import RETRIES

#: A Retry-After further away than this (Zoom's *daily* limit answers with a date) fails the call instead.
MAX_RETRY_AFTER_SECONDS = 300.0
#: The longest a 429's Retry-After holds every caller back (a daily limit's date is not waited for here).
MAX_HOLD_SECONDS = 60.0

#: Zoom's per-second limit of *Medium* APIs (list users, list recordings) by plan, per account and shared by every
#: app of the account (Zoom's "Rate limits" page, as of 2026-02): Free 2/s, Pro 20/s, Business and higher 60/s.
PLAN_MEDIUM_LIMITS: dict[str, float] = {"free": 2.0, "pro": 20.0, "business": 60.0}
#: Cloud recording needs a Pro plan or higher, so Pro is the lowest plan this archiver can run on: the safe default.
DEFAULT_PLAN = "pro"
#: Share of the plan's limit the listing paces at: Zoom counts calls as they arrive, so calls spaced exactly at
#: the limit would meet 429s from network jitter alone.
HEADROOM = 0.95
#: After a 429 the pace is cut to this share (once per second: the 429s of calls already in flight do not count).
DECREASE = 0.75
#: Back up by this share of the top rate per second without a 429, while under 90% of the pace that last met one;
#: above it, by SLOW_STEP only (another integration of the account may need the rest).
FAST_STEP = 0.05
SLOW_STEP = 0.01
PROBE_SECONDS = 1.0


class RateLimiter:
    """Spaces calls evenly at ``rate`` per second across all threads of the process.

    :param rate: calls per second; ``None`` or ``0`` disables the cap.
    :param clock: monotonic clock (injectable for tests).
    :param sleep: sleep function (injectable for tests).
    """

    def __init__(
        self,
        rate: float | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Block until the next call may start."""
        if not self.interval:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)

    def hold_off(self, seconds: float) -> None:
        """Push every caller back by ``seconds`` (used after a 429 so the whole pool backs off)."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)

    def throttled(self, retry_after: float | None) -> None:
        """Zoom answered 429: honour its ``Retry-After`` for every caller."""
        if retry_after is not None:
            self.hold_off(min(retry_after, MAX_HOLD_SECONDS))


def listing_pace(plan: str, ceiling: float | None) -> float:
    """The rate a run starts at and never exceeds: the plan's Medium limit with headroom, under ``ceiling``
    (the connection's ``max_requests_per_second``, a hard cap)."""
    top = PLAN_MEDIUM_LIMITS[plan] * HEADROOM
    return min(top, ceiling) if ceiling else top


class AdaptiveRateLimiter(RateLimiter):
    """Paces calls at the rate the account can take, shared by every listing thread of a run.

    Starts at ``top`` (see :func:`listing_pace`); a 429 cuts the pace to :data:`DECREASE` of itself (at most once a
    second) and holds every caller back for its ``Retry-After``; every second without a 429 the pace creeps back up
    towards ``top``, slowly near the pace that last met a 429, so a second integration of the account keeps its
    share. ``top`` is never exceeded.
    """

    def __init__(
        self,
        top: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if top <= 0:
            raise ValueError(f"the top rate must be positive, got {top}")
        super().__init__(top, clock=clock, sleep=sleep)
        self.top = top
        self.rate = top
        self.floor = min(top, max(0.2, top * 0.05))
        self.cuts = 0
        self._changed = clock()
        self._calm_until = float("-inf")
        self._limit_seen: float | None = None

    def acquire(self) -> None:
        """Block until the next call may start at the current pace."""
        with self._lock:
            now = self._clock()
            self._probe(now)
            start = max(now, self._next)
            self._next = start + 1.0 / self.rate
        if start > now:
            self._sleep(start - now)

    def _probe(self, now: float) -> None:
        if self.rate >= self.top or now - self._changed < PROBE_SECONDS:
            return
        near = self._limit_seen is not None and self.rate >= 0.9 * self._limit_seen
        self.rate = min(self.top, self.rate + self.top * (SLOW_STEP if near else FAST_STEP))
        self._changed = now

    def throttled(self, retry_after: float | None) -> None:
        """Zoom answered 429: slow down (once per second) and hold every caller back for ``Retry-After``."""
        with self._lock:
            now = self._clock()
            if now >= self._calm_until:
                self._limit_seen = self.rate
                self.rate = max(self.floor, self.rate * DECREASE)
                self._calm_until = now + PROBE_SECONDS
                self.cuts += 1
            self._changed = now
            if retry_after is not None:
                self._next = max(self._next, now + min(retry_after, MAX_HOLD_SECONDS))


def parse_retry_after(value: str | None, *, now: pendulum.DateTime | None = None) -> float | None:
    """Seconds to wait according to a ``Retry-After`` header.

    Zoom has sent it as delta-seconds, as an HTTP date and as an ISO date (``2020-05-31T00:00:00Z``).
    Returns ``None`` when the header is absent or unreadable.
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    now = now or pendulum.now("UTC")
    when: Any = None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            when = pendulum.parse(value)
        except (ValueError, pendulum.parsing.exceptions.ParserError):
            return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=pendulum.UTC)
    return max(0.0, float((when - now).total_seconds()))


class _WaitRetryAfterOrBackoff(tenacity.wait.wait_base):
    """Wait what Zoom asked for in Retry-After, else exponential backoff with full jitter."""

    def __init__(self, initial: float, maximum: float) -> None:
        self._backoff = tenacity.wait_exponential_jitter(multiplier=initial, max=maximum)

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, ZoomRateLimited) and exc.retry_after is not None:
            return exc.retry_after + 0.1
        return self._backoff(retry_state)


def _is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, ZoomRateLimited):
        if exc.retry_after is None:
            return not exc.daily  # a daily limit without a date only resets at 00:00 UTC
        return exc.retry_after <= MAX_RETRY_AFTER_SECONDS
    # a fresh token rejected too: another worker of the same app minted one meanwhile (Zoom may invalidate the
    # older token), so back off and mint again rather than fail the whole listing
    return isinstance(exc, (ZoomTransientError, ZoomTokenRejected))


def api_retrying(
    *,
    attempts: int = RETRIES.api_attempts,
    initial_wait: float = 0.5,
    max_wait: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> tenacity.Retrying:
    """The retry policy of every Zoom API call: 429 and transient errors, bounded attempts, re-raise."""
    return tenacity.Retrying(
        retry=tenacity.retry_if_exception(_is_retryable),
        wait=_WaitRetryAfterOrBackoff(initial_wait, max_wait),
        stop=tenacity.stop_after_attempt(attempts),
        sleep=sleep,
        reraise=True,
    )
