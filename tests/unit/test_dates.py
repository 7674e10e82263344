"""Which dates a run lists (zoom_archiver.dates): trigger dates, the look-back, owed work, backfill intervals."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from zoom_archiver.dates import Window, backfill_window, merge_ranges, resolve_window, resolve_windows, subtract_ranges
from zoom_archiver.errors import ConfigurationError
from zoom_archiver.zoom.windows import WindowRule, listing_windows, month_before, served_whole


class TestResolveWindow:
    TODAY = date(2026, 3, 10)

    def test_scheduled_look_back(self):
        window = resolve_window(None, None, today=self.TODAY, lookback_days=7)
        assert window == Window(date(2026, 3, 3), date(2026, 3, 10), scheduled=True)

    def test_empty_strings_mean_scheduled(self):
        assert resolve_window("", "", today=self.TODAY, lookback_days=7).scheduled

    def test_owed_work_is_listed_besides_the_look_back_oldest_first(self):
        owed = [(date(2026, 2, 1), date(2026, 2, 3)), (date(2026, 1, 10), date(2026, 1, 10))]
        windows = resolve_windows(None, None, today=self.TODAY, lookback_days=7, owed=owed)
        assert [(w.start, w.end) for w in windows] == [
            (date(2026, 1, 10), date(2026, 1, 10)),
            (date(2026, 2, 1), date(2026, 2, 3)),
            (date(2026, 3, 3), date(2026, 3, 10)),
        ]
        assert all(w.scheduled for w in windows)

    def test_owed_work_inside_or_next_to_the_look_back_joins_it(self):
        owed = [(date(2026, 3, 1), date(2026, 3, 2)), (date(2026, 3, 8), date(2026, 3, 8))]
        windows = resolve_windows(None, None, today=self.TODAY, lookback_days=7, owed=owed)
        assert [(w.start, w.end) for w in windows] == [(date(2026, 3, 1), date(2026, 3, 10))]

    def test_a_triggered_range_lists_only_itself(self):
        owed = [(date(2026, 1, 10), date(2026, 1, 12))]
        windows = resolve_windows("2025-06-01", "2025-06-30", today=self.TODAY, lookback_days=7, owed=owed)
        assert windows == [Window(date(2025, 6, 1), date(2025, 6, 30), scheduled=False)]

    def test_from_only_runs_to_today(self):
        window = resolve_window("2025-01-01", None, today=self.TODAY, lookback_days=7)
        assert window == Window(date(2025, 1, 1), self.TODAY, scheduled=False)

    def test_to_only_looks_back_from_to(self):
        window = resolve_window(None, "2026-01-31", today=self.TODAY, lookback_days=7)
        assert window == Window(date(2026, 1, 24), date(2026, 1, 31), scheduled=False)

    def test_explicit_range_is_inclusive(self):
        window = resolve_window("2025-06-01", "2025-06-30", today=self.TODAY, lookback_days=7)
        assert window == Window(date(2025, 6, 1), date(2025, 6, 30), scheduled=False)

    def test_single_day(self):
        window = resolve_window("2025-06-01", "2025-06-01", today=self.TODAY, lookback_days=7)
        assert window.start == window.end == date(2025, 6, 1)

    def test_to_before_from_is_a_configuration_error(self):
        with pytest.raises(ConfigurationError, match="before"):
            resolve_window("2026-02-01", "2026-01-01", today=self.TODAY, lookback_days=7)

    @pytest.mark.parametrize(
        ("from_date", "to_date", "name"),
        [
            pytest.param("yesterday", None, "from_date", id="word"),
            pytest.param("2026-13-01", None, "from_date", id="month-13"),
            pytest.param("31/01/2026", None, "from_date", id="european"),
            pytest.param(None, "2026-02-30", "to_date", id="feb-30"),
            pytest.param(None, 20260101, "to_date", id="integer"),
            pytest.param(["2026-01-01"], None, "from_date", id="list"),
        ],
    )
    def test_bad_dates_are_configuration_errors(self, from_date, to_date, name):
        with pytest.raises(ConfigurationError, match=name):
            resolve_window(from_date, to_date, today=self.TODAY, lookback_days=7)

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            pytest.param("2026-01-31T10:00:00Z", date(2026, 1, 31), id="utc-z"),
            pytest.param("2026-01-31T23:30:00-05:00", date(2026, 2, 1), id="offset-next-utc-day"),
            pytest.param("2026-02-01T01:00:00+02:00", date(2026, 1, 31), id="offset-previous-utc-day"),
            pytest.param("2026-01-31T10:00:00", date(2026, 1, 31), id="naive"),
            pytest.param(" 2026-01-31 ", date(2026, 1, 31), id="padded"),
        ],
    )
    def test_datetime_strings_become_utc_dates(self, value, expected):
        window = resolve_window(value, "2026-12-31", today=self.TODAY, lookback_days=7)
        assert window.start == expected


class TestRanges:
    D = staticmethod(lambda day: date(2026, 1, day))

    def test_merge_joins_overlapping_and_adjacent_ranges(self):
        d = self.D
        assert merge_ranges([(d(5), d(6)), (d(1), d(2)), (d(3), d(3)), (d(9), d(8))]) == [(d(1), d(3)), (d(5), d(6))]

    @pytest.mark.parametrize(
        ("remove", "left"),
        [
            pytest.param([(3, 4)], [(1, 2), (5, 10)], id="middle"),
            pytest.param([(1, 10)], [], id="all"),
            pytest.param([(0, 1), (10, 12)], [(2, 9)], id="both-ends"),
            pytest.param([(11, 20)], [(1, 10)], id="disjoint"),
        ],
    )
    def test_subtract_removes_exactly_the_covered_dates(self, remove, left):
        d = self.D
        cut = [(d(a) if a else date(2025, 12, 31), d(b)) for a, b in remove]
        assert subtract_ranges([(d(1), d(10))], cut) == [(d(a), d(b)) for a, b in left]


class TestBackfillWindow:
    @staticmethod
    def at(day: int, hour: int) -> datetime:
        return datetime(2026, 4, day, hour, tzinfo=timezone.utc)

    def test_the_midnight_run_of_an_hourly_backfill_lists_its_date(self):
        assert backfill_window(self.at(2, 0), self.at(2, 1)) == Window(date(2026, 4, 2), date(2026, 4, 2), False)

    def test_the_other_hourly_runs_list_nothing(self):
        assert backfill_window(self.at(2, 1), self.at(2, 2)) is None
        assert backfill_window(self.at(2, 23), self.at(3, 0)) is None

    def test_a_daily_interval_lists_its_day(self):
        assert backfill_window(self.at(2, 0), self.at(3, 0)) == Window(date(2026, 4, 2), date(2026, 4, 2), False)

    def test_a_bad_trigger_range_is_a_configuration_error(self):
        with pytest.raises(ConfigurationError):
            resolve_windows("2026-02-01", "2026-01-01", today=date(2026, 3, 1), lookback_days=7)


D = date.fromisoformat


class TestMonthRule:
    """Zoom serves ``[from, to]`` whole when ``from`` >= ``to`` - 1 calendar month (month lengths, leap years)."""

    @pytest.mark.parametrize(
        ("day", "before"),
        [
            ("2024-12-05", "2024-11-05"),
            ("2024-03-31", "2024-02-29"),  # leap year: clipped to Feb 29
            ("2023-03-31", "2023-02-28"),
            ("2023-03-28", "2023-02-28"),
            ("2024-05-31", "2024-04-30"),
            ("2025-01-15", "2024-12-15"),  # across the year
            ("2025-01-31", "2024-12-31"),
            ("2024-02-29", "2024-01-29"),
        ],
    )
    def test_month_before(self, day, before):
        assert month_before(D(day)) == D(before)

    @pytest.mark.parametrize(
        ("start", "end", "whole"),
        [
            ("2024-11-05", "2024-12-05", True),  # the real capture: 31 days, served whole
            ("2024-11-04", "2024-12-05", False),
            ("2024-12-31", "2025-01-31", True),  # Dec/Jan: 32 days
            ("2024-12-30", "2025-01-31", False),
            ("2024-01-29", "2024-02-29", True),  # leap February
            ("2023-01-28", "2023-02-28", True),
            ("2023-01-27", "2023-02-28", False),
            ("2023-02-28", "2023-03-31", True),  # Mar 31 - 1 month = Feb 28: 32 days
            ("2023-02-27", "2023-03-31", False),
            ("2023-02-14", "2023-03-15", False),  # 30 days that do not fit after a short February
            ("2024-05-01", "2024-05-31", True),  # a 31-day month
        ],
    )
    def test_served_whole(self, start, end, whole):
        assert served_whole(D(start), D(end)) is whole

    def test_a_stricter_rule_limits_the_days(self):
        assert served_whole(D("2024-11-06"), D("2024-12-05"), max_days=30)
        assert not served_whole(D("2024-11-05"), D("2024-12-05"), max_days=30)


def fewest_windows(first: date, last: date, max_days: int | None) -> int:
    """The fewest windows served whole that cover ``[first, last]``, by exhaustive dynamic programming."""
    days = (last - first).days + 1
    best = [0] + [days + 1] * days  # best[i]: windows covering the first i days
    for i in range(1, days + 1):
        end = first + timedelta(days=i - 1)
        for j in range(max(0, i - 32), i):
            if served_whole(first + timedelta(days=j), end, max_days):
                best[i] = min(best[i], best[j] + 1)
    return best[days]


class TestListingWindows:
    @pytest.mark.parametrize(
        ("start", "end", "expected"),
        [
            ("2024-11-05", "2024-12-05", [("2024-11-05", "2024-12-05")]),
            ("2025-01-01", "2025-01-31", [("2025-01-01", "2025-01-31")]),
            ("2024-12-15", "2025-01-14", [("2024-12-15", "2025-01-14")]),
            ("2023-02-01", "2023-03-02", [("2023-02-01", "2023-02-01"), ("2023-02-02", "2023-03-02")]),
            ("2024-01-01", "2024-02-29", [("2024-01-01", "2024-01-28"), ("2024-01-29", "2024-02-29")]),
            ("2024-03-01", "2024-04-29", [("2024-03-01", "2024-03-28"), ("2024-03-29", "2024-04-29")]),
            ("2024-06-07", "2024-06-07", [("2024-06-07", "2024-06-07")]),
        ],
    )
    def test_fewest_windows(self, start, end, expected):
        assert listing_windows(D(start), D(end)) == [(D(a), D(b)) for a, b in expected]

    @pytest.mark.parametrize("days", [1, 28, 29, 30, 31, 32, 59, 60, 61, 62, 92, 366, 731])
    @pytest.mark.parametrize("start", ["2023-01-31", "2023-12-20", "2024-01-31", "2024-02-29", "2024-12-31"])
    @pytest.mark.parametrize("max_days", [None, 30, 7])
    def test_windows_cover_the_range_exactly_and_each_is_served_whole(self, days, start, max_days):
        first = D(start)
        last = first + timedelta(days=days - 1)
        windows = listing_windows(first, last, max_days)
        assert windows[0][0] == first
        assert windows[-1][1] == last
        for (_, prev_last), (next_first, _) in zip(windows, windows[1:], strict=False):
            assert next_first == prev_last + timedelta(days=1)
        assert all(served_whole(a, b, max_days) for a, b in windows)
        assert len(windows) == fewest_windows(first, last, max_days)

    def test_sixty_days_cost_two_calls_not_three(self):
        assert len(listing_windows(D("2025-05-03"), D("2025-07-01"))) == 2

    def test_end_before_start(self):
        with pytest.raises(ValueError, match="before"):
            listing_windows(D("2024-02-01"), D("2024-01-01"))


class TestWindowRule:
    def test_a_window_cut_at_its_from_teaches_the_stricter_rule(self):
        rule = WindowRule()
        missing = rule.shortened((D("2024-11-05"), D("2024-12-05")), (D("2024-11-06"), D("2024-12-05")))
        assert missing == [(D("2024-11-05"), D("2024-11-05"))]
        assert rule.max_days == 30
        assert rule.windows(D("2024-11-05"), D("2024-12-05")) == [
            (D("2024-11-05"), D("2024-11-05")),
            (D("2024-11-06"), D("2024-12-05")),
        ]

    def test_a_window_cut_at_its_end_lists_the_end_and_learns_nothing(self):
        rule = WindowRule()
        missing = rule.shortened((D("2024-11-05"), D("2024-12-05")), (D("2024-11-05"), D("2024-12-01")))
        assert missing == [(D("2024-12-02"), D("2024-12-05"))]
        assert rule.max_days is None

    def test_other_dates_are_an_error(self):
        with pytest.raises(ValueError, match="answered for"):
            WindowRule().shortened((D("2024-11-05"), D("2024-12-05")), (D("2020-01-01"), D("2020-01-31")))
