"""The webhook DAG's wiring and the plugin that mounts the receiver (zoom_archiver.webhook.plugin)."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[3] / "dags"
PLUGINS = DAGS.parent / "plugins"


@pytest.fixture(scope="module")
def dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS / "zoom_meeting_to_s3.py"))
    assert bag.import_errors == {}
    return bag.dags["zoom_meeting_to_s3"]


def test_webhook_dag_archives_the_meeting_s_files_with_the_hourly_dag_s_task_body(dag):
    assert {t.task_id for t in dag.tasks} == {"discover_meeting", "archive", "publish"}
    assert dag.get_task("archive").upstream_task_ids == {"discover_meeting"}
    assert dag.schedule is None or dag.timetable.summary == "None"
    # never queued behind another webhook run; the meeting lookups are capped across all runs
    assert dag.max_active_runs > 1
    assert dag.get_task("discover_meeting").max_active_tis_per_dag == 2
    assert not dag.is_paused_upon_creation


def test_webhook_run_publishes_the_meeting_s_manifest_and_the_archive_asset_s_event_like_an_hourly_run(dag):
    from airflow.dag_processing.dagbag import DagBag

    hourly = DagBag(dag_folder=str(DAGS / "zoom_recordings_to_s3.py")).dags["zoom_recordings_to_s3"].get_task("publish")
    publish = dag.get_task("publish")
    assert publish.upstream_task_ids == {"discover_meeting", "archive"}
    assert publish.trigger_rule == "all_done"  # after failed archive tasks too: what S3 holds is still announced
    assert [(a.name, a.uri) for a in publish.outlets] == [(a.name, a.uri) for a in hourly.outlets]
    assert publish.outlets[0].name == "zoom_recordings_archive"


def test_airflow_finds_the_plugin_in_the_plugins_folder_once_and_it_mounts_the_receiver_at_zoom():
    from airflow._shared.plugins_manager.plugins_manager import _load_plugins_from_plugin_directory

    plugins, errors = _load_plugins_from_plugin_directory(str(PLUGINS))
    assert errors == {}
    (plugin,) = [p for p in plugins if p.name == "zoom_webhook"]
    # not an entry point too: a second registration of the name is reported by Airflow as an import error
    assert "zoom_webhook" not in {e.name for e in entry_points(group="airflow.plugins")}
    (app,) = plugin.fastapi_apps
    assert app["url_prefix"] == "/zoom"
    assert {route.path for route in app["app"].routes} == {"/webhook"}


def test_the_docstrings_say_how_the_plugin_is_really_loaded():
    import ast

    import tomllib

    root = PLUGINS.parent
    groups = set(tomllib.loads((root / "pyproject.toml").read_text())["project"].get("entry-points", {}))
    assert groups == {"apache_airflow_provider"}  # the connection type; no airflow.plugins
    assert "COPY --chown=airflow:0 plugins/zoom_webhook_plugin.py" in (root / "Dockerfile").read_text()
    assert "/plugins:/opt/airflow/plugins" in (root / "docker-compose.yaml").read_text()
    for path in [PLUGINS / "zoom_webhook_plugin.py", PLUGINS / "zoom_archiver" / "webhook" / "plugin.py"]:
        doc = " ".join((ast.get_docstring(ast.parse(path.read_text())) or "").split())
        assert "plugins folder" in doc, path
        assert "/opt/airflow/plugins" in doc, path
        assert "no ``airflow.plugins`` entry point" in doc, path
        assert "``apache_airflow_provider``" in doc, path
