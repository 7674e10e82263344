from __future__ import annotations

import threading

import pendulum
import pytest

from zoom_archiver.errors import ZoomApiError, ZoomRateLimited, ZoomTokenRejected, ZoomTransientError
from zoom_archiver.throttling import MAX_RETRY_AFTER_SECONDS, RateLimiter, api_retrying, parse_retry_after

NOW = pendulum.datetime(2020, 5, 30, 23, 0, 0, tz="UTC")


class TestParseRetryAfter:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            pytest.param("30", 30.0, id="seconds"),
            pytest.param(" 2.5 ", 2.5, id="fractional-padded"),
            pytest.param("0", 0.0, id="zero"),
            pytest.param("-5", 0.0, id="negative-clamped"),
            pytest.param("Sat, 30 May 2020 23:01:00 GMT", 60.0, id="http-date"),
            pytest.param("2020-05-31T00:00:00Z", 3600.0, id="iso-date-daily-limit"),
            pytest.param("2020-05-31T01:00:00+01:00", 3600.0, id="iso-date-offset"),
            pytest.param("Sat, 30 May 2020 22:00:00 GMT", 0.0, id="date-in-the-past"),
        ],
    )
    def test_readable_values(self, value, expected):
        assert parse_retry_after(value, now=NOW) == pytest.approx(expected)

    @pytest.mark.parametrize(
        "value",
        [
            pytest.param(None, id="absent"),
            pytest.param("", id="empty"),
            pytest.param("   ", id="blank"),
            pytest.param("soon", id="word"),
            pytest.param("later, maybe", id="comma-junk"),
            pytest.param("Mon, 99 Foo 2020", id="broken-http-date"),
        ],
    )
    def test_unreadable_values(self, value):
        assert parse_retry_after(value, now=NOW) is None

    def test_defaults_to_the_current_time(self):
        value = pendulum.now("UTC").add(seconds=120).to_iso8601_string()
        assert 100 < parse_retry_after(value) <= 120


class TestRateLimiter:
    def test_spaces_calls_evenly(self, clock):
        limiter = RateLimiter(4.0, clock=clock, sleep=clock.sleep)
        starts = []
        for _ in range(5):
            limiter.acquire()
            starts.append(clock.now)
        gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
        assert gaps == pytest.approx([0.25] * 4)

    def test_no_wait_when_calls_are_already_slow(self, clock):
        limiter = RateLimiter(4.0, clock=clock, sleep=clock.sleep)
        limiter.acquire()
        clock.advance(1.0)
        limiter.acquire()
        assert clock.sleeps == []

    @pytest.mark.parametrize("rate", [None, 0])
    def test_disabled(self, rate, clock):
        limiter = RateLimiter(rate, clock=clock, sleep=clock.sleep)
        for _ in range(100):
            limiter.acquire()
        assert clock.sleeps == []

    def test_hold_off_delays_the_next_caller(self, clock):
        limiter = RateLimiter(4.0, clock=clock, sleep=clock.sleep)
        limiter.acquire()
        limiter.hold_off(5.0)
        limiter.acquire()
        assert clock.sleeps == [pytest.approx(5.0)]

    def test_shared_across_threads(self, clock):
        lock = threading.Lock()

        def sleep(seconds: float) -> None:
            with lock:
                clock.sleeps.append(seconds)

        limiter = RateLimiter(10.0, clock=clock, sleep=sleep)
        threads = [threading.Thread(target=limiter.acquire) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # The clock never moved: the 20 callers were given 20 distinct slots 0.1 s apart.
        assert sorted(clock.sleeps) == pytest.approx([0.1 * i for i in range(1, 20)])


class Flaky:
    """Raises the given exceptions in order, then returns ``"ok"``."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


class TestApiRetrying:
    def test_honours_retry_after(self):
        waits: list[float] = []
        call = Flaky(ZoomRateLimited("429", retry_after=2.0), ZoomRateLimited("429", retry_after=7.0))
        assert api_retrying(sleep=waits.append)(call) == "ok"
        assert call.calls == 3
        assert waits == [pytest.approx(2.0, abs=0.5), pytest.approx(7.0, abs=0.5)]
        assert waits[0] >= 2.0
        assert waits[1] >= 7.0

    @pytest.mark.parametrize(
        "error",
        [
            pytest.param(ZoomRateLimited("429 without Retry-After"), id="429-no-header"),
            pytest.param(ZoomTransientError("HTTP 503", status=503), id="5xx"),
            pytest.param(ZoomTransientError("ConnectionError"), id="connection"),
        ],
    )
    def test_backs_off_on_transient_errors(self, error):
        waits: list[float] = []
        call = Flaky(error, error)
        assert api_retrying(initial_wait=0.5, max_wait=30, sleep=waits.append)(call) == "ok"
        assert call.calls == 3
        assert len(waits) == 2
        assert all(0 < w <= 30 for w in waits)

    def test_backoff_is_capped(self):
        waits: list[float] = []
        call = Flaky(*[ZoomTransientError("503")] * 7)
        api_retrying(attempts=8, initial_wait=1, max_wait=4, sleep=waits.append)(call)
        assert max(waits) <= 4

    def test_gives_up_after_attempts_with_the_original_error(self):
        waits: list[float] = []
        error = ZoomTransientError("HTTP 502", status=502)
        call = Flaky(*[error] * 10)
        with pytest.raises(ZoomTransientError, match="502"):
            api_retrying(attempts=4, sleep=waits.append)(call)
        assert call.calls == 4
        assert len(waits) == 3

    @pytest.mark.parametrize(
        "error",
        [
            pytest.param(ZoomApiError("HTTP 404 code=1001", status=404, code=1001), id="api-error"),
            pytest.param(ValueError("bug"), id="programming-error"),
        ],
    )
    def test_does_not_retry_permanent_errors(self, error):
        waits: list[float] = []
        call = Flaky(error)
        with pytest.raises(type(error)):
            api_retrying(sleep=waits.append)(call)
        assert call.calls == 1
        assert waits == []

    def test_retries_a_token_rejected_again_after_a_remint(self):
        waits: list[float] = []
        call = Flaky(ZoomTokenRejected("401", status=401, code=124))
        api_retrying(sleep=waits.append)(call)
        assert call.calls == 2
        assert len(waits) == 1

    def test_does_not_wait_for_a_daily_limit(self):
        waits: list[float] = []
        call = Flaky(ZoomRateLimited("daily limit", retry_after=5 * 3600.0, daily=True))
        with pytest.raises(ZoomRateLimited, match="daily"):
            api_retrying(sleep=waits.append)(call)
        assert call.calls == 1
        assert waits == []

    def test_does_not_retry_a_daily_limit_without_retry_after(self):
        """Real daily-limit 429s have come without Retry-After; waiting seconds cannot help before 00:00 UTC."""
        waits: list[float] = []
        call = Flaky(ZoomRateLimited("daily limit", retry_after=None, daily=True))
        with pytest.raises(ZoomRateLimited):
            api_retrying(sleep=waits.append)(call)
        assert call.calls == 1
        assert waits == []

    def test_retry_after_at_the_limit_is_still_waited(self):
        waits: list[float] = []
        call = Flaky(ZoomRateLimited("429", retry_after=MAX_RETRY_AFTER_SECONDS))
        assert api_retrying(sleep=waits.append)(call) == "ok"
        assert waits[0] >= MAX_RETRY_AFTER_SECONDS
