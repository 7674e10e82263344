"""The ``ZOOM_ARCHIVE_*`` environment knobs of the deployment, read when the DAG file is parsed (no network, no DB;
README: *Configuration*)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from zoom_archiver.retries import RETRIES
from zoom_archiver.settings.values import bounded


@dataclass(frozen=True)
class DeploymentSettings:
    """Knobs of the deployment, from the environment of the DAG processor (README: *Configuration*)."""

    task_retries: int = RETRIES.archive_task
    retry_delay: timedelta = timedelta(seconds=120)
    parallel_files: int = 4
    file_timeout: timedelta = timedelta(hours=6)
    #: the archive asset's URI (``ZOOM_ARCHIVE_ASSET_URI``, e.g. ``s3://my-bucket/zoom``); empty: its name
    asset_uri: str = ""


def deployment_settings(environ: Mapping[str, str] | None = None) -> DeploymentSettings:
    """Read ``ZOOM_ARCHIVE_TASK_RETRIES``, ``..._RETRY_DELAY_SECONDS``, ``..._PARALLEL_FILES``,
    ``..._FILE_TIMEOUT_HOURS``, ``ZOOM_ARCHIVE_ASSET_URI``."""
    env = os.environ if environ is None else environ

    def number(name: str, default: float, low: float, high: float) -> float:
        raw = env.get(name, "").strip()
        return bounded(float, raw, f"environment variable {name}", low, high) if raw else default

    return DeploymentSettings(
        task_retries=int(number("ZOOM_ARCHIVE_TASK_RETRIES", RETRIES.archive_task, 0, 100)),
        retry_delay=timedelta(seconds=number("ZOOM_ARCHIVE_RETRY_DELAY_SECONDS", 120, 0, 86400)),
        parallel_files=int(number("ZOOM_ARCHIVE_PARALLEL_FILES", 4, 1, 1024)),
        file_timeout=timedelta(hours=number("ZOOM_ARCHIVE_FILE_TIMEOUT_HOURS", 6, 0.01, 168)),
        asset_uri=env.get("ZOOM_ARCHIVE_ASSET_URI", "").strip(),
    )
