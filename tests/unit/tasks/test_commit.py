"""The commit task body (zoom_archiver.tasks.commit): the run recorded in the ledger, the run report, the verdict."""

from __future__ import annotations

import json
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from tests.unit.tasks.support import FakeHook
from zoom_archiver.discover.summary import DiscoverSummary
from zoom_archiver.errors import ZoomAuthError
from zoom_archiver.ledger import LEDGER_VARIABLE
from zoom_archiver.tasks import commit as commit_task
from zoom_archiver.tasks import discover as discover_task
from zoom_archiver.tasks.common import SUMMARY_KEY


def summary(**overrides: Any) -> dict[str, Any]:
    base = DiscoverSummary(windows=[("2026-03-03", "2026-03-10")], dry_run=False, planned=[])
    return {**base.to_dict(), **overrides}


def result(file_id: str, day: str = "2026-03-05", outcome: str = "archived") -> dict[str, Any]:
    return {"file_id": file_id, "start_date": day, "outcome": outcome, "key": f"zoom/{file_id}", "size": 1,
            "sha256": "0" * 64, "resumes": 0}  # fmt: skip


class TestCommit:
    def test_records_the_archived_files_in_the_ledger(self, variables, task_context):
        planned = [["a", "2026-03-05"], ["b", "2026-03-06"]]
        results = [result("a"), result("b", "2026-03-06")]
        report = commit_task.commit(results, summary(planned=planned), [], {}, task_context)
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
            commit_task.commit([None], summary(planned=[["b", "2026-03-06"]]), failures, {}, task_context)
        assert "Failed: 1" in task_context["ti"].xcoms["run_report_text"]

    def test_records_the_hash_of_files_streamed_now_not_of_copies_found_in_s3(self, variables, task_context):
        planned = [["a", "2026-03-05"], ["b", "2026-03-05"]]
        results = [result("a"), result("b", outcome="already_archived")]
        commit_task.commit(results, summary(planned=planned), [], {}, task_context)
        assert json.loads(variables[LEDGER_VARIABLE])["hashes"] == {"a": "0" * 64 + ":1"}

    def test_records_the_hashes_the_manifests_keep_for_files_found_in_s3(self, variables, task_context):
        # a webhook run streamed w; this run found it in S3 (no download) and read its hash from the manifest
        found = {"w": "1" * 64 + ":7"}
        with pytest.raises(AirflowSkipException):  # nothing to archive in this run
            commit_task.commit([], summary(rebuilt=[["w", "2026-03-05"]], found_hashes=found), [], {}, task_context)
        ledger = json.loads(variables[LEDGER_VARIABLE])
        assert ledger["hashes"] == found
        assert ledger["archived"] == {"2026-03-10": ["w"]}

    def test_a_failed_file_fails_the_run_but_the_others_are_recorded(self, variables, task_context):
        planned = [["a", "2026-03-05"], ["b", "2026-03-06"]]
        failures = [{"file_id": "b", "permanent": False, "error": "DownloadError: HTTP 503", "key": "zoom/b"}]
        with pytest.raises(AirflowFailException, match="1 of 2 files failed.*b"):
            commit_task.commit([result("a"), None], summary(planned=planned), failures, {}, task_context)
        ledger = json.loads(variables[LEDGER_VARIABLE])
        assert ledger["archived"] == {"2026-03-10": ["a"]}
        assert ledger["owed"] == [["2026-03-06", "2026-03-06"]]  # b is owed
        assert ledger["failures"]["b"]["error"] == "DownloadError: HTTP 503"

    def test_a_permanent_failure_is_quarantined_and_reported(self, variables, task_context):
        failures = [{"file_id": "b", "permanent": True, "error": "KeyConflict: another file", "key": "zoom/b"}]
        with pytest.raises(AirflowFailException, match="1 now quarantined"):
            commit_task.commit([None], summary(planned=[["b", "2026-03-06"]]), failures, {}, task_context)
        ledger = json.loads(variables[LEDGER_VARIABLE])
        assert ledger["quarantine"]["b"]["reason"] == "permanent error: KeyConflict: another file"
        assert ledger["owed"] == []

    def test_a_failed_user_fails_the_run_naming_the_user(self, variables, task_context):
        plan = summary(planned=[["a", "2026-03-05"]], user_failures=[["gone@example.com", "HTTP 404 code=1001"]])
        with pytest.raises(AirflowFailException, match="gone@example.com.*1001"):
            commit_task.commit([result("a")], plan, [], {}, task_context)
        ledger = json.loads(variables[LEDGER_VARIABLE])
        assert ledger["archived"] == {"2026-03-10": ["a"]}
        assert ledger["owed"] == [["2026-03-03", "2026-03-10"]]

    def test_dry_run_leaves_the_ledger_alone(self, variables, task_context):
        report = commit_task.commit([], summary(dry_run=True, planned=[["a", "2026-03-05"]]), [], {}, task_context)
        assert report == {"dry_run": True, "would_archive": 1, "quarantined": 0}
        assert LEDGER_VARIABLE not in variables

    def test_nothing_planned_is_skipped_after_writing_the_ledger(self, variables, task_context):
        with pytest.raises(AirflowSkipException):
            commit_task.commit([], summary(), [], {}, task_context)
        assert json.loads(variables[LEDGER_VARIABLE])["archived"] == {}


class TestCommitAfterAFailedDiscover:
    def test_discover_marks_its_summary_incomplete_until_it_finishes(self, variables, task_context, monkeypatch):
        import zoom_archiver.hooks.zoom

        monkeypatch.setattr(zoom_archiver.hooks.zoom, "ZoomHook", FakeHook)
        monkeypatch.setattr(
            discover_task, "archive_bucket", lambda bucket, aws_conn_id: (_ for _ in ()).throw(ZoomAuthError("refused"))
        )
        with pytest.raises(AirflowFailException):
            discover_task.discover({}, task_context)
        assert task_context["ti"].xcoms[SUMMARY_KEY] == {"incomplete": True}

    def test_commit_then_fails_the_run_and_leaves_the_ledger_alone(self, variables, task_context):
        with pytest.raises(AirflowFailException, match="discover did not finish"):
            commit_task.commit([], {"incomplete": True}, [], {}, task_context)
        assert LEDGER_VARIABLE not in variables
