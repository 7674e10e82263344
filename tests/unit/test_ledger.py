"""The ledger (zoom_archiver.ledger): its format, its migration from version 1, and every rule of a commit."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from zoom_archiver import ledger as ledger_mod
from zoom_archiver.ledger import (
    LEDGER_VERSION,
    Ledger,
    LedgerUpdate,
    RunRecord,
    loads,
    read_ledger,
    write_ledger,
)

TODAY = date(2026, 3, 10)
D = lambda day: date(2026, 3, day)  # noqa: E731


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
            pytest.param('{"version": 2}', "unknown shape", id="no-archived"),
            pytest.param('{"files": ["a", "b"]}', "unknown shape", id="files-list"),
        ],
    )
    def test_unusable_values_give_an_empty_ledger_and_a_warning(self, raw, warning):
        ledger, message = loads(raw, today=TODAY)
        assert ledger == Ledger()
        assert message is not None
        assert warning in message

    def test_version_1_is_migrated(self):
        raw = json.dumps({"version": 1, "files": {"a": "2024-11-29", "b": 5}, "backlog_from": "2026-03-01"})
        ledger, warning = loads(raw, today=TODAY)
        assert ledger.archived == {"a": TODAY}  # archived at the latest today: kept a whole retention from now
        assert ledger.owed == [(D(1), TODAY)]
        assert "1 malformed" in warning

    def test_malformed_days_are_dropped_with_a_warning(self):
        raw = {"archived": {"2026-03-01": ["a"], "yesterday": ["b"], "2026-03-02": "c"}, "owed": [["x", "y"], [1]]}
        ledger, warning = loads(raw, today=TODAY)
        assert ledger.archived == {"a": D(1)}
        assert ledger.owed == []
        assert "2 malformed" in warning


class TestFormat:
    @pytest.mark.parametrize(
        "ledger",
        [
            pytest.param(Ledger(), id="empty"),
            pytest.param(Ledger({"b": D(2), "a": D(1), "c": D(1)}), id="archived"),
            pytest.param(Ledger(owed=[(D(1), D(3))]), id="owed"),
            pytest.param(
                Ledger(
                    failures={"f": {"runs": 1, "day": "2026-03-01", "error": "x"}},
                    quarantine={"q": {"since": "2026-03-09", "day": "2026-03-01", "key": "k", "reason": "r"}},
                ),
                id="failures-and-quarantine",
            ),
        ],
    )
    def test_round_trip(self, ledger):
        raw = ledger.dumps()
        loaded, warning = loads(raw, today=TODAY)
        assert warning is None
        assert loaded == ledger
        assert json.loads(raw)["version"] == LEDGER_VERSION

    def test_ids_are_grouped_by_archive_date_and_deterministic(self):
        raw = Ledger({"b": D(2), "a": D(1), "c": D(1)}).dumps()
        assert json.loads(raw)["archived"] == {"2026-03-01": ["a", "c"], "2026-03-02": ["b"]}
        assert raw == Ledger({"c": D(1), "a": D(1), "b": D(2)}).dumps()

    @pytest.mark.parametrize(("entries", "limit"), [(10_000, 420_000), (100_000, 4_200_000)])
    def test_size_of_a_large_ledger(self, entries, limit):
        # Zoom file ids are UUIDs (36 characters); spread over 90 archive dates
        ids = {f"{i:08x}-fba9-4866-b71b-099b38a3e702": TODAY - timedelta(days=i % 90) for i in range(entries)}
        size = len(Ledger(ids).dumps().encode())
        assert size < limit  # ~39 bytes an entry: well inside PostgreSQL's TEXT and MySQL's MEDIUMTEXT (16 MiB)


class TestRecordRun:
    """The commit's rules: what is added, what is owed, what is quarantined, what is pruned."""

    def record(self, ledger: Ledger, *, quarantine_after: int = 3, today: date = TODAY, **run: Any) -> LedgerUpdate:
        return ledger.record_run(RunRecord(**run), today=today, retention_days=90, quarantine_after=quarantine_after)

    def test_archived_and_rebuilt_files_are_added_with_their_archive_date(self):
        ledger = Ledger({"old": D(1)})
        update = self.record(
            ledger,
            planned=[("a", "2019-01-05")],
            archived=[("a", "2019-01-05"), ("old", "x")],
            rebuilt=[("r", "2019-01-04")],
        )
        assert (update.added, update.failed) == (2, [])
        assert ledger.archived == {"old": D(1), "a": TODAY, "r": TODAY}  # a backfill is remembered from today

    def test_entries_are_pruned_by_archive_date_after_the_retention(self):
        ledger = Ledger({"kept": TODAY - timedelta(days=90), "gone": TODAY - timedelta(days=91)})
        assert self.record(ledger).pruned == 1
        assert set(ledger.archived) == {"kept"}

    def test_a_covered_window_clears_the_owed_work_there(self):
        ledger = Ledger(owed=[(D(1), D(5))])
        self.record(ledger, covered=[(D(2), D(3))])
        assert ledger.owed == [(D(1), D(1)), (D(4), D(5))]

    def test_a_filtered_or_narrower_run_never_clears_what_it_did_not_cover(self):
        ledger = Ledger(owed=[(D(1), D(5))])
        self.record(ledger, covered=[])  # a filtered run covers nothing
        assert ledger.owed == [(D(1), D(5))]

    def test_leftover_and_failed_files_are_owed_on_their_dates(self):
        ledger = Ledger()
        update = self.record(
            ledger,
            planned=[("a", "2026-03-05"), ("b", "2026-03-04")],
            archived=[("a", "2026-03-05")],
            covered=[(D(3), TODAY)],
            leftover_days=["2026-03-07"],
        )
        assert update.failed == [("b", "2026-03-04")]
        assert ledger.owed == [(D(4), D(4)), (D(7), D(7))]
        assert ledger.failures["b"]["runs"] == 1

    def test_a_failed_user_listing_keeps_its_windows_owed(self):
        ledger = Ledger(owed=[(D(1), D(2))])
        self.record(ledger, covered=[(D(1), TODAY)], owed=[(D(1), TODAY)])
        assert ledger.owed == [(D(1), TODAY)]

    def test_a_transient_failure_is_quarantined_after_n_runs_and_stops_being_owed(self):
        ledger = Ledger()
        failure = {"b": {"permanent": False, "error": "HTTP 404", "key": "zoom/b.mp4"}}
        for run in range(1, 4):
            update = self.record(ledger, planned=[("b", "2026-03-04")], failures=failure, covered=[(D(3), TODAY)])
            assert update.quarantined == ([] if run < 3 else ["b"])
        assert "b" not in ledger.failures
        assert ledger.quarantine["b"]["reason"].startswith("failed in 3 runs: HTTP 404")
        assert ledger.quarantine["b"]["key"] == "zoom/b.mp4"
        assert ledger.owed == []  # a quarantined file never widens the window

    def test_a_permanent_error_quarantines_at_once(self):
        ledger = Ledger()
        failure = {"b": {"permanent": True, "error": "KeyConflict: holds another file"}}
        update = self.record(ledger, planned=[("b", "2026-03-04")], failures=failure)
        assert update.quarantined == ["b"]
        assert ledger.quarantine["b"]["reason"] == "permanent error: KeyConflict: holds another file"

    def test_a_task_that_left_no_failure_counts_as_a_transient_failure(self):
        ledger = Ledger()
        self.record(ledger, planned=[("b", "2026-03-04")])
        assert ledger.failures["b"]["error"] == "the archive task did not finish"

    def test_an_archived_or_released_file_leaves_failures_and_quarantine(self):
        ledger = Ledger(
            failures={"a": {"runs": 2, "day": "2026-03-01", "error": "x"}},
            quarantine={"q": {"reason": "r"}, "r": {"reason": "r"}},
        )
        self.record(
            ledger,
            planned=[("a", "2026-03-01"), ("q", "2026-03-01")],
            archived=[("a", "x"), ("q", "x")],
            released=["r"],
        )
        assert ledger.failures == {}
        assert ledger.quarantine == {}


class TestVariableIO:
    def test_read_and_write_round_trip_through_the_variable(self):
        store: dict[str, str] = {}
        ledger = Ledger({"a": D(5)}, owed=[(D(1), D(2))])
        write_ledger(ledger, lambda key, value: store.__setitem__(key, value))
        again, warning = read_ledger(lambda key, default=None: store.get(key, default), today=TODAY)
        assert warning is None
        assert again == ledger

    def test_a_missing_variable_reads_as_an_empty_ledger_with_a_warning(self):
        ledger, warning = read_ledger(lambda key, default=None: default, today=TODAY)
        assert ledger == Ledger()
        assert "missing" in warning


class TestHashes:
    """``hashes``: the SHA-256 of the bytes streamed from Zoom, recorded when a file is archived."""

    SHA = "ab" * 32

    def test_only_files_streamed_now_are_recorded(self):
        ledger = Ledger()
        kept = ledger.record_hashes(
            [
                {"file_id": "new", "outcome": "archived", "sha256": self.SHA.upper(), "size": 10},
                {"file_id": "found", "outcome": "already_archived", "sha256": self.SHA, "size": 10},
                {"file_id": "retag", "outcome": "tag_repaired", "sha256": self.SHA, "size": 10},
                {"file_id": "odd", "outcome": "archived", "sha256": "short", "size": 10},
            ]
        )
        assert kept == 1
        assert ledger.hashes == {"new": (self.SHA, 10)}

    def test_round_trip_and_pruned_with_the_archived_entry(self):
        ledger = Ledger()
        ledger.add(["old", "new"], TODAY - timedelta(days=100))
        ledger.archived["new"] = TODAY
        ledger.hashes = {"old": (self.SHA, 1), "new": (self.SHA, 2)}
        again, warning = loads(ledger.dumps(), today=TODAY)
        assert warning is None
        assert again.hashes == ledger.hashes
        again.prune(TODAY, 90)
        assert again.hashes == {"new": (self.SHA, 2)}

    def test_malformed_hashes_are_dropped_and_old_ledgers_have_none(self):
        raw = json.dumps({"version": 2, "archived": {}, "hashes": {"a": "zz:1", "b": f"{self.SHA}:x", "c": 5}})
        assert loads(raw, today=TODAY)[0].hashes == {}
        assert loads(json.dumps({"version": 2, "archived": {}}), today=TODAY)[0].hashes == {}

    def test_size_of_the_record_per_file(self):
        ledger = Ledger()
        ids = [f"{i:08d}-fba9-4866-b71b-099b38a3e702" for i in range(1000)]
        ledger.add(ids, TODAY)
        without = len(ledger.dumps())
        ledger.hashes = {i: (self.SHA, 123456789) for i in ids}
        per_file = (len(ledger.dumps()) - without) / len(ids)
        assert per_file < 120  # ~115 bytes a file: 40 KiB per 1,000 files with the archived entry


class TestLedgerRebuild:
    def test_missing_or_invalid_ledger_is_reported(self):
        assert "missing" in ledger_mod.loads(None, today=date(2026, 3, 1))[1]
        assert "invalid JSON" in ledger_mod.loads('{"files": {"truncated', today=date(2026, 3, 1))[1]
