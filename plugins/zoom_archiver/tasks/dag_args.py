"""What the DAG files share: their ``default_args`` and the trigger form's date ``Param``s.

Read when a DAG file is parsed: nothing here calls the network or the metadata DB.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import Param

from zoom_archiver.notifications.archive_failure import ArchiveFailureNotifier
from zoom_archiver.settings.deployment import DeploymentSettings

OWNER = "zoom-archiver"
#: The longest an archive task waits between two retries (the delay doubles per retry up to it).
MAX_RETRY_DELAY = timedelta(minutes=30)


def default_args(*, retries: int, retry_delay: timedelta | None = None) -> dict[str, Any]:
    """Every DAG's ``default_args``: our owner, the failure alerts, ``retries`` (after ``retry_delay``)."""
    args: dict[str, Any] = {"owner": OWNER, "retries": retries, "on_failure_callback": [ArchiveFailureNotifier()]}
    if retry_delay is not None:
        args["retry_delay"] = retry_delay
    return args


def archive_default_args(deployment: DeploymentSettings) -> dict[str, Any]:
    """The archiving DAGs' ``default_args`` (hourly and webhook): the deployment's retries, with exponential backoff."""
    return default_args(retries=deployment.task_retries, retry_delay=deployment.retry_delay) | {
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": MAX_RETRY_DELAY,
    }


def date_params(action: str, *, from_empty: str, to_empty: str) -> dict[str, Param]:
    """``from_date`` and ``to_date``: the meeting start dates (UTC, inclusive) to ``action``; what empty means."""
    return {
        "from_date": Param(
            None,
            type=["null", "string"],
            format="date",
            title="From date (UTC)",
            description=f"First meeting start date to {action}, inclusive. Empty: {from_empty}.",
        ),
        "to_date": Param(
            None,
            type=["null", "string"],
            format="date",
            title="To date (UTC)",
            description=f"Last meeting start date to {action}, inclusive. Empty: {to_empty}.",
        ),
    }
