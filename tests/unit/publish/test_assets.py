"""The archive's asset and its events (zoom_archiver.publish.assets)."""

from __future__ import annotations

import json

from airflow.sdk import Asset

from zoom_archiver.publish.assets import ASSET_NAME, MAX_EVENT_FILES, archive_asset, event_extra, new_objects
from zoom_archiver.settings.deployment import deployment_settings


def test_named_whatever_its_uri():
    assert archive_asset() == Asset(name=ASSET_NAME)
    assert archive_asset().uri == ASSET_NAME
    with_uri = archive_asset("s3://my-bucket/zoom")
    assert (with_uri.name, with_uri.uri) == (ASSET_NAME, "s3://my-bucket/zoom")


def test_the_uri_comes_from_the_deployment_environment():
    assert deployment_settings({}).asset_uri == ""
    assert deployment_settings({"ZOOM_ARCHIVE_ASSET_URI": " s3://b/zoom "}).asset_uri == "s3://b/zoom"


def test_an_event_names_the_new_objects_only():
    results = [
        {"file_id": "a", "key": "zoom/a.mp4", "meeting_uuid": "m==", "file_type": "MP4", "size": 10, "sha256": "aa",
         "outcome": "archived", "start_date": "2026-03-01", "host_email": "jill@example.com"},
        {"file_id": "v", "key": "zoom/v.m4a", "meeting_uuid": "m==", "file_type": "M4A", "size": 5, "sha256": "vv",
         "outcome": "archived", "participant": "Sam Lee"},
        {"file_id": "b", "key": "zoom/b.mp4", "size": 1, "sha256": "bb", "outcome": "already_archived"},
    ]  # fmt: skip
    objects = new_objects(results)
    assert objects == [
        {"key": "zoom/a.mp4", "meeting_uuid": "m==", "file_id": "a", "file_type": "MP4", "size": 10, "sha256": "aa"},
        {"key": "zoom/v.m4a", "meeting_uuid": "m==", "file_id": "v", "file_type": "M4A", "size": 5, "sha256": "vv",
         "participant": "Sam Lee"},
    ]  # fmt: skip
    extra = event_extra(objects, bucket="b", prefix="zoom", run_id="r1", manifests=["zoom/m/manifest.json"])
    assert extra == {"bucket": "b", "prefix": "zoom", "run_id": "r1", "count": 2, "bytes": 15, "files": objects,
                     "truncated": False, "manifests": ["zoom/m/manifest.json"]}  # fmt: skip
    json.dumps(extra)


def test_a_huge_run_is_truncated_but_counted():
    objects = [{"key": f"k{i}", "size": 1} for i in range(MAX_EVENT_FILES + 5)]
    extra = event_extra(objects, bucket="b", prefix="p", run_id="r")
    assert (extra["count"], extra["bytes"], len(extra["files"]), extra["truncated"]) == (
        MAX_EVENT_FILES + 5, MAX_EVENT_FILES + 5, MAX_EVENT_FILES, True,
    )  # fmt: skip
