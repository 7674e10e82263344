"""Webinars end to end: Zoom lists a webinar's recording (meeting ``type`` 5, 6 or 9) in the same per-user listing as
a meeting's, and the archiver takes it with the same guarantees (byte-identical copy, metadata, ledger, manifest, a
rerun that maps nothing). Dataset: the emulator's ``all_sources`` seed, host ``wes.webinar@example.com``."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from tests.e2e.helpers import emulator_files, incomplete_uploads, secrets_in, stored_objects

pytestmark = pytest.mark.e2e

HOST = "wes.webinar@example.com"
WEBINAR_CASES = {"webinar", "webinar_recurring", "webinar_recurring_fixed"}


def _conf() -> dict[str, object]:
    today = datetime.now(timezone.utc).date()
    return {"from_date": (today - timedelta(days=20)).isoformat(), "to_date": today.isoformat(), "user_emails": [HOST]}


def test_webinars_of_every_type_are_archived_like_meetings(airflow, stack):
    stack.emulator("POST", "reset", json={"seed": "all_sources"})
    hosted = [f for f in emulator_files(stack) if f["host_email"] == HOST]
    webinars = [f for f in hosted if WEBINAR_CASES & set(f["tags"])]
    assert {tag for f in webinars for tag in f["tags"]} >= WEBINAR_CASES, "the seed should hold types 5, 6 and 9"

    first = airflow.run(_conf())
    assert first.state == "success", first.output[-3000:]
    s3 = stack.s3_client()
    objects = stored_objects(s3, airflow.bucket)
    assert set(objects) == {f["file_id"] for f in hosted}, "every file of the host, webinars included"
    for f in webinars:
        obj = objects[f["file_id"]]
        assert obj.meeting_uuid == f["meeting_uuid"]
        assert (obj.size, obj.sha256_bytes, obj.sha256_tag) == (f["size"], f["sha256"], f["sha256"]), obj.key
    assert incomplete_uploads(s3, airflow.bucket) == []

    ledger = json.loads(airflow.variable("zoom_archive_ledger"))
    assert {f["file_id"] for f in webinars} <= {fid for ids in ledger["archived"].values() for fid in ids}
    manifests = [o["Key"] for o in s3.list_objects_v2(Bucket=airflow.bucket).get("Contents", [])]
    manifests = [key for key in manifests if key.endswith("/manifest.json")]
    for uuid in {f["meeting_uuid"] for f in webinars}:
        keys = {objects[f["file_id"]].key.rsplit("/", 1)[0] for f in webinars if f["meeting_uuid"] == uuid}
        assert len(keys) == 1, f"webinar {uuid} archived under {keys}"
        assert f"{keys.pop()}/manifest.json" in manifests, f"no manifest for webinar {uuid}"

    second = airflow.run(_conf())
    assert second.state == "success", second.output[-3000:]
    assert [i for (task, i) in second.tis if task == "archive" and i >= 0] == [], "a rerun maps nothing"
    assert secrets_in(airflow.all_logs(), stack) == []
