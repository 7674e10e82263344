"""Every retry budget of the archiver, named in one place (README: *How it works*)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryBudgets:
    """How often each kind of failure is tried again (README: *How it works*)."""

    #: Airflow retries of one mapped ``archive`` task (``ZOOM_ARCHIVE_TASK_RETRIES`` overrides it).
    archive_task: int = 3
    #: Airflow retries of ``discover``, ``commit`` and ``housekeeping``.
    discover_task: int = 2
    commit_task: int = 3
    housekeeping_task: int = 2
    #: Attempts inside one ``archive`` try for a transient download/upload failure.
    transfer_attempts: int = 3
    #: Range resumes of one download after its body dropped.
    download_resumes: int = 3
    #: Attempts of one Zoom API call (429, 5xx, dropped connection, a fresh token rejected).
    api_attempts: int = 8


RETRIES = RetryBudgets()
