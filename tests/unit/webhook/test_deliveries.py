"""The receiver's delivery counts (zoom_archiver.webhook.deliveries): counted by outcome, written at most once per
interval in a background thread, kept on a failed write, and written as Airflow audit-log rows."""

from __future__ import annotations

import json
import threading
import time

import pytest
from fastapi.testclient import TestClient

from tests.unit.webhook.test_receiver import SECRET, body, headers
from zoom_archiver.webhook.deliveries import DeliveryCounts, outcome_of
from zoom_archiver.webhook.receiver import create_app


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Writes:
    """A writer that records each write and lets the test wait for it."""

    def __init__(self, fail: int = 0) -> None:
        self.rows: list[dict[str, int]] = []
        self.fail = fail
        self.done = threading.Event()

    def __call__(self, counts):
        self.done.set()
        if self.fail:
            self.fail -= 1
            raise OSError("database is locked")
        self.rows.append(dict(counts))

    def wait(self) -> None:
        assert self.done.wait(5), "no write within 5 s"
        self.done.clear()


@pytest.mark.parametrize(
    ("status", "answer", "outcome"),
    [(200, "queued", "accepted"), (200, "duplicate", "duplicate"), (200, "ignored", "other"), (200, "", "other"),
     (401, "", "refused"), (413, "", "refused"), (400, "", "refused"), (503, "", "unavailable")],
)  # fmt: skip
def test_outcome_of_an_answer(status, answer, outcome):
    assert outcome_of(status, answer) == outcome


def test_the_first_delivery_is_written_at_once_the_next_ones_together_after_the_interval():
    writes, clock = Writes(), Clock()
    counts = DeliveryCounts(writes, interval=0.3, clock=clock)
    counts.note("accepted")
    writes.wait()
    assert writes.rows == [{"accepted": 1}]
    for outcome in ("refused", "refused", "duplicate", "something-new"):
        counts.note(outcome)
    clock.now += 0.3
    writes.wait()
    assert writes.rows[1] == {"refused": 2, "duplicate": 1, "other": 1}, "one row for the interval's deliveries"


def test_a_failed_write_keeps_the_counts_for_the_next_write(caplog):
    writes = Writes(fail=1)
    counts = DeliveryCounts(writes, interval=0.05)
    counts.note("refused")
    writes.wait()  # failed
    writes.wait()  # retried by itself after the interval, no new delivery needed
    assert writes.rows == [{"refused": 1}]
    assert "database is locked" not in caplog.text, "the log names the error's type only"
    assert "OSError" in caplog.text


def test_the_receiver_counts_each_delivery_by_outcome_and_answers_before_any_write():
    writes = Writes()
    gate = threading.Event()

    def slow_writer(counts):
        gate.wait(5)  # the database is slow: answers must not wait for it
        writes(counts)

    queued: set[str] = set()

    def queue(event):
        new = event.run_id() not in queued
        queued.add(event.run_id())
        return new

    counts = DeliveryCounts(slow_writer, interval=0.0)
    client = TestClient(create_app(secrets=lambda: [SECRET], queue=queue, counts=counts))
    raw = body()
    assert client.post("/webhook", content=raw, headers=headers(raw)).json() == {"status": "queued"}
    assert client.post("/webhook", content=raw, headers=headers(raw)).json() == {"status": "duplicate"}
    forged = {**headers(raw), "x-zm-signature": "v0=" + "0" * 64}
    assert client.post("/webhook", content=raw, headers=forged).status_code == 401
    assert writes.rows == [], "three answers given while the database write still waits"
    gate.set()
    deadline = time.monotonic() + 5
    while sum(n for row in writes.rows for n in row.values()) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    total: dict[str, int] = {}
    for row in writes.rows:
        for outcome, n in row.items():
            total[outcome] = total.get(outcome, 0) + n
    assert total == {"accepted": 1, "duplicate": 1, "refused": 1}
    assert SECRET not in json.dumps(writes.rows)


def test_the_audit_log_row_carries_the_counts(monkeypatch):
    from airflow.models.log import Log
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from zoom_archiver.names import WEBHOOK_DAG_ID, WEBHOOK_DELIVERIES_EVENT
    from zoom_archiver.webhook import deliveries

    engine = create_engine("sqlite://")
    Log.metadata.create_all(engine, tables=[Log.__table__])

    class _Session:
        def __enter__(self):
            self.session = Session(engine)
            return self.session

        def __exit__(self, *exc):
            self.session.commit()
            self.session.close()

    monkeypatch.setattr("airflow.utils.session.create_session", _Session)
    deliveries.audit_log_writer({"refused": 2})
    with Session(engine) as session:
        [row] = session.execute(select(Log.event, Log.dag_id, Log.extra)).all()
    assert (row.event, row.dag_id, json.loads(row.extra)) == (WEBHOOK_DELIVERIES_EVENT, WEBHOOK_DAG_ID, {"refused": 2})
