"""The DAG files the import benchmark compares: an empty DAG, ours, and ours without our package (stubs).

*Same DAG without our package* is ``dags/zoom_recordings_to_s3.py`` with its ``zoom_archiver`` imports replaced by
stubs of the same names: what Airflow itself charges for that DAG's shape.
"""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks.measure import REPO

DAG_FILE = REPO / "dags" / "zoom_recordings_to_s3.py"
EMPTY_DAG = '''"""An empty DAG: the baseline of the import benchmark."""

from __future__ import annotations

from airflow.sdk import dag


@dag(dag_id="empty_dag", schedule=None)
def empty_dag() -> None:
    pass


empty_dag()
'''

#: Every import of our package in the DAG file (one line each, or parenthesised over several lines).
PACKAGE_IMPORT = re.compile(r"^from zoom_archiver[.\w]* import (\([^)]*\)|[^\n]*)\n", re.M)
#: What the DAG file takes from the package, as stubs of the same names.
PACKAGE_STUB = """
from dataclasses import dataclass as _dataclass, field as _field
from datetime import timedelta as _timedelta
from typing import Any as _Any


from airflow.sdk import Asset as _Asset, BaseOperator as _BaseOperator, Param as _Param

ArchiveResultDict = FailureDict = MeetingEntry = PlannedFileDict = SummaryDict = dict  # stubs: no zoom_archiver
FAILURE_KEY, MEETINGS_KEY, SUMMARY_KEY = "failure", "meetings", "plan_summary"


class ArchiveFailureNotifier:
    def __call__(self, context):
        pass


def archive_default_args(deployment):
    return {"owner": "zoom-archiver", "retries": deployment.task_retries, "retry_delay": deployment.retry_delay,
            "retry_exponential_backoff": 2.0, "max_retry_delay": _timedelta(minutes=30),
            "on_failure_callback": [ArchiveFailureNotifier()]}


def date_params(action, *, from_empty, to_empty):
    return {name: _Param(None, type=["null", "string"], format="date", title=name, description=action)
            for name in ("from_date", "to_date")}


def archive_asset(uri=""):
    return _Asset(name="zoom_recordings_archive", uri=uri) if uri else _Asset(name="zoom_recordings_archive")


class RunReportOperator(_BaseOperator):
    def execute(self, context):
        pass


@_dataclass(frozen=True)
class _Retries:
    discover_task: int = 2
    commit_task: int = 3
    housekeeping_task: int = 2


@_dataclass(frozen=True)
class _Deployment:
    task_retries: int = 3
    retry_delay: _timedelta = _field(default_factory=lambda: _timedelta(seconds=120))
    parallel_files: int = 4
    file_timeout: _timedelta = _field(default_factory=lambda: _timedelta(hours=6))
    asset_uri: str = ""


RETRIES = _Retries()


def deployment_settings():
    return _Deployment()
"""


def equivalent_dag(source: str) -> str | None:
    """Our DAG file with the package imports replaced by stubs: Airflow's cost of the same DAG shape."""
    imports = list(PACKAGE_IMPORT.finditer(source))
    if not imports:
        return None
    first = imports[0].start()
    stripped = PACKAGE_IMPORT.sub("", source)
    return stripped[:first] + PACKAGE_STUB + stripped[first:]


def dag_files(workdir: Path) -> dict[str, str]:
    """Write the files to import into ``workdir``; return their paths by label: ``empty``, ``dag`` and (when our
    DAG file imports our package) ``shape``."""
    workdir.mkdir(parents=True, exist_ok=True)
    empty = workdir / "empty_dag.py"
    empty.write_text(EMPTY_DAG)
    paths = {"empty": str(empty), "dag": str(DAG_FILE)}
    same_shape = equivalent_dag(DAG_FILE.read_text())
    if same_shape is not None:
        (workdir / "same_shape_dag.py").write_text(same_shape)
        paths["shape"] = str(workdir / "same_shape_dag.py")
    return paths
