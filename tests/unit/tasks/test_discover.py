"""The discover task body (zoom_archiver.tasks.discover): glue between Airflow's context, params and XComs and the
discover step. Zoom and S3 are replaced by fakes at the package's seams (``discovery.discover``,
``tasks.discover.archive_bucket``); Variables live in a dict."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException

from tests.unit.tasks.support import FakeBucket, FakeHook
from zoom_archiver.discover.summary import DiscoverSummary, Discovery
from zoom_archiver.ledger import LEDGER_VARIABLE
from zoom_archiver.tasks import discover as discover_task
from zoom_archiver.tasks.common import MEETINGS_KEY, SUMMARY_KEY


class TestDiscover:
    @pytest.fixture
    def discovered(self, monkeypatch, make_planned):
        import zoom_archiver.discover.discovery
        import zoom_archiver.hooks.zoom

        calls: list[dict[str, Any]] = []
        files = [make_planned(file_id="f1"), make_planned(file_id="f2", key="zoom/other.mp4")]

        def fake(client, settings, request, *, ledger, workers, bucket, today, participant_audio):
            calls.append({"client": client, "request": request, "workers": workers, "bucket": bucket, "ledger": ledger})
            planned = [(f.file_id, f.start_date) for f in files]
            meetings = [{"meeting": {"uuid": "m"}, "files": [], "processing": [], "quarantined": []}]
            return Discovery(files, DiscoverSummary([("a", "b")], request.dry_run, planned=planned), meetings)

        monkeypatch.setattr(zoom_archiver.discover.discovery, "discover", fake)
        monkeypatch.setattr(zoom_archiver.hooks.zoom, "ZoomHook", FakeHook)
        monkeypatch.setattr(discover_task, "archive_bucket", lambda bucket, aws_conn_id: FakeBucket(bucket))
        return calls

    def test_returns_the_files_and_pushes_the_summary(self, variables, task_context, discovered):
        variables[LEDGER_VARIABLE] = json.dumps({"files": {}})
        files = discover_task.discover({}, task_context)
        assert [f["file_id"] for f in files] == ["f1", "f2"]
        assert task_context["ti"].xcoms[SUMMARY_KEY]["planned"] == [["f1", "2024-11-29"], ["f2", "2024-11-29"]]
        [call] = discovered
        assert call["client"] == "client of zoom_default"
        assert call["request"].windows[-1].end.isoformat() == "2026-03-10"  # the run's data interval end
        assert call["bucket"].checked, "the bucket is checked once per run"
        assert task_context["ti"].xcoms[MEETINGS_KEY][0]["meeting"] == {"uuid": "m"}, "for publish"
        assert not call["bucket"].object_lock_checked, "no retention asked for: Object Lock is not required"

    def test_retention_makes_discover_check_the_bucket_for_object_lock(self, variables, task_context, discovered):
        variables["zoom_archive_object_lock_mode"] = "COMPLIANCE"
        variables["zoom_archive_object_lock_days"] = "365"
        discover_task.discover({}, task_context)
        assert discovered[0]["bucket"].object_lock_checked

    def test_dry_run_maps_nothing_but_says_what_it_would_archive(self, variables, task_context, discovered):
        assert discover_task.discover({"dry_run": True}, task_context) == []
        assert task_context["ti"].xcoms[SUMMARY_KEY]["dry_run"] is True
        assert len(task_context["ti"].xcoms[SUMMARY_KEY]["planned"]) == 2

    def test_owed_work_is_listed_besides_the_look_back(self, variables, task_context, discovered):
        variables[LEDGER_VARIABLE] = json.dumps({"version": 2, "archived": {}, "owed": [["2026-01-05", "2026-01-06"]]})
        discover_task.discover({}, task_context)
        windows = [(str(w.start), str(w.end)) for w in discovered[0]["request"].windows]
        assert windows == [("2026-01-05", "2026-01-06"), ("2026-03-03", "2026-03-10")]

    def test_a_backfill_run_lists_only_its_own_dates(self, variables, task_context, discovered):
        from airflow.sdk.api.datamodels._generated import DagRunType

        task_context.update(
            dag_run=type("Run", (), {"run_type": DagRunType.BACKFILL})(),  # what the Task SDK puts in the context
            data_interval_start=datetime(2026, 2, 1, 0, tzinfo=timezone.utc),
            data_interval_end=datetime(2026, 2, 1, 1, tzinfo=timezone.utc),
        )
        discover_task.discover({}, task_context)
        [window] = discovered[0]["request"].windows
        assert (str(window.start), str(window.end)) == ("2026-02-01", "2026-02-01")
        task_context["data_interval_start"] = datetime(2026, 2, 1, 5, tzinfo=timezone.utc)
        task_context["data_interval_end"] = datetime(2026, 2, 1, 6, tzinfo=timezone.utc)
        discover_task.discover({}, task_context)
        assert discovered[1]["request"].windows == []  # the date was listed by its 00:00 run

    def test_release_quarantine_param_reaches_the_request(self, variables, task_context, discovered):
        discover_task.discover({"release_quarantine": [" f1 ", ""]}, task_context)
        assert discovered[0]["request"].release == frozenset({"f1"})

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            pytest.param({"from_date": "yesterday"}, "from_date", id="bad-date"),
            pytest.param({"from_date": "2026-02-01", "to_date": "2026-01-01"}, "before", id="reversed"),
        ],
    )
    def test_bad_params_fail_at_once_without_calling_zoom(self, variables, task_context, discovered, params, message):
        with pytest.raises(AirflowFailException, match=message):
            discover_task.discover(params, task_context)
        assert discovered == []

    def test_a_missing_bucket_fails_at_once(self, variables, task_context, discovered):
        del variables["zoom_archive_bucket"]
        with pytest.raises(AirflowFailException, match="zoom_archive_bucket"):
            discover_task.discover({}, task_context)
