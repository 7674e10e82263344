"""Fixtures of the full-stack tests: the CeleryExecutor stack (``stack.py``) for the session, and one archive
run through it that several tests look at.

Order: ``test_demo.py`` (its own ``airflow standalone``) runs before the tests that share the Celery stack, so
that the two Airflow installations never run at the same time on this small machine; the browser tests come
next, so that the grid they photograph shows the archive run alone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.fullstack.stack import Stack

FULLSTACK_DIR = Path(__file__).resolve().parent
#: Module order inside tests/fullstack (others keep their place after these).
MODULE_ORDER = ["test_demo.py", "test_trigger_form_browser.py", "test_celery_stack.py"]
LEDGER = "zoom_archive_ledger"


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Reorder this directory's tests (only among the slots they already occupy)."""
    slots = [i for i, item in enumerate(items) if FULLSTACK_DIR in Path(str(item.path)).parents]
    if not slots:
        return

    def rank(item: pytest.Item) -> int:
        name = Path(str(item.path)).name
        return MODULE_ORDER.index(name) if name in MODULE_ORDER else len(MODULE_ORDER)

    ordered = sorted((items[i] for i in slots), key=rank)  # stable: keeps the order inside a module
    for slot, item in zip(slots, ordered, strict=True):
        items[slot] = item


def window(days: int = 8) -> dict[str, str]:
    """``from_date``/``to_date`` covering the last ``days`` days (the demo seed's meetings are in the last week)."""
    today = datetime.now(UTC).date()
    return {"from_date": (today - timedelta(days=days)).isoformat(), "to_date": today.isoformat()}


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    started = time.monotonic()
    with Stack(tmp_path_factory.mktemp("fullstack")).running() as running:
        print(f"\nCeleryExecutor stack up in {time.monotonic() - started:.0f}s; logs in {running.log_dir}")
        yield running


def start_scenario(stack: Stack, prefix: str) -> None:
    """Each scenario archives under its own prefix, starting from an empty ledger (both Variables in the DB)."""
    stack.api.set_variable("zoom_archive_prefix", prefix)
    stack.api.delete_variable(LEDGER)
    stack.emulator("POST", "config", json={"cdn_throttle_bytes_per_second": None})
    stack.emulator("POST", "stats/reset")


@dataclass
class ArchivedRun:
    run_id: str
    prefix: str
    conf: dict[str, Any]
    state: str
    seconds: float


@pytest.fixture(scope="session")
def archived_run(stack: Stack) -> ArchivedRun:
    """One run triggered through the REST API with ``from_date``/``to_date``, archiving the whole demo seed."""
    prefix = "happy"
    start_scenario(stack, prefix)
    conf = window()
    started = time.monotonic()
    run_id = stack.api.trigger(conf)
    state = stack.api.wait_for_run(run_id, timeout=600)
    return ArchivedRun(run_id, prefix, conf, state, time.monotonic() - started)
