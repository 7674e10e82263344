"""Client-side rate cap and the retry policy for Zoom API calls (429, 5xx, dropped connections)."""

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
