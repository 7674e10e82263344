"""The reclaim's walk back through history (zoom_archiver.reclaim.history): a slice of older meetings a run, just
before the last one, a new pass once a year in a row listed nothing or the floor is reached, a failed listing walked
again, and a stored walk that survives a bad value."""

from __future__ import annotations

from datetime import date

import pytest

from zoom_archiver.dates import Window
from zoom_archiver.reclaim.history import EMPTY_DAYS_TO_END, FLOOR, HistoryWalk, advance, history_slice

RECENT = Window(date(2025, 12, 10), date(2026, 3, 3), scheduled=False)


def test_the_first_slice_is_just_below_the_recent_meetings():
    assert str(history_slice(HistoryWalk(), RECENT, 30)) == "2025-11-10..2025-12-09"


def test_each_run_walks_one_slice_further_back():
    walk = HistoryWalk()
    seen = []
    for _ in range(3):
        walked = history_slice(walk, RECENT, 30)
        assert walked is not None
        seen.append(str(walked))
        walk = advance(walk, walked, files=5, complete=True)
    assert seen == ["2025-11-10..2025-12-09", "2025-10-11..2025-11-09", "2025-09-11..2025-10-10"]
    assert walk == HistoryWalk(date(2025, 9, 11), 0, 0)


def test_a_failed_listing_walks_the_same_slice_again():
    walked = history_slice(HistoryWalk(), RECENT, 30)
    assert walked is not None
    assert advance(HistoryWalk(), walked, files=0, complete=False) == HistoryWalk()


def test_a_year_without_a_file_ends_the_pass_and_the_next_starts_from_the_top():
    walk = HistoryWalk()
    for _ in range(EMPTY_DAYS_TO_END // 30):
        walked = history_slice(walk, RECENT, 30)
        assert walked is not None
        walk = advance(walk, walked, files=0, complete=True)
    assert walk.cursor is not None, "not a whole year yet"
    walked = history_slice(walk, RECENT, 30)
    assert walked is not None
    walk = advance(walk, walked, files=0, complete=True)
    assert walk == HistoryWalk(None, 0, 1)
    assert str(history_slice(walk, RECENT, 30)) == "2025-11-10..2025-12-09"


def test_a_file_resets_the_empty_count():
    walk = HistoryWalk(date(2025, 1, 1), empty_days=300, passes=2)
    walked = history_slice(walk, RECENT, 30)
    assert walked is not None
    assert advance(walk, walked, files=1, complete=True) == HistoryWalk(walked.start, 0, 2)


def test_the_floor_ends_the_pass():
    walk = HistoryWalk(date(2011, 1, 20))
    walked = history_slice(walk, RECENT, 30)
    assert walked == Window(FLOOR, date(2011, 1, 19), scheduled=False)
    assert advance(walk, walked, files=3, complete=True) == HistoryWalk(None, 0, 1)


def test_off_when_no_days_and_a_cursor_above_the_recent_meetings_starts_below_them():
    assert history_slice(HistoryWalk(), RECENT, 0) is None
    # the retention shrank: the stored cursor is inside the recent window now
    assert str(history_slice(HistoryWalk(date(2026, 1, 1)), RECENT, 30)) == "2025-11-10..2025-12-09"


@pytest.mark.parametrize("stored", [None, "x", {"cursor": "not a date"}, {"cursor": "2025-01-01", "passes": "x"}, []])
def test_an_unreadable_walk_starts_a_new_pass(stored):
    assert HistoryWalk.from_dict(stored) == HistoryWalk()


def test_round_trip():
    walk = HistoryWalk(date(2024, 5, 1), 60, 3)
    assert HistoryWalk.from_dict(walk.to_dict()) == walk


def test_the_record_keeps_the_walk():
    from zoom_archiver.reclaim.record import ReclaimRecord, loads

    record = ReclaimRecord(history=HistoryWalk(date(2024, 5, 1), 60, 3))
    assert loads(record.dumps()).history == record.history
    assert loads('{"version": 1}').history == HistoryWalk()
