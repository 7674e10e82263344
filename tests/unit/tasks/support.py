"""What the task-body tests share: an XCom-keeping task instance, Variables in a dict, a run's context."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest

TODAY = datetime(2026, 3, 10, 12, tzinfo=timezone.utc)


class FakeTI:
    def __init__(self) -> None:
        self.xcoms: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[key] = json.loads(json.dumps(value))  # what an XCom holds: JSON


@pytest.fixture
def variables(monkeypatch) -> dict[str, str]:
    from airflow.sdk import Variable

    store: dict[str, str] = {"zoom_archive_bucket": "archive-bucket"}
    missing = object()

    def get(key: str, default: Any = missing) -> Any:
        if key in store:
            return store[key]
        if default is missing:
            raise KeyError(key)
        return default

    monkeypatch.setattr(Variable, "get", staticmethod(get))
    monkeypatch.setattr(Variable, "set", staticmethod(lambda key, value: store.__setitem__(key, value)))
    return store


@pytest.fixture
def task_context() -> dict[str, Any]:
    return {"ti": FakeTI(), "data_interval_end": TODAY}


class FakeBucket:
    def __init__(self, name: str) -> None:
        self.name = name
        self.checked = False
        self.object_lock_checked = False

    def check(self, *, object_lock: bool = False) -> None:
        self.checked = True
        self.object_lock_checked = object_lock


class FakeHook:
    list_workers = 2
    participant_audio = "auto"

    def __init__(self, conn_id: str) -> None:
        self.conn_id = conn_id

    def get_conn(self) -> str:
        return f"client of {self.conn_id}"
