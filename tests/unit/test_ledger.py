from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from zoom_archiver.ledger import LEDGER_VERSION, Ledger, LedgerUpdate, RunRecord, loads, read_ledger, write_ledger


class TestLoads:
    @pytest.mark.parametrize(
        ("raw", "warning"),
        [
            pytest.param(None, "missing", id="none"),
            pytest.param("", "missing", id="empty"),
            pytest.param("{not json", "invalid JSON", id="invalid-json"),
            pytest.param(b"\xff\xfe", "invalid JSON", id="invalid-bytes"),
            pytest.param("[]", "unknown shape", id="list"),
            pytest.param('"a string"', "unknown shape", id="string"),
            pytest.param("42", "unknown shape", id="number"),
            pytest.param('{"version": 1}', "unknown shape", id="no-files"),
            pytest.param('{"files": ["a", "b"]}', "unknown shape", id="files-list"),
        ],
    )
    def test_unusable_values_give_an_empty_ledger_and_a_warning(self, raw, warning):
        ledger, message = loads(raw)
        assert ledger.files == {}
        assert ledger.backlog_from is None
        assert message is not None
        assert warning in message

    def test_valid_value(self):
        raw = json.dumps({"version": 1, "files": {"a": "2024-11-29", "b": "2024-11-30"}, "backlog_from": "2024-11-01"})
        ledger, warning = loads(raw)
        assert warning is None
        assert ledger.files == {"a": "2024-11-29", "b": "2024-11-30"}
        assert ledger.backlog_from == date(2024, 11, 1)
        assert "a" in ledger
        assert "c" not in ledger

    def test_accepts_an_already_deserialised_value(self):
        ledger, warning = loads({"files": {"a": "2024-11-29"}})
        assert warning is None
        assert ledger.files == {"a": "2024-11-29"}

    def test_malformed_entries_dropped_with_a_warning(self):
        ledger, warning = loads(json.dumps({"files": {"a": "2024-11-29", "b": 5, "c": None}}))
        assert ledger.files == {"a": "2024-11-29"}
        assert warning is not None
        assert "2 malformed" in warning

    @pytest.mark.parametrize("backlog", ["yesterday", 20240101, ["2024-01-01"]])
    def test_bad_backlog_from_is_ignored(self, backlog):
        ledger, _ = loads(json.dumps({"files": {}, "backlog_from": backlog}))
        assert ledger.backlog_from is None


class TestLedger:
    def test_merge_counts_only_new_files(self):
        ledger = Ledger({"a": "2024-11-29"})
        added = ledger.merge([("a", "2024-11-29"), ("b", "2024-11-30"), ("c", "2024-12-01"), ("b", "2024-11-30")])
        assert added == 2
        assert set(ledger.files) == {"a", "b", "c"}

    def test_prune_drops_entries_before_the_horizon(self):
        ledger = Ledger({"old": "2024-10-01", "edge": "2024-11-01", "new": "2024-11-20"})
        assert ledger.prune(date(2024, 11, 1)) == 1
        assert set(ledger.files) == {"edge", "new"}

    def test_prune_keeps_entries_while_the_backlog_reaches_back(self):
        ledger = Ledger(
            {"old": "2024-10-01", "older": "2024-09-01", "new": "2024-11-20"}, backlog_from=date(2024, 9, 15)
        )
        assert ledger.prune(date(2024, 11, 1)) == 1
        assert set(ledger.files) == {"old", "new"}

    def test_recent_backlog_does_not_extend_the_horizon(self):
        ledger = Ledger({"old": "2024-10-01"}, backlog_from=date(2024, 11, 10))
        ledger.prune(date(2024, 11, 1))
        assert ledger.files == {}

    @pytest.mark.parametrize(
        "ledger",
        [
            pytest.param(Ledger(), id="empty"),
            pytest.param(Ledger({"b": "2024-11-30", "a": "2024-11-29"}), id="files"),
            pytest.param(Ledger({"a": "2024-11-29"}, backlog_from=date(2024, 11, 1)), id="backlog"),
        ],
    )
    def test_dumps_loads_round_trip(self, ledger):
        raw = ledger.dumps()
        loaded, warning = loads(raw)
        assert warning is None
        assert loaded == ledger
        assert json.loads(raw)["version"] == LEDGER_VERSION

    def test_dumps_is_deterministic(self):
        assert Ledger({"b": "2", "a": "1"}).dumps() == Ledger({"a": "1", "b": "2"}).dumps()

    def test_size_stays_bounded_over_a_month_of_hourly_runs(self):
        lookback_days, files_per_run = 7, 5
        raw = None
        sizes = []
        start = datetime(2026, 1, 1)
        for hour in range(30 * 24):
            now = start + timedelta(hours=hour)
            ledger, _ = loads(raw)
            today = now.date()
            # Each run archives a few new files (meetings of today) and re-sees some of yesterday's.
            archived = [(f"{now.isoformat()}-{i}", today.isoformat()) for i in range(files_per_run)]
            archived += [(fid, day) for fid, day in list(ledger.files.items())[:3]]
            ledger.merge(archived)
            ledger.prune(today - timedelta(days=lookback_days + 1))
            raw = ledger.dumps()
            sizes.append(len(ledger.files))
        bound = (lookback_days + 2) * 24 * files_per_run
        assert max(sizes) <= bound
        assert sizes[-1] <= bound
        assert len(raw) < 100_000
        final, _ = loads(raw)
        assert min(final.files.values()) >= (start + timedelta(days=29 - lookback_days - 1)).date().isoformat()


class TestRetainFrom:
    def test_entries_from_the_capped_window_are_kept_until_the_backlog_is_done(self):
        ledger = Ledger({"old": "2026-01-02", "older": "2025-12-30"}, backlog_from=date(2026, 1, 10))
        ledger.retain_from = date(2026, 1, 1)
        assert ledger.prune(date(2026, 3, 1)) == 1  # only the entry before the capped run's window goes
        assert set(ledger.files) == {"old"}
        ledger.backlog_from = ledger.retain_from = None
        assert ledger.prune(date(2026, 3, 1)) == 1
        assert ledger.files == {}

    def test_retain_from_round_trips(self):
        ledger = Ledger({"a": "2026-01-02"}, backlog_from=date(2026, 1, 10), retain_from=date(2026, 1, 1))
        restored, warning = loads(ledger.dumps())
        assert warning is None
        assert restored == ledger


class TestRecordRun:
    """The commit's rules: what is added, what is owed (the backlog), what is retained and pruned."""

    TODAY = date(2026, 3, 10)

    def record(self, ledger: Ledger, **run: Any) -> LedgerUpdate:
        fields = {"window_start": date(2026, 3, 3), "planned": [], "archived": [], **run}
        return ledger.record_run(RunRecord(**fields), today=self.TODAY, lookback_days=7)

    def test_archived_and_rebuilt_files_are_added(self):
        ledger = Ledger()
        update = self.record(
            ledger, planned=[("a", "2026-03-05")], archived=[("a", "2026-03-05")], rebuilt=[("r", "2026-03-04")]
        )
        assert (update.added, update.failed) == (2, [])
        assert ledger.files == {"a": "2026-03-05", "r": "2026-03-04"}
        assert ledger.backlog_from is None

    def test_a_planned_file_that_was_not_archived_is_owed_from_its_date(self):
        ledger = Ledger()
        update = self.record(ledger, planned=[("a", "2026-03-05"), ("b", "2026-03-04")], archived=[("a", "2026-03-05")])
        assert update.failed == [("b", "2026-03-04")]
        assert ledger.backlog_from == date(2026, 3, 4)
        assert ledger.retain_from == date(2026, 3, 3)  # the window that left it

    def test_the_cap_leaves_a_backlog_that_keeps_its_window_retained(self):
        ledger = Ledger({"old": "2026-01-02"})
        self.record(ledger, window_start=date(2026, 1, 1), archived=[("x", "2026-01-01")], backlog_from="2026-01-05")
        assert ledger.backlog_from == date(2026, 1, 5)
        assert ledger.files == {"old": "2026-01-02", "x": "2026-01-01"}  # not pruned: the backlog is not done

    def test_an_older_backlog_survives_a_run_that_did_not_reach_it(self):
        ledger = Ledger(backlog_from=date(2026, 1, 5), retain_from=date(2026, 1, 1))
        self.record(ledger, window_start=date(2026, 3, 3))
        assert ledger.backlog_from == date(2026, 1, 5)

    def test_a_run_covering_the_backlog_clears_it_and_prunes(self):
        ledger = Ledger({"old": "2026-01-02", "new": "2026-03-05"}, backlog_from=date(2026, 1, 5))
        update = self.record(ledger, window_start=date(2026, 1, 5))
        assert ledger.backlog_from is None
        assert ledger.retain_from is None
        assert ledger.files == {"new": "2026-03-05"}  # pruned to the look-back horizon
        assert update.pruned == 1


class TestVariableIO:
    def test_read_and_write_round_trip_through_the_variable(self):
        store: dict[str, str] = {}
        ledger = Ledger({"a": "2026-03-05"}, backlog_from=date(2026, 3, 1))
        write_ledger(ledger, lambda key, value: store.__setitem__(key, value))
        again, warning = read_ledger(lambda key, default=None: store.get(key, default))
        assert warning is None
        assert again == ledger

    def test_a_missing_variable_reads_as_an_empty_ledger_with_a_warning(self):
        ledger, warning = read_ledger(lambda key, default=None: default)
        assert ledger == Ledger()
        assert "missing" in warning
