"""The archive page's readers (zoom_archiver.page.sources) against Airflow's own ``dag_run``, ``xcom`` and ``dag``
tables (SQLite), as the api-server's session sees them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from benchmarks.page import metadata_db
from zoom_archiver.page.sources import next_run, read_inputs, run_report, runs_with_xcom, state_stamp, xcom_value

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
ARCHIVE = "zoom_recordings_to_s3"


@pytest.fixture
def session():
    runs = [
        (ARCHIVE, "r1", NOW - timedelta(hours=2), "commit", {"files_archived": 1, "backlog_files": 5}),
        (ARCHIVE, "r2", NOW - timedelta(hours=1), "commit", json.dumps({"files_archived": 2, "backlog_files": 0})),
        (ARCHIVE, "r3", NOW, None, None),  # running: no report yet
        ("zoom_meeting_to_s3", "w-old", NOW - timedelta(days=2), "commit", {"files_archived": 1}),
        ("zoom_meeting_to_s3", "w-new", NOW - timedelta(hours=3), None, None),
        ("zoom_recordings_audit", "a1", NOW - timedelta(days=8), "audit", {"counts": {"intact": 1}}),
        ("zoom_recordings_audit", "a2", NOW - timedelta(days=1), "audit", {"counts": {"intact": 2}}),
    ]
    engine = metadata_db(runs)
    with Session(engine) as s:
        yield s


def test_archive_runs_newest_first_with_their_reports(session):
    runs = runs_with_xcom(session, ARCHIVE, "commit", "run_report")
    assert [(r.run_id, r.report) for r in runs] == [
        ("r3", None),
        ("r2", {"files_archived": 2, "backlog_files": 0}),  # stored as JSON text (the Task API's way): parsed
        ("r1", {"files_archived": 1, "backlog_files": 5}),
    ]
    assert [r.run_id for r in runs_with_xcom(session, ARCHIVE, "commit", "run_report", limit=2)] == ["r3", "r2"]


def test_read_inputs_reads_the_variables_and_each_kind_of_run(session):
    ledger = {"version": 2, "archived": {"2026-03-10": ["a", "b"]}, "owed": [], "quarantine": {}}
    variables = {
        "zoom_archive_ledger": json.dumps(ledger),
        "zoom_archive_reclaim": json.dumps({"totals": {"files": 3, "bytes": 9}}),
    }

    def get(key, default=None):
        return variables.get(key, default)

    got = read_inputs(session, NOW, get)
    assert sorted(got.ledger.archived) == ["a", "b"]
    assert got.reclaim.totals == {"files": 3, "bytes": 9}
    assert [r.run_id for r in got.archive_runs] == ["r3", "r2", "r1"]
    assert [r.run_id for r in got.webhook_runs] == ["w-new"]  # the last day only
    assert got.audit is not None
    assert (got.audit.run_id, got.audit.report) == ("a2", {"counts": {"intact": 2}})  # the latest audit
    assert got.reclaim_next is None  # the reclaim DAG is not in the DB


def test_next_run_of_an_unpaused_dag(session):
    from airflow.models.dag import DagModel

    nxt = NOW + timedelta(hours=5)
    row = {"dag_id": "zoom_recordings_reclaim", "bundle_name": "b", "max_active_tasks": 1, "is_paused": False,
           "max_consecutive_failed_dag_runs": 0, "has_task_concurrency_limits": False,
           "next_dagrun_create_after": nxt}  # fmt: skip
    session.execute(insert(DagModel.__table__), [row, {**row, "dag_id": "paused", "is_paused": True}])
    assert next_run(session, "zoom_recordings_reclaim") == nxt
    assert next_run(session, "paused") is None
    assert next_run(session, "unknown") is None


def test_one_runs_report(session):
    found = run_report(session, "r1")
    assert found is not None
    assert (found.dag_id, found.report) == (ARCHIVE, {"files_archived": 1, "backlog_files": 5})
    webhook = run_report(session, "w-old")
    assert webhook is not None
    assert webhook.dag_id == "zoom_meeting_to_s3"
    assert run_report(session, "a1") is None  # not an archive run
    assert run_report(session, "nope") is None


def test_xcom_values_stored_either_way():
    assert xcom_value({"a": 1}) == {"a": 1}
    assert xcom_value('{"a": 1}') == {"a": 1}
    assert xcom_value("plain") == "plain"


def test_the_state_stamp_moves_when_a_run_of_ours_is_created_or_changes(session):
    from airflow.models.dagrun import DagRun
    from sqlalchemy import update

    first = state_stamp(session)
    assert first[0] == 7
    session.execute(insert(DagRun.__table__), [{"id": 99, "dag_id": "someone_else", "run_id": "x", "run_type": "manual",
                                                "run_after": NOW, "log_template_id": None}])  # fmt: skip
    assert state_stamp(session) == first, "other DAGs' runs do not count"
    session.execute(
        update(DagRun.__table__)
        .where(DagRun.run_id == "r3")
        .values(state="success", updated_at=NOW + timedelta(days=400))
    )
    assert state_stamp(session) != first


def count_rows(session, *rows):
    from airflow.models.log import Log

    session.execute(insert(Log.__table__), [{"event": "zoom_webhook_deliveries", "dttm": at, "extra": extra}
                                            for at, extra in rows])  # fmt: skip


def test_webhook_deliveries_sum_the_receivers_rows_of_the_last_day(session):
    from zoom_archiver.page.sources import webhook_deliveries

    count_rows(
        session,
        (NOW - timedelta(hours=1), json.dumps({"accepted": 2, "refused": 5})),
        (NOW - timedelta(hours=20), json.dumps({"duplicate": 3, "refused": 1, "unavailable": 1})),
        (NOW - timedelta(hours=25), json.dumps({"refused": 100})),  # older than a day
        (NOW - timedelta(hours=2), "not json"),  # skipped
        (NOW - timedelta(hours=2), json.dumps({"refused": -4, "bogus": 9})),  # nothing countable
    )
    got = webhook_deliveries(session, NOW - timedelta(days=1))
    assert got == {"accepted": 2, "duplicate": 3, "refused": 6, "unavailable": 1, "other": 0}
    assert read_inputs(session, NOW, lambda key, default=None: default).deliveries == got


def test_the_state_stamp_moves_when_a_receiver_writes_its_counts(session):
    first = state_stamp(session)
    count_rows(session, (NOW, json.dumps({"refused": 1})))
    assert state_stamp(session) != first
