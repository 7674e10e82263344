from __future__ import annotations

import copy
import importlib.util
import json
import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
DAG_FILE = DAGS / "zoom_recordings_to_s3.py"
DAG_ID = "zoom_recordings_to_s3"


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


@pytest.fixture(scope="module")
def dag(dagbag):
    return dagbag.dags[DAG_ID]


class TestDagIntegrity:
    def test_no_import_errors(self, dagbag):
        assert dagbag.import_errors == {}
        assert DAG_ID in dagbag.dags

    def test_the_dag_ids_the_package_names_are_the_dag_files_ids(self, dagbag):
        from zoom_archiver import names

        declared = {names.ARCHIVE_DAG_ID, names.WEBHOOK_DAG_ID, names.AUDIT_DAG_ID, names.RECLAIM_DAG_ID}
        assert declared == set(dagbag.dags)

    def test_tasks(self, dag):
        assert {t.task_id for t in dag.tasks} == {"discover", "archive", "commit", "publish", "report", "housekeeping"}
        assert dag.get_task("housekeeping").upstream_task_ids == set()
        assert dag.get_task("archive").upstream_task_ids == {"discover"}
        # commit reads discover's summary through the wiring (no lookup by task id inside the task)
        assert dag.get_task("commit").upstream_task_ids == {"archive", "discover"}

    def test_publish_writes_manifests_and_emits_the_archive_asset_whatever_happened_to_the_files(self, dag):
        from airflow.sdk import Asset, TriggerRule

        publish = dag.get_task("publish")
        assert publish.trigger_rule == TriggerRule.ALL_DONE
        assert publish.outlets == [Asset(name="zoom_recordings_archive")]
        assert publish.max_active_tis_per_dag == 1, "two runs never write one manifest at once"
        meetings = publish.op_args[1]
        assert (meetings.operator.task_id, meetings.key) == ("discover", "meetings")

    def test_the_report_never_decides_the_run_state(self, dag):
        # a teardown after commit and publish: it always runs, and a failed commit still fails the run
        report = dag.get_task("report")
        assert report.is_teardown
        assert report.upstream_task_ids == {"commit", "publish"}
        assert report.template_fields_renderers == {"report": "md"}

    def test_commit_gets_the_summary_wired_from_discover(self, dag):
        from airflow.sdk.definitions.xcom_arg import PlainXComArg

        summary, failures = dag.get_task("commit").op_args[1:3]
        assert isinstance(summary, PlainXComArg)
        assert (summary.operator.task_id, summary.key) == ("discover", "plan_summary")
        assert (failures.operator.task_id, failures.key) == ("archive", "failure")

    def test_one_commit_at_a_time_across_every_run(self, dag):
        # the ledger Variable's only writer: scheduled, manual and backfill runs never commit at once
        assert dag.get_task("commit").max_active_tis_per_dag == 1

    def test_archive_is_mapped_with_a_readable_label(self, dag):
        from airflow.sdk.definitions.mappedoperator import MappedOperator

        archive = dag.get_task("archive")
        assert isinstance(archive, MappedOperator)
        assert archive.map_index_template == "{{ file_label }}"

    @pytest.mark.parametrize("task_id", ["archive", "commit", "housekeeping"])
    def test_dict_results_are_one_xcom(self, dag, task_id):
        # a dict return annotation would otherwise make Airflow push one more XCom per key, per mapped task
        task = dag.get_task(task_id)
        multiple_outputs = task.partial_kwargs.get("multiple_outputs") if task_id == "archive" else None
        assert (multiple_outputs if multiple_outputs is not None else task.multiple_outputs) is False

    def test_commit_runs_whatever_happened_to_the_files(self, dag):
        from airflow.sdk import TriggerRule

        # every archive task done, failed or skipped (nothing new still records the run)
        assert dag.get_task("commit").trigger_rule == TriggerRule.ALL_DONE

    def test_one_run_at_a_time_without_catchup(self, dag):
        assert dag.max_active_runs == 1
        assert dag.catchup is False

    def test_hourly_trigger_timetable(self, dag):
        from airflow.sdk import CronTriggerTimetable

        assert isinstance(dag.timetable, CronTriggerTimetable)
        assert dag.timetable.interval == timedelta(hours=1)
        assert dag.timetable.expression == "0 * * * *"

    def test_failures_are_alerted(self, dag):
        from zoom_archiver.notifications.archive_failure import ArchiveFailureNotifier

        for task in dag.tasks:
            callbacks = task.on_failure_callback
            callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
            assert any(isinstance(cb, ArchiveFailureNotifier) for cb in callbacks), task.task_id
            assert task.retries >= 1

    def test_params_have_valid_defaults(self, dag):
        assert dag.params.validate() == {
            "from_date": None,
            "to_date": None,
            "dry_run": False,
            "file_types": None,
            "user_emails": None,
            "release_quarantine": None,
            "force": False,
        }

    @pytest.mark.parametrize("name", ["from_date", "to_date"])
    def test_dates_are_formatted_dates(self, dag, name):
        from airflow.sdk.exceptions import ParamValidationError

        assert dag.params.get_param(name).schema["format"] == "date"
        params = copy.deepcopy(dag.params)
        params[name] = "2026-01-31"
        with pytest.raises(ParamValidationError):
            params[name] = "31/01/2026"

    @pytest.mark.parametrize(
        ("name", "good", "bad"),
        [
            pytest.param("dry_run", True, "yes", id="dry-run"),
            pytest.param("force", True, "yes", id="force"),
            pytest.param("file_types", ["MP4", "TRANSCRIPT"], "MP4", id="file-types"),
            pytest.param("user_emails", ["jchill@example.com"], "jchill@example.com", id="user-emails"),
        ],
    )
    def test_param_types(self, dag, name, good, bad):
        from airflow.sdk.exceptions import ParamValidationError

        params = copy.deepcopy(dag.params)
        params[name] = good
        with pytest.raises(ParamValidationError):
            params[name] = bad


class TestDagFileImport:
    def test_import_makes_no_network_call(self, monkeypatch):
        attempts: list[object] = []

        def refuse(sock, address):
            attempts.append(address)
            raise OSError(f"network access during DAG import: {address}")

        monkeypatch.setattr(socket.socket, "connect", refuse)
        monkeypatch.setattr(socket.socket, "connect_ex", refuse)
        spec = importlib.util.spec_from_file_location("zoom_dag_import_check", DAG_FILE)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        finally:
            sys.modules.pop("zoom_dag_import_check", None)
        assert attempts == []
        assert module.zoom_recordings_to_s3 is not None

    def test_import_does_not_load_heavy_modules(self):
        code = (
            "import importlib.util, json, sys\n"
            f"spec = importlib.util.spec_from_file_location('zoom_dag_import_check', {str(DAG_FILE)!r})\n"
            "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('boto3', 'botocore', 'requests', 's3transfer') or m in "
            "('zoom_archiver.tasks.discover', 'zoom_archiver.tasks.archive', 'zoom_archiver.tasks.commit'))))\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=dict(os.environ), check=False
        )
        assert result.returncode == 0, result.stderr[-2000:]
        loaded = json.loads(result.stdout.strip().splitlines()[-1])
        assert loaded == []


AUDIT_DAG_FILE = DAGS / "zoom_recordings_audit.py"
AUDIT_DAG_ID = "zoom_recordings_audit"


@pytest.fixture(scope="module")
def audit_dag(dagbag):
    assert dagbag.import_errors == {}
    return dagbag.dags[AUDIT_DAG_ID]


class TestAuditDag:
    def test_audit_then_verdict(self, audit_dag):
        assert {t.task_id for t in audit_dag.tasks} == {"audit", "verdict"}
        assert audit_dag.get_task("verdict").upstream_task_ids == {"audit"}
        # a failed verdict (something missing or corrupt) is final: it never runs the audit again
        assert audit_dag.get_task("verdict").retries == 0

    def test_weekly_without_catchup(self, audit_dag):
        from airflow.sdk import CronTriggerTimetable

        assert isinstance(audit_dag.timetable, CronTriggerTimetable)
        assert audit_dag.timetable.expression == "0 6 * * 1"
        assert audit_dag.catchup is False
        assert audit_dag.max_active_runs == 1

    def test_params(self, audit_dag):
        from airflow.sdk.exceptions import ParamValidationError

        assert audit_dag.params.validate() == {"from_date": None, "to_date": None, "deep": False}
        for name in ("from_date", "to_date"):
            assert audit_dag.params.get_param(name).schema["format"] == "date"
        params = copy.deepcopy(audit_dag.params)
        params["deep"] = True
        with pytest.raises(ParamValidationError):
            params["deep"] = "yes"

    def test_failures_are_alerted(self, audit_dag):
        from zoom_archiver.notifications.archive_failure import ArchiveFailureNotifier

        for task in audit_dag.tasks:
            callbacks = task.on_failure_callback
            callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
            assert any(isinstance(cb, ArchiveFailureNotifier) for cb in callbacks), task.task_id

    def test_import_makes_no_network_call_and_loads_nothing_heavy(self, monkeypatch):
        attempts: list[object] = []

        def refuse(sock, address):
            attempts.append(address)
            raise OSError(f"network access during DAG import: {address}")

        monkeypatch.setattr(socket.socket, "connect", refuse)
        monkeypatch.setattr(socket.socket, "connect_ex", refuse)
        spec = importlib.util.spec_from_file_location("zoom_audit_dag_import_check", AUDIT_DAG_FILE)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        finally:
            sys.modules.pop("zoom_audit_dag_import_check", None)
        assert attempts == []
        code = (
            "import importlib.util, json, sys\n"
            f"spec = importlib.util.spec_from_file_location('zoom_audit_dag_import_check', {str(AUDIT_DAG_FILE)!r})\n"
            "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('boto3', 'botocore', 'requests', 's3transfer') or m.startswith('zoom_archiver.audit.audit'))))\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=dict(os.environ), check=False
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert json.loads(result.stdout.strip().splitlines()[-1]) == []


RECLAIM_DAG_ID = "zoom_recordings_reclaim"


@pytest.fixture(scope="module")
def reclaim_dag(dagbag):
    assert dagbag.import_errors == {}
    return dagbag.dags[RECLAIM_DAG_ID]


class TestReclaimDag:
    def test_one_task_daily_one_run_at_a_time(self, reclaim_dag):
        from airflow.sdk import CronTriggerTimetable

        assert [t.task_id for t in reclaim_dag.tasks] == ["reclaim"]
        assert isinstance(reclaim_dag.timetable, CronTriggerTimetable)
        assert reclaim_dag.timetable.expression == "30 3 * * *"
        assert reclaim_dag.catchup is False
        assert reclaim_dag.max_active_runs == 1
        task = reclaim_dag.get_task("reclaim")
        assert task.max_active_tis_per_dag == 1  # the only writer of zoom_archive_reclaim
        assert task.retries == 0  # a failed delete is retried by tomorrow's run, after a new proof

    def test_dry_run_param(self, reclaim_dag):
        from airflow.sdk.exceptions import ParamValidationError

        assert reclaim_dag.params.validate() == {"dry_run": False}
        params = copy.deepcopy(reclaim_dag.params)
        with pytest.raises(ParamValidationError):
            params["dry_run"] = "yes"

    def test_failures_are_alerted(self, reclaim_dag):
        from zoom_archiver.notifications.archive_failure import ArchiveFailureNotifier

        callbacks = reclaim_dag.get_task("reclaim").on_failure_callback
        callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
        assert any(isinstance(cb, ArchiveFailureNotifier) for cb in callbacks)
