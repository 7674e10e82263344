"""The task bodies (zoom_archiver.tasks.hourly): glue between Airflow's context, params and XComs and the package.

Variables live in a dict behind ``Variable.get``/``Variable.set``; Zoom and S3 are replaced by fakes at the
package's seams (``discovery.discover``, ``archive.archive_file``, ``tasks.archive_bucket``).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from zoom_archiver.discover.summary import DiscoverSummary, Discovery
from zoom_archiver.errors import DownloadError, KeyConflict, ZoomAuthError
from zoom_archiver.ledger import LEDGER_VARIABLE
from zoom_archiver.tasks import hourly as tasks

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


def summary(**overrides: Any) -> dict[str, Any]:
    base = DiscoverSummary(windows=[("2026-03-03", "2026-03-10")], dry_run=False, planned=[])
    return {**base.to_dict(), **overrides}


def result(file_id: str, day: str = "2026-03-05", outcome: str = "archived") -> dict[str, Any]:
    return {"file_id": file_id, "start_date": day, "outcome": outcome, "key": f"zoom/{file_id}", "size": 1,
            "sha256": "0" * 64, "resumes": 0}  # fmt: skip


class TestAirflowErrors:
    @pytest.mark.parametrize("error", [KeyConflict("k holds another file"), ZoomAuthError("invalid_client")])
    def test_a_permanent_error_fails_the_task_without_retries(self, error):
        body = tasks.airflow_errors(lambda: (_ for _ in ()).throw(error))
        with pytest.raises(AirflowFailException, match=type(error).__name__):
            body()

    def test_a_transient_error_is_left_to_airflow_retries(self):
        error = DownloadError("CDN dropped", retryable=True)
        body = tasks.airflow_errors(lambda: (_ for _ in ()).throw(error))
        with pytest.raises(DownloadError):
            body()


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
        monkeypatch.setattr(tasks, "archive_bucket", lambda bucket, aws_conn_id: FakeBucket(bucket))
        return calls

    def test_returns_the_files_and_pushes_the_summary(self, variables, task_context, discovered):
        variables[LEDGER_VARIABLE] = json.dumps({"files": {}})
        files = tasks.discover({}, task_context)
        assert [f["file_id"] for f in files] == ["f1", "f2"]
        assert task_context["ti"].xcoms[tasks.SUMMARY_KEY]["planned"] == [["f1", "2024-11-29"], ["f2", "2024-11-29"]]
        [call] = discovered
        assert call["client"] == "client of zoom_default"
        assert call["request"].windows[-1].end.isoformat() == "2026-03-10"  # the run's data interval end
        assert call["bucket"].checked, "the bucket is checked once per run"
        assert task_context["ti"].xcoms[tasks.MEETINGS_KEY][0]["meeting"] == {"uuid": "m"}, "for publish"
        assert not call["bucket"].object_lock_checked, "no retention asked for: Object Lock is not required"

    def test_retention_makes_discover_check_the_bucket_for_object_lock(self, variables, task_context, discovered):
        variables["zoom_archive_object_lock_mode"] = "COMPLIANCE"
        variables["zoom_archive_object_lock_days"] = "365"
        tasks.discover({}, task_context)
        assert discovered[0]["bucket"].object_lock_checked

    def test_dry_run_maps_nothing_but_says_what_it_would_archive(self, variables, task_context, discovered):
        assert tasks.discover({"dry_run": True}, task_context) == []
        assert task_context["ti"].xcoms[tasks.SUMMARY_KEY]["dry_run"] is True
        assert len(task_context["ti"].xcoms[tasks.SUMMARY_KEY]["planned"]) == 2

    def test_owed_work_is_listed_besides_the_look_back(self, variables, task_context, discovered):
        variables[LEDGER_VARIABLE] = json.dumps({"version": 2, "archived": {}, "owed": [["2026-01-05", "2026-01-06"]]})
        tasks.discover({}, task_context)
        windows = [(str(w.start), str(w.end)) for w in discovered[0]["request"].windows]
        assert windows == [("2026-01-05", "2026-01-06"), ("2026-03-03", "2026-03-10")]

    def test_a_backfill_run_lists_only_its_own_dates(self, variables, task_context, discovered):
        from airflow.sdk.api.datamodels._generated import DagRunType

        task_context.update(
            dag_run=type("Run", (), {"run_type": DagRunType.BACKFILL})(),  # what the Task SDK puts in the context
            data_interval_start=datetime(2026, 2, 1, 0, tzinfo=timezone.utc),
            data_interval_end=datetime(2026, 2, 1, 1, tzinfo=timezone.utc),
        )
        tasks.discover({}, task_context)
        [window] = discovered[0]["request"].windows
        assert (str(window.start), str(window.end)) == ("2026-02-01", "2026-02-01")
        task_context["data_interval_start"] = datetime(2026, 2, 1, 5, tzinfo=timezone.utc)
        task_context["data_interval_end"] = datetime(2026, 2, 1, 6, tzinfo=timezone.utc)
        tasks.discover({}, task_context)
        assert discovered[1]["request"].windows == []  # the date was listed by its 00:00 run

    def test_release_quarantine_param_reaches_the_request(self, variables, task_context, discovered):
        tasks.discover({"release_quarantine": [" f1 ", ""]}, task_context)
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
            tasks.discover(params, task_context)
        assert discovered == []

    def test_a_missing_bucket_fails_at_once(self, variables, task_context, discovered):
        del variables["zoom_archive_bucket"]
        with pytest.raises(AirflowFailException, match="zoom_archive_bucket"):
            tasks.discover({}, task_context)


class TestCommit:
    def test_records_the_archived_files_in_the_ledger(self, variables, task_context):
        planned = [["a", "2026-03-05"], ["b", "2026-03-06"]]
        results = [result("a"), result("b", "2026-03-06")]
        report = tasks.commit(results, summary(planned=planned), [], {}, task_context)
        assert report["archived"] == 2
        assert report["ledger_added"] == 2
        assert json.loads(variables[LEDGER_VARIABLE])["archived"] == {"2026-03-10": ["a", "b"]}
        # the run report: in the return value, as its own XCom, and as text for the report task
        xcoms = task_context["ti"].xcoms
        assert report["run_report"] == xcoms["run_report"]
        assert xcoms["run_report"]["files_archived"] == 2
        assert xcoms["run_report_text"].startswith("Archived 2 files, 2 B")

    def test_a_failed_run_still_reports(self, variables, task_context):
        failures = [{"file_id": "b", "permanent": False, "error": "DownloadError: HTTP 503", "key": "zoom/b"}]
        with pytest.raises(AirflowFailException):
            tasks.commit([None], summary(planned=[["b", "2026-03-06"]]), failures, {}, task_context)
        assert "Failed: 1" in task_context["ti"].xcoms["run_report_text"]

    def test_records_the_hash_of_files_streamed_now_not_of_copies_found_in_s3(self, variables, task_context):
        planned = [["a", "2026-03-05"], ["b", "2026-03-05"]]
        results = [result("a"), result("b", outcome="already_archived")]
        tasks.commit(results, summary(planned=planned), [], {}, task_context)
        assert json.loads(variables[LEDGER_VARIABLE])["hashes"] == {"a": "0" * 64 + ":1"}

    def test_a_failed_file_fails_the_run_but_the_others_are_recorded(self, variables, task_context):
        planned = [["a", "2026-03-05"], ["b", "2026-03-06"]]
        failures = [{"file_id": "b", "permanent": False, "error": "DownloadError: HTTP 503", "key": "zoom/b"}]
        with pytest.raises(AirflowFailException, match="1 of 2 files failed.*b"):
            tasks.commit([result("a"), None], summary(planned=planned), failures, {}, task_context)
        ledger = json.loads(variables[LEDGER_VARIABLE])
        assert ledger["archived"] == {"2026-03-10": ["a"]}
        assert ledger["owed"] == [["2026-03-06", "2026-03-06"]]  # b is owed
        assert ledger["failures"]["b"]["error"] == "DownloadError: HTTP 503"

    def test_a_permanent_failure_is_quarantined_and_reported(self, variables, task_context):
        failures = [{"file_id": "b", "permanent": True, "error": "KeyConflict: another file", "key": "zoom/b"}]
        with pytest.raises(AirflowFailException, match="1 now quarantined"):
            tasks.commit([None], summary(planned=[["b", "2026-03-06"]]), failures, {}, task_context)
        ledger = json.loads(variables[LEDGER_VARIABLE])
        assert ledger["quarantine"]["b"]["reason"] == "permanent error: KeyConflict: another file"
        assert ledger["owed"] == []

    def test_a_failed_user_fails_the_run_naming_the_user(self, variables, task_context):
        plan = summary(planned=[["a", "2026-03-05"]], user_failures=[["gone@example.com", "HTTP 404 code=1001"]])
        with pytest.raises(AirflowFailException, match="gone@example.com.*1001"):
            tasks.commit([result("a")], plan, [], {}, task_context)
        ledger = json.loads(variables[LEDGER_VARIABLE])
        assert ledger["archived"] == {"2026-03-10": ["a"]}
        assert ledger["owed"] == [["2026-03-03", "2026-03-10"]]

    def test_dry_run_leaves_the_ledger_alone(self, variables, task_context):
        report = tasks.commit([], summary(dry_run=True, planned=[["a", "2026-03-05"]]), [], {}, task_context)
        assert report == {"dry_run": True, "would_archive": 1, "quarantined": 0}
        assert LEDGER_VARIABLE not in variables

    def test_nothing_planned_is_skipped_after_writing_the_ledger(self, variables, task_context):
        with pytest.raises(AirflowSkipException):
            tasks.commit([], summary(), [], {}, task_context)
        assert json.loads(variables[LEDGER_VARIABLE])["archived"] == {}


class TestHousekeeping:
    def test_aborts_stale_uploads_under_the_prefix_with_the_configured_age(self, variables, task_context, monkeypatch):
        seen: dict[str, Any] = {}

        class Bucket:
            def abort_stale_uploads(self, prefix, *, max_age):
                seen.update(prefix=prefix, max_age=max_age)
                return 2

        variables.update(zoom_archive_prefix="archive", zoom_archive_abort_uploads_after_hours="6")
        monkeypatch.setattr(tasks, "archive_bucket", lambda bucket, aws_conn_id: Bucket())
        assert tasks.housekeeping(task_context) == {"aborted_uploads": 2}
        assert seen == {"prefix": "archive", "max_age": __import__("datetime").timedelta(hours=6)}


class TestArchive:
    @pytest.mark.parametrize(
        ("error", "permanent", "raised"),
        [
            pytest.param(KeyConflict("zoom/a holds another file"), True, AirflowFailException, id="permanent"),
            pytest.param(DownloadError("CDN dropped", retryable=True), False, DownloadError, id="transient"),
            pytest.param(RuntimeError("boom"), False, RuntimeError, id="unexpected"),
        ],
    )
    def test_a_failure_leaves_its_reason_for_commit(self, task_context, monkeypatch, error, permanent, raised):
        def fail(file, params):
            raise error

        monkeypatch.setattr(tasks, "_archive", fail)
        with pytest.raises(raised):
            tasks.archive({"file_id": "a", "key": "zoom/a.mp4"}, {}, task_context)
        failure = task_context["ti"].xcoms[tasks.FAILURE_KEY]
        assert failure["file_id"] == "a"
        assert failure["key"] == "zoom/a.mp4"
        assert failure["permanent"] is permanent
        assert type(error).__name__ in failure["error"]


class TestCommitAfterAFailedDiscover:
    def test_discover_marks_its_summary_incomplete_until_it_finishes(self, variables, task_context, monkeypatch):
        import zoom_archiver.hooks.zoom

        monkeypatch.setattr(zoom_archiver.hooks.zoom, "ZoomHook", FakeHook)
        monkeypatch.setattr(
            tasks, "archive_bucket", lambda bucket, aws_conn_id: (_ for _ in ()).throw(ZoomAuthError("refused"))
        )
        with pytest.raises(AirflowFailException):
            tasks.discover({}, task_context)
        assert task_context["ti"].xcoms[tasks.SUMMARY_KEY] == {"incomplete": True}

    def test_commit_then_fails_the_run_and_leaves_the_ledger_alone(self, variables, task_context):
        with pytest.raises(AirflowFailException, match="discover did not finish"):
            tasks.commit([], {"incomplete": True}, [], {}, task_context)
        assert LEDGER_VARIABLE not in variables
