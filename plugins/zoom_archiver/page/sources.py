"""Where the archive page reads: only state the product already keeps, read in the api-server.

* the Variables ``zoom_archive_ledger`` and ``zoom_archive_reclaim`` (through Airflow's ``Variable``, so a secrets
  backend or an ``AIRFLOW_VAR_*`` wins as it does for the tasks);
* the metadata DB: the runs of the archive, webhook, audit and reclaim DAGs, and two XComs: each archive run's
  ``run_report`` (pushed by ``commit``) and the latest audit's summary (the ``audit`` task's return value, which
  names its report in the bucket). One query per kind of run, whatever the size of the ledger;
* Airflow's audit log: the webhook receiver's delivery counts of the last day (:mod:`zoom_archiver.webhook.
  deliveries`, at most a row a minute per api-server process).

Every reader takes a SQLAlchemy session (the api-server's, or a benchmark's own database).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from zoom_archiver.ledger import read_ledger
from zoom_archiver.names import (
    ARCHIVE_DAG_ID,
    AUDIT_DAG_ID,
    RECLAIM_DAG_ID,
    WEBHOOK_DAG_ID,
    WEBHOOK_DELIVERIES_EVENT,
    WEBHOOK_OUTCOMES,
)
from zoom_archiver.page.summary import PageInputs, RunInfo
from zoom_archiver.publish.report import REPORT_KEY
from zoom_archiver.reclaim.record import read_record

#: Archive runs whose reports are summed (the newest; Airflow's own DB clean-up bounds them too).
MAX_RUNS = 1000
VariableGetter = Callable[..., Any]


def airflow_variable(key: str, default: Any = None) -> Any:
    """A Variable as the api-server reads it (secrets backends, then the metadata DB)."""
    from airflow.models.variable import Variable

    return Variable.get(key, default_var=default)


def xcom_value(value: Any) -> Any:
    """An XCom's stored value: JSON as SQLAlchemy returns it, or a JSON text (values set through the Task API)."""
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def runs_with_xcom(
    session: Session,
    dag_id: str,
    task_id: str,
    key: str,
    *,
    since: datetime | None = None,
    run_id: str | None = None,
    limit: int = MAX_RUNS,
) -> list[RunInfo]:
    """The newest runs of ``dag_id`` (by ``run_after``; only ``run_id`` if given) with the XCom ``key`` of
    ``task_id`` (or ``None``)."""
    from airflow.models.dagrun import DagRun
    from airflow.models.xcom import XComModel

    joined = and_(
        XComModel.dag_id == DagRun.dag_id,
        XComModel.run_id == DagRun.run_id,
        XComModel.task_id == task_id,
        XComModel.key == key,
        XComModel.map_index == -1,
    )
    query = (
        select(DagRun.run_id, DagRun.state, DagRun.run_after, XComModel.value)
        .outerjoin(XComModel, joined)
        .where(DagRun.dag_id == dag_id)
        .order_by(DagRun.run_after.desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(DagRun.run_after >= since)
    if run_id is not None:
        query = query.where(DagRun.run_id == run_id)
    return [_run(dag_id, row) for row in session.execute(query)]


def _run(dag_id: str, row: Any) -> RunInfo:
    value = xcom_value(row.value)
    return RunInfo(
        dag_id, row.run_id, str(row.state or ""), row.run_after, value if isinstance(value, Mapping) else None
    )


def state_stamp(session: Session) -> tuple[Any, ...]:
    """What changes whenever a run of our DAGs is created or changes state (one indexed query): the page's figures
    are rebuilt when it moves on."""
    from airflow.models.dagrun import DagRun
    from airflow.models.log import Log

    ours = (ARCHIVE_DAG_ID, WEBHOOK_DAG_ID, AUDIT_DAG_ID, RECLAIM_DAG_ID)
    counted = select(func.max(Log.id)).where(Log.event == WEBHOOK_DELIVERIES_EVENT).scalar_subquery()
    row = session.execute(
        select(func.count(), func.max(DagRun.updated_at), func.max(DagRun.id), counted).where(DagRun.dag_id.in_(ours))
    ).one()
    return tuple(row)


def webhook_deliveries(session: Session, since: datetime) -> dict[str, int]:
    """The webhook deliveries the receivers counted since ``since``, by outcome (the audit log's rows, summed)."""
    from airflow.models.log import Log

    query = select(Log.extra).where(Log.event == WEBHOOK_DELIVERIES_EVENT, Log.dttm >= since)
    total = dict.fromkeys(WEBHOOK_OUTCOMES, 0)
    for (extra,) in session.execute(query):
        try:
            counts = json.loads(extra or "")
        except ValueError:
            continue
        for outcome, n in counts.items() if isinstance(counts, dict) else ():
            if outcome in total and isinstance(n, int) and n > 0:
                total[outcome] += n
    return total


def next_run(session: Session, dag_id: str) -> datetime | None:
    """When the scheduler next runs ``dag_id`` (``None``: paused, or never)."""
    from airflow.models.dag import DagModel

    row = session.execute(
        select(DagModel.is_paused, DagModel.next_dagrun_create_after).where(DagModel.dag_id == dag_id)
    ).first()
    return None if row is None or row.is_paused else row.next_dagrun_create_after


def read_inputs(session: Session, now: datetime, get: VariableGetter = airflow_variable) -> PageInputs:
    """Everything the page shows, read once."""
    ledger, _ = read_ledger(get, today=now.date())
    audits = runs_with_xcom(session, AUDIT_DAG_ID, "audit", "return_value", limit=1)
    return PageInputs(
        ledger=ledger,
        reclaim=read_record(get),
        archive_runs=runs_with_xcom(session, ARCHIVE_DAG_ID, "commit", REPORT_KEY),
        webhook_runs=runs_with_xcom(session, WEBHOOK_DAG_ID, "commit", REPORT_KEY, since=now - timedelta(days=1)),
        deliveries=webhook_deliveries(session, now - timedelta(days=1)),
        audit=audits[0] if audits else None,
        reclaim_next=next_run(session, RECLAIM_DAG_ID),
        now=now,
    )


def run_report(session: Session, run_id: str) -> RunInfo | None:
    """One archive (or webhook) run with its report (``None``: no such run)."""
    for dag_id in (ARCHIVE_DAG_ID, WEBHOOK_DAG_ID):
        runs = runs_with_xcom(session, dag_id, "commit", REPORT_KEY, run_id=run_id, limit=1)
        if runs:
            return runs[0]
    return None
