from __future__ import annotations

import threading

import pendulum
import pytest

from zoom_archiver.errors import ZoomApiError, ZoomRateLimited, ZoomTokenRejected, ZoomTransientError
from zoom_archiver.zoom.throttling import (
    MAX_RETRY_AFTER_SECONDS,
    AdaptiveRateLimiter,
    RateLimiter,
    api_retrying,
    listing_pace,
    parse_retry_after,
)

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


class Account:
    """A Zoom account's per-second budget on a fake clock: ``limit`` calls in any one second, of which another
    integration takes ``background`` (evenly spread); a call over the budget is a 429 with ``Retry-After: 1``."""

    def __init__(self, clock, limit: int, background: float = 0.0) -> None:
        self.clock, self.limit, self.background = clock, limit, background
        self.ours: list[float] = []
        self.refused = 0

    def call(self) -> bool:
        now = self.clock.now
        recent = [t for t in self.ours if now - t < 1.0]
        if len(recent) + self.background >= self.limit:
            self.refused += 1
            return False
        self.ours.append(now)
        return True


def drive(limiter: AdaptiveRateLimiter, account: Account, clock, calls: int) -> float:
    """Make ``calls`` successful calls through ``limiter`` (a 429 is retried); returns the seconds taken."""
    started = clock.now
    done = 0
    while done < calls:
        limiter.acquire()
        clock.advance(0.005)  # the round trip
        if account.call():
            done += 1
        else:
            limiter.throttled(1.0)
    return clock.now - started


class TestAdaptiveRateLimiter:
    def test_pace_per_plan_and_hard_ceiling(self):
        assert listing_pace("pro", None) == pytest.approx(19.0)
        assert listing_pace("free", None) == pytest.approx(1.9)
        assert listing_pace("business", None) == pytest.approx(57.0)
        assert listing_pace("business", 8.0) == 8.0

    def test_alone_on_the_account_it_keeps_the_plans_pace_without_a_429(self, clock):
        account = Account(clock, limit=20)
        limiter = AdaptiveRateLimiter(listing_pace("pro", None), clock=clock, sleep=clock.sleep)
        seconds = drive(limiter, account, clock, 1000)
        assert account.refused == 0
        assert 1000 / seconds == pytest.approx(19.0, rel=0.01)

    def test_sharing_the_account_it_backs_off_and_keeps_under_what_is_left(self, clock):
        account = Account(clock, limit=20, background=10)
        limiter = AdaptiveRateLimiter(19.0, clock=clock, sleep=clock.sleep)
        seconds = drive(limiter, account, clock, 1000)
        rate = 1000 / seconds
        assert 6.0 <= rate <= 10.0  # most of what the other integration leaves, never more
        assert account.refused <= 40  # a 429 now and then while probing, not a storm (1,000 calls)
        assert limiter.rate < 10.5

    def test_a_burst_of_429s_cuts_the_pace_once(self, clock):
        limiter = AdaptiveRateLimiter(20.0, clock=clock, sleep=clock.sleep)
        for _ in range(8):  # the 429s of calls that were already in flight
            limiter.throttled(None)
        assert limiter.rate == pytest.approx(15.0)
        assert limiter.cuts == 1
        clock.advance(1.0)
        limiter.throttled(None)
        assert limiter.rate == pytest.approx(11.25)

    @pytest.mark.parametrize(("value", "seconds"), [("2", 2.0), ("2020-05-30T23:00:03Z", 3.0)])
    def test_retry_after_holds_every_caller(self, clock, value, seconds):
        limiter = AdaptiveRateLimiter(20.0, clock=clock, sleep=clock.sleep)
        limiter.acquire()
        limiter.throttled(parse_retry_after(value, now=NOW))
        limiter.acquire()
        assert clock.sleeps == [pytest.approx(seconds)]

    def test_it_probes_back_up_slowly_and_never_above_the_top(self, clock):
        limiter = AdaptiveRateLimiter(20.0, clock=clock, sleep=clock.sleep)
        limiter.throttled(None)
        rates = []
        for _ in range(60):
            clock.advance(1.0)
            limiter.acquire()
            rates.append(limiter.rate)
        # 5% of the top a second while under 90% of the pace that met the 429, then 1%
        assert rates[:4] == pytest.approx([16.0, 17.0, 18.0, 18.2])
        assert all(b >= a for a, b in zip(rates, rates[1:], strict=False))
        assert max(rates) == pytest.approx(20.0)

    def test_far_below_it_climbs_faster(self, clock):
        limiter = AdaptiveRateLimiter(20.0, clock=clock, sleep=clock.sleep)
        for _ in range(4):
            limiter.throttled(None)
            clock.advance(1.0)
        low = limiter.rate
        clock.advance(1.0)
        limiter.acquire()
        assert limiter.rate == pytest.approx(low + 1.0)  # 5% of the top a second

    def test_never_below_the_floor(self, clock):
        limiter = AdaptiveRateLimiter(20.0, clock=clock, sleep=clock.sleep)
        for _ in range(50):
            limiter.throttled(None)
            clock.advance(1.0)
        assert limiter.rate == pytest.approx(1.0)

    def test_a_top_of_zero_is_refused(self):
        with pytest.raises(ValueError, match="positive"):
            AdaptiveRateLimiter(0)


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
