"""Queue the archiving of one meeting: a run of the webhook DAG, created in the metadata DB by the api-server.

The run id is a function of the event and the meeting (:meth:`Event.run_id`): a retried or duplicated delivery
finds its run and triggers nothing new (copies reaching the same api-server process are answered by
:mod:`~zoom_archiver.webhook.dedupe` without calling this). Creating a run is one DB insert, well inside Zoom's
3 seconds; the scheduler and the workers do the work.
"""

from __future__ import annotations

import logging

from zoom_archiver.names import WEBHOOK_DAG_ID
from zoom_archiver.webhook.events import Event

__all__ = ["WEBHOOK_DAG_ID", "NotQueued", "queue_meeting_run"]

log = logging.getLogger(__name__)


class NotQueued(Exception):
    """The run could not be queued (the DAG is not parsed yet, the DB is down): Zoom should retry later.

    Its message is safe to answer and log: a DB error is named by its class only (its text quotes the SQL)."""


def queue_meeting_run(event: Event, dag_id: str = WEBHOOK_DAG_ID) -> bool:
    """Create the event's run; ``False`` when it exists already (a duplicate delivery); :class:`NotQueued` when the
    DAG is not parsed yet or the metadata DB fails (the lookup or the insert)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return _create_run(event, dag_id)
    except SQLAlchemyError as exc:
        raise NotQueued(f"the metadata DB failed ({type(exc).__name__})") from None


def _create_run(event: Event, dag_id: str) -> bool:
    from airflow.api.common.trigger_dag import trigger_dag
    from airflow.exceptions import DagNotFound, DagRunAlreadyExists
    from airflow.models.dagrun import DagRun
    from airflow.utils.types import DagRunTriggeredByType, DagRunType
    from sqlalchemy.exc import IntegrityError

    run_id = event.run_id()
    if DagRun.find_duplicate(dag_id=dag_id, run_id=run_id) is not None:  # one indexed lookup: duplicates stay cheap
        return False
    try:
        trigger_dag(
            dag_id,
            run_id=run_id,
            conf=event.conf(),
            run_type=DagRunType.MANUAL,
            triggered_by=DagRunTriggeredByType.REST_API,
            triggering_user_name="zoom-webhook",
            note=f"Zoom {event.name}",
        )
    except (DagRunAlreadyExists, IntegrityError):  # the same run id created by a concurrent delivery: a unique key
        return False
    except DagNotFound as exc:
        raise NotQueued(f"DAG {dag_id} is not parsed yet") from exc
    return True
