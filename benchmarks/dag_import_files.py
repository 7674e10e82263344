"""The DAG files the import benchmark compares: an empty DAG, ours, and ours without our package (stubs).

*Same DAG without our package* is ``dags/zoom_recordings_to_s3.py`` with its ``zoom_archiver`` imports replaced by
stubs of the same names: what Airflow itself charges for that DAG's shape.
"""

from __future__ import annotations

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

PACKAGE_IMPORTS = (
    "from zoom_archiver.notifications.archive_failure import ArchiveFailureNotifier\n",
    "from zoom_archiver.publish.assets import archive_asset\n",
    "from zoom_archiver.operators.run_report import RunReportOperator\n",
    "from zoom_archiver.retries import RETRIES\n",
    "from zoom_archiver.settings.deployment import deployment_settings\n",
)
PACKAGE_STUB = """
from dataclasses import dataclass as _dataclass, field as _field
from datetime import timedelta as _timedelta


from airflow.sdk import Asset as _Asset, BaseOperator as _BaseOperator


class ArchiveFailureNotifier:  # stubs: the same DAG without importing the zoom_archiver package
    def __call__(self, context):
        pass


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
    if not all(line in source for line in PACKAGE_IMPORTS):
        return None
    for line in PACKAGE_IMPORTS[1:]:
        source = source.replace(line, "")
    return source.replace(PACKAGE_IMPORTS[0], PACKAGE_STUB)


def dag_files(workdir: Path) -> dict[str, str]:
    """Write the files to import into ``workdir``; return their paths by label: ``empty``, ``dag`` and (when our
    DAG file still has the imports the stubs replace) ``shape``."""
    workdir.mkdir(parents=True, exist_ok=True)
    empty = workdir / "empty_dag.py"
    empty.write_text(EMPTY_DAG)
    paths = {"empty": str(empty), "dag": str(DAG_FILE)}
    same_shape = equivalent_dag(DAG_FILE.read_text())
    if same_shape is not None:
        (workdir / "same_shape_dag.py").write_text(same_shape)
        paths["shape"] = str(workdir / "same_shape_dag.py")
    return paths
