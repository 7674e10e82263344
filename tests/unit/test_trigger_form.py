"""The trigger forms' texts match the widgets Airflow 3's UI draws for our params (the UI's own rules, from its
``FieldSelector``): an array ``Param`` with ``examples`` or ``enum`` is a drop-down (so no "one per line" under it),
an array of strings without them is a text area (one value per line), and a field whose ``type`` does not allow
``null`` is marked required, which an on/off switch never is (off is a value)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def params() -> list[tuple[str, str, dict[str, Any]]]:
    from airflow.dag_processing.dagbag import DagBag

    dagbag = DagBag(dag_folder=str(DAGS))
    assert dagbag.import_errors == {}
    return [
        (dag_id, name, {**dag.params.get_param(name).schema, "description": dag.params.get_param(name).description})
        for dag_id, dag in sorted(dagbag.dags.items())
        for name in dag.params
    ]


def types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    return kind if isinstance(kind, list) else [kind] if kind else []


def is_drop_down(schema: dict[str, Any]) -> bool:
    return "array" in types(schema) and ("examples" in schema or "enum" in schema)


def is_text_area(schema: dict[str, Any]) -> bool:
    return "array" in types(schema) and not is_drop_down(schema)


def marked_required(schema: dict[str, Any]) -> bool:
    return bool(types(schema)) and "null" not in types(schema)


def test_switches_are_not_marked_required(params: list[tuple[str, str, dict[str, Any]]]) -> None:
    switches = [(dag_id, name) for dag_id, name, schema in params if "boolean" in types(schema)]
    assert ("zoom_recordings_to_s3", "dry_run") in switches
    assert ("zoom_recordings_reclaim", "dry_run") in switches
    required = [(d, n) for d, n, schema in params if "boolean" in types(schema) and marked_required(schema)]
    assert required == []


def test_switches_stay_switches(params: list[tuple[str, str, dict[str, Any]]]) -> None:
    for dag_id, name, schema in params:
        if "boolean" in types(schema):
            # the UI draws the first non-null type: a switch only when that is boolean and it is the only one
            assert [t for t in types(schema) if t != "null"] == ["boolean"], (dag_id, name)


def test_drop_downs_do_not_say_one_per_line(params: list[tuple[str, str, dict[str, Any]]]) -> None:
    drop_downs = [(d, n, s) for d, n, s in params if is_drop_down(s)]
    assert ("zoom_recordings_to_s3", "file_types") in [(d, n) for d, n, _ in drop_downs]
    for dag_id, name, schema in drop_downs:
        assert schema["description"], (dag_id, name)
        assert "one per line" not in schema["description"], (dag_id, name)


def test_text_areas_say_one_per_line(params: list[tuple[str, str, dict[str, Any]]]) -> None:
    areas = [(d, n, s) for d, n, s in params if is_text_area(s)]
    assert {"user_emails", "release_quarantine"} <= {n for _, n, _ in areas}
    for dag_id, name, schema in areas:
        assert "one per line" in schema["description"], (dag_id, name)
