"""Which dates a run lists (zoom_archiver.windows): trigger dates, the look-back, owed work, backfill intervals."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from zoom_archiver.errors import ConfigurationError
from zoom_archiver.windows import (
    Window,
    backfill_window,
    merge_ranges,
    resolve_window,
    resolve_windows,
    subtract_ranges,
)


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
        return datetime(2026, 4, day, hour, tzinfo=UTC)

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
