"""Test settings shared by every suite: an isolated AIRFLOW_HOME with a SQLite metadata DB, no examples.

They are set in ``pytest_configure``, before anything imports Airflow. Under pytest-xdist (``make test`` runs the
suite on several workers) each worker gets an AIRFLOW_HOME of its own, each test module runs on one worker (its
module-scoped fixtures, such as the benchmark's smoke run, are built once), and the tests that share one
CeleryExecutor stack (``tests/fullstack``) go to one worker, scheduled first because they take longest.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config) -> None:
    home = Path(os.environ.get("ZOOM_ARCHIVER_TEST_HOME", ROOT / ".airflow_test_home"))
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        home = home / worker  # one SQLite metadata DB per worker: SQLite takes one writer at a time
    home.mkdir(parents=True, exist_ok=True)
    os.environ["AIRFLOW_HOME"] = str(home)
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
    os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(ROOT / "plugins")
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{home}/airflow.db"
    os.environ.setdefault("AIRFLOW__CORE__FERNET_KEY", "")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    # Never let a developer's real credentials leak into tests.
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")


#: Test directories whose tests share one session-scoped service stack: all of a directory's tests run on one worker.
SHARED_STACK_DIRS = {"fullstack": ROOT / "tests" / "fullstack"}


def _xdist_group(item) -> str:
    """A shared-stack directory's name, else the test's module (its module-scoped fixtures are built once)."""
    path = Path(str(item.path))
    shared = next((group for group, folder in SHARED_STACK_DIRS.items() if folder in path.parents), None)
    return shared or ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _join_group(item, group: str) -> None:
    """Put ``item`` in xdist's ``group`` (``--dist loadgroup`` schedules by the ``@group`` suffix of node ids).

    pytest-xdist 3.8 marks ``xdist_group`` tests by rewriting ``item._nodeid``, which pytest 9 no longer reads (it
    keeps the id in ``item._id``): its own marker is silently ignored, so the suffix is set here for both.
    """
    nodeid = f"{item.nodeid}@{group}"
    if hasattr(item, "_id"):
        from _pytest.nodeid import coerce_node_id

        item._id = coerce_node_id(nodeid)
    else:  # pytest < 9
        item._nodeid = nodeid


def pytest_collection_modifyitems(session, config, items) -> None:
    """Under xdist: each module's tests on one worker, each shared-stack directory's too, those scheduled first."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    first, rest = [], []
    for item in items:
        if "@" in item.nodeid:
            rest.append(item)
            continue
        group = _xdist_group(item)
        _join_group(item, group)
        (first if group in SHARED_STACK_DIRS else rest).append(item)
    items[:] = first + rest
