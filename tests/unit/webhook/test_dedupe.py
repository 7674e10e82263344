"""Duplicate deliveries answered from memory (zoom_archiver.webhook.dedupe): one DB round-trip per event."""

from __future__ import annotations

import asyncio
import threading

import pytest

from zoom_archiver.webhook.dedupe import RecentRuns
from zoom_archiver.webhook.events import Event
from zoom_archiver.webhook.trigger import NotQueued

COMPLETED = Event("recording.completed", meeting_uuid="LjtP8z2jS0qmRJIIb1WuBg==")
TRANSCRIPT = Event("recording.transcript_completed", meeting_uuid="LjtP8z2jS0qmRJIIb1WuBg==")


class SlowDb:
    """A ``queue`` that blocks until released, as the metadata DB does under load; True for a new run id."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.calls: list[str] = []
        self.release = threading.Event()
        self.fail = fail
        self.runs: set[str] = set()

    def __call__(self, event: Event) -> bool:
        self.calls.append(event.run_id())
        self.release.wait(5)
        if self.fail is not None:
            raise self.fail
        new = event.run_id() not in self.runs
        self.runs.add(event.run_id())
        return new


async def burst(recent: RecentRuns, db: SlowDb, copies: int, event: Event = COMPLETED) -> list[object]:
    tasks = [asyncio.ensure_future(recent(event)) for _ in range(copies)]
    await asyncio.sleep(0.05)  # every copy has arrived while the first is still in the DB
    db.release.set()
    return await asyncio.gather(*tasks, return_exceptions=True)


def test_a_burst_of_copies_costs_one_db_round_trip_and_creates_one_run():
    db = SlowDb()
    recent = RecentRuns(db)
    answers = asyncio.run(burst(recent, db, 50))
    assert sorted(answers, key=str) == [False] * 49 + [True]
    assert db.calls == [COMPLETED.run_id()]
    assert asyncio.run(recent(COMPLETED)) is False  # a later copy: from memory
    assert db.calls == [COMPLETED.run_id()]


def test_each_event_of_a_meeting_is_its_own_run():
    db = SlowDb()
    db.release.set()
    recent = RecentRuns(db)
    assert asyncio.run(recent(COMPLETED)) is True
    assert asyncio.run(recent(TRANSCRIPT)) is True
    assert db.calls == [COMPLETED.run_id(), TRANSCRIPT.run_id()]


def test_copies_waiting_on_a_first_that_failed_fail_too_and_nothing_is_remembered():
    db = SlowDb(fail=NotQueued("DAG zoom_meeting_to_s3 is not parsed yet"))
    recent = RecentRuns(db)
    answers = asyncio.run(burst(recent, db, 5))
    assert all(isinstance(a, NotQueued) for a in answers)  # every copy: 503, so Zoom retries
    assert not recent.known(COMPLETED.run_id())
    db.fail = None
    assert asyncio.run(recent(COMPLETED)) is True  # Zoom's retry asks the DB again
    assert len(db.calls) == 2


def test_a_run_id_is_forgotten_after_ttl_and_the_db_is_asked_again():
    db = SlowDb()
    db.release.set()
    recent = RecentRuns(db, ttl=0.0)
    assert asyncio.run(recent(COMPLETED)) is True
    assert asyncio.run(recent(COMPLETED)) is False  # the DB (the truth) says it exists
    assert len(db.calls) == 2


@pytest.mark.parametrize("size", [1, 3])
def test_at_most_size_run_ids_are_remembered_oldest_first_out(size):
    db = SlowDb()
    db.release.set()
    recent = RecentRuns(db, size=size)
    events = [Event("recording.completed", meeting_uuid=f"meeting{i:04d}AAAAAAAAAAAAAA==") for i in range(size + 1)]
    for event in events:
        asyncio.run(recent(event))
    assert not recent.known(events[0].run_id())
    assert all(recent.known(e.run_id()) for e in events[1:])
