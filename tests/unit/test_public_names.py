"""The product's public names: what users, their DAGs, their IAM policies and their dashboards rely on. A rename of any
of these breaks a deployment, so each is listed here literally."""

from __future__ import annotations

from pathlib import Path

from zoom_archiver import get_provider_info
from zoom_archiver.ledger import LEDGER_VARIABLE
from zoom_archiver.publish.assets import ASSET_NAME
from zoom_archiver.publish.manifest import MANIFEST_NAME
from zoom_archiver.publish.report import REPORT_KEY, REPORT_TEXT_KEY
from zoom_archiver.reclaim.record import RECORD_VARIABLE
from zoom_archiver.s3 import metadata
from zoom_archiver.settings import ArchiveSettings
from zoom_archiver.settings.variables import BY_NAME
from zoom_archiver.tasks.common import FAILURE_KEY, MEETINGS_KEY, SUMMARY_KEY
from zoom_archiver.webhook.plugin import URL_PREFIX
from zoom_archiver.webhook.trigger import WEBHOOK_DAG_ID

DAGS = Path(__file__).resolve().parents[2] / "dags"


def test_dag_ids():
    ids = {path.stem for path in DAGS.glob("*.py")}
    assert ids == {"zoom_recordings_to_s3", "zoom_meeting_to_s3", "zoom_recordings_audit", "zoom_recordings_reclaim"}
    for path in DAGS.glob("*.py"):
        assert f'dag_id="{path.stem}"' in path.read_text()
    assert WEBHOOK_DAG_ID == "zoom_meeting_to_s3"


def test_connections():
    [connection] = get_provider_info()["connection-types"]
    assert connection["connection-type"] == "zoom"
    assert connection["hook-class-name"] == "zoom_archiver.hooks.zoom.ZoomHook"
    settings = ArchiveSettings(bucket="b")
    assert (settings.zoom_conn_id, settings.aws_conn_id) == ("zoom_default", "aws_default")


def test_variables():
    assert {"zoom_archive_bucket", "zoom_archive_prefix", "zoom_archive_ledger"} <= set(BY_NAME)
    assert LEDGER_VARIABLE == "zoom_archive_ledger"
    assert RECORD_VARIABLE == "zoom_archive_reclaim"


def test_object_metadata_and_tag():
    assert metadata.FILE_ID_METADATA == "zoom-file-id"
    assert metadata.MEETING_UUID_METADATA == "zoom-meeting-uuid"
    assert metadata.START_TIME_METADATA == "zoom-start-time"
    assert metadata.PARTICIPANT_METADATA == "zoom-participant"
    assert metadata.RUN_METADATA == "zoom-archive-run"
    assert metadata.SHA256_TAG == "sha256"
    assert MANIFEST_NAME == "manifest.json"


def test_asset_webhook_path_and_xcom_keys():
    assert ASSET_NAME == "zoom_recordings_archive"
    assert URL_PREFIX + "/webhook" == "/zoom/webhook"
    assert (SUMMARY_KEY, FAILURE_KEY, MEETINGS_KEY) == ("plan_summary", "failure", "meetings")
    assert (REPORT_KEY, REPORT_TEXT_KEY) == ("run_report", "run_report_text")
