"""The glue every task body shares: the one translation of our errors into Airflow's, the XCom keys the DAG files
wire, reading a (lazy) XCom sequence, and a run's 'today'."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, ParamSpec, TypeVar

from airflow.sdk.exceptions import AirflowFailException

from zoom_archiver.errors import ZoomArchiverError

#: The XCom key of ``discover``'s summary for ``commit`` (its return value is the files ``archive`` maps over;
#: Airflow maps over return values only). The DAG wires it: ``commit(..., files["plan_summary"])``.
SUMMARY_KEY = "plan_summary"
#: The XCom key of a failed ``archive`` task's failure (the DAG wires ``archived["failure"]`` to ``commit``).
FAILURE_KEY = "failure"
#: The XCom key of ``discover``'s meetings for their manifests (the DAG wires ``files["meetings"]`` to ``publish``).
MEETINGS_KEY = "meetings"

P = ParamSpec("P")
R = TypeVar("R")


def airflow_errors(body: Callable[P, R]) -> Callable[P, R]:
    """Run a task body; a permanent error of ours fails the task without Airflow retries, any other is raised."""

    @functools.wraps(body)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return body(*args, **kwargs)
        except ZoomArchiverError as exc:
            if exc.permanent:
                raise AirflowFailException(f"{type(exc).__name__}: {exc}") from None
            raise

    return run


def xcom_items(sequence: Sequence[Any]) -> list[Any]:
    """The values of a (lazy) XCom sequence, without the empty ones."""
    return [item for item in (sequence[i] for i in range(len(sequence))) if item]


def run_today(context: Mapping[str, Any]) -> date:
    """A run's 'today' in UTC: its data interval's end for scheduled runs, else now."""
    import pendulum

    moment = context.get("data_interval_end") or pendulum.now("UTC")
    return pendulum.instance(moment).in_timezone("UTC").date()
