"""The archive and housekeeping task bodies (zoom_archiver.tasks.archive): a failure leaves its reason for commit."""

from __future__ import annotations

from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException

from zoom_archiver.errors import DownloadError, KeyConflict
from zoom_archiver.tasks import archive as archive_task
from zoom_archiver.tasks.common import FAILURE_KEY


class TestHousekeeping:
    def test_aborts_stale_uploads_under_the_prefix_with_the_configured_age(self, variables, task_context, monkeypatch):
        seen: dict[str, Any] = {}

        class Bucket:
            def abort_stale_uploads(self, prefix, *, max_age):
                seen.update(prefix=prefix, max_age=max_age)
                return 2

        variables.update(zoom_archive_prefix="archive", zoom_archive_abort_uploads_after_hours="6")
        monkeypatch.setattr(archive_task, "archive_bucket", lambda bucket, aws_conn_id: Bucket())
        assert archive_task.housekeeping(task_context) == {"aborted_uploads": 2}
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

        monkeypatch.setattr(archive_task, "_archive", fail)
        with pytest.raises(raised):
            archive_task.archive({"file_id": "a", "key": "zoom/a.mp4"}, {}, task_context)
        failure = task_context["ti"].xcoms[FAILURE_KEY]
        assert failure["file_id"] == "a"
        assert failure["key"] == "zoom/a.mp4"
        assert failure["permanent"] is permanent
        assert type(error).__name__ in failure["error"]
