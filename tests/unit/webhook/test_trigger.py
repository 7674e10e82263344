"""Queueing a meeting's run (zoom_archiver.webhook.trigger): what each outcome of the metadata DB becomes."""

from __future__ import annotations

import pytest

from zoom_archiver.webhook.events import Event
from zoom_archiver.webhook.trigger import NotQueued, queue_meeting_run

COMPLETED = Event("recording.completed", meeting_uuid="LjtP8z2jS0qmRJIIb1WuBg==")


def database_error() -> Exception:
    from sqlalchemy.exc import OperationalError

    return OperationalError("SELECT dag_run.run_id FROM dag_run", {"run_id": "x"}, Exception("db.internal closed"))


@pytest.fixture
def db(monkeypatch):
    """The two DB calls of ``queue_meeting_run``, faked: ``db["lookup"]`` and ``db["create"]`` say what they do."""
    from airflow.api.common import trigger_dag
    from airflow.models.dagrun import DagRun

    outcome: dict[str, object] = {"lookup": None, "create": None, "created": []}

    def act(what):
        if isinstance(outcome[what], BaseException):
            raise outcome[what]
        return outcome[what]

    monkeypatch.setattr(DagRun, "find_duplicate", staticmethod(lambda **kwargs: act("lookup")))
    monkeypatch.setattr(trigger_dag, "trigger_dag", lambda dag_id, **kw: outcome["created"].append(kw) or act("create"))
    return outcome


def test_a_new_run_is_created_with_the_event_s_run_id_and_conf(db):
    assert queue_meeting_run(COMPLETED) is True
    (created,) = db["created"]
    assert created["run_id"] == COMPLETED.run_id()
    assert created["conf"] == COMPLETED.conf()


def test_an_existing_run_is_a_duplicate(db):
    db["lookup"] = object()
    assert queue_meeting_run(COMPLETED) is False
    assert db["created"] == []


@pytest.mark.parametrize("step", ["lookup", "create"])
def test_a_database_error_is_not_queued_naming_the_exception_class_only(db, step):
    db[step] = database_error()
    with pytest.raises(NotQueued) as error:
        queue_meeting_run(COMPLETED)
    assert "OperationalError" in str(error.value)
    assert "SELECT" not in str(error.value)
    assert "db.internal" not in str(error.value)
    assert error.value.__cause__ is None  # no SQL in a logged traceback
    assert error.value.__suppress_context__


def test_a_dag_not_parsed_yet_is_not_queued(db):
    from airflow.exceptions import DagNotFound

    db["create"] = DagNotFound("zoom_meeting_to_s3")
    with pytest.raises(NotQueued, match="not parsed yet"):
        queue_meeting_run(COMPLETED)
