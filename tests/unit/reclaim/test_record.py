"""The reclaim's record (zoom_archiver.reclaim.record): trashed and recovered files, repair hashes, totals."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from zoom_archiver.reclaim.record import (
    RECORD_VARIABLE,
    ReclaimRecord,
    loads,
    read_record,
    trashed_in_zoom_at,
    write_record,
)

NOW = datetime(2026, 3, 10, 4, 0, tzinfo=timezone.utc)


def test_round_trip_and_totals():
    record = ReclaimRecord(hashes={"r": ("a" * 64, 5)})
    record.mark_trashed("f1", "m==", 100, NOW)
    record.mark_trashed("f2", "m==", 50, NOW)
    stored: dict[str, str] = {}
    write_record(record, stored.__setitem__)
    again = read_record(lambda name, default=None: stored.get(name, default))
    assert again == record
    assert again.totals == {"files": 2, "bytes": 150}
    assert again.trashed["f1"] == {"at": NOW.isoformat(), "meeting": "m==", "size": 100}
    assert RECORD_VARIABLE in stored


def test_unreadable_values_give_an_empty_record():
    for raw in (None, "", "not json", "[1]", '{"hashes": {"x": "short:1"}, "totals": {"files": "x"}}'):
        record = loads(raw)
        assert record.trashed == {}
        assert record.hashes == {}
        assert record.totals == {"files": 0, "bytes": 0}


def test_a_trashed_file_listed_again_is_recovered_and_held_for_the_grace_from_its_recovery():
    record = ReclaimRecord()
    record.mark_trashed("f1", "m==", 100, NOW - timedelta(days=2))
    assert record.note_listed(["f1", "f2"], NOW) == ["f1"]
    assert "f1" not in record.trashed
    assert record.recovered["f1"] == NOW.isoformat()
    assert record.note_listed(["f1"], NOW + timedelta(hours=1)) == []  # recovered once, remembered once
    # the run that first sees it back never trashes it, even with a 0-day grace
    assert record.recovery_hold("f1", NOW, 0)
    assert record.recovery_hold("f1", NOW + timedelta(minutes=1), 0) is None
    assert record.recovery_hold("f1", NOW + timedelta(days=29), 30)
    assert record.recovery_hold("f1", NOW + timedelta(days=30), 30) is None
    assert record.recovery_hold("never-trashed", NOW, 30) is None


def test_trashing_a_recovered_file_again_clears_its_recovery():
    record = ReclaimRecord(recovered={"f1": NOW.isoformat()})
    record.mark_trashed("f1", "m==", 1, NOW + timedelta(days=31))
    assert record.recovered == {}
    assert "f1" in record.trashed


def test_prune_keeps_recent_entries_and_the_totals():
    record = ReclaimRecord()
    record.mark_trashed("old", "m==", 10, NOW - timedelta(days=91))
    record.mark_trashed("new", "m==", 10, NOW - timedelta(days=1))
    record.recovered["gone"] = (NOW - timedelta(days=100)).isoformat()
    record.hashes = {"old": ("a" * 64, 10), "new": ("b" * 64, 10), "held": ("c" * 64, 10)}
    record.confirmed = {"old", "held"}
    record.prune(NOW)
    assert list(record.trashed) == ["new"]
    assert record.recovered == {}
    assert record.totals == {"files": 2, "bytes": 20}
    # a repair hash goes with its file's trashed entry; one of a file not trashed yet stays (it is still needed)
    assert set(record.hashes) == {"new", "held"}
    assert record.confirmed == {"held"}


def test_trashed_in_zoom_at_for_a_manifest():
    record = ReclaimRecord()
    record.mark_trashed("f1", "m==", 1, NOW)
    stored = {RECORD_VARIABLE: record.dumps()}
    got = trashed_in_zoom_at(["f1", "f2"], lambda name, default=None: stored.get(name, default))
    assert got == {"f1": NOW.isoformat()}


def test_pending_files_round_trip_and_are_never_trashed_twice():
    record = ReclaimRecord()
    record.mark_pending("f1", "m==", 10, NOW)
    record.mark_pending("f2", "m==", 20, NOW)
    record.mark_pending("f3", "m==", 30, NOW)
    record.clear_pending("f3")  # Zoom refused its DELETE
    again = loads(record.dumps())
    assert again == record
    assert again.trash_hold("f1", NOW, 0)  # its DELETE may have been sent
    later = NOW + timedelta(days=1)
    assert again.settle_pending(["f1"], later) == ["f1"]  # listed: held like a recovered file
    assert again.pending == {}
    assert again.recovered == {"f1": later.isoformat()}
    assert again.recovery_hold("f1", later, 7)
    assert again.trashed == {"f2": {"at": NOW.isoformat(), "meeting": "m==", "size": 20, "unconfirmed": True}}
    assert again.totals == {"files": 1, "bytes": 20}


def test_trashing_a_pending_file_clears_it_and_confirmed_hashes_round_trip():
    record = ReclaimRecord(hashes={"f1": ("a" * 64, 10)}, confirmed={"f1"})
    record.mark_pending("f1", "m==", 10, NOW)
    record.mark_trashed("f1", "m==", 10, NOW)
    assert record.pending == {}
    assert "unconfirmed" not in record.trashed["f1"]
    assert loads(record.dumps()).confirmed == {"f1"}
