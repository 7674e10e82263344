"""The archiver against a second S3 implementation that is not moto: s3rver (npm), over HTTPS, verification on.

The ``aws_default`` connection is set as the README says for S3-compatible stores: path-style addressing and
``request_checksum_calculation`` / ``response_checksum_validation`` = ``when_required`` (s3rver does not decode
botocore's aws-chunked CRC32 trailer). One host's files keep the run short: archive (bytes, metadata, sha256 tag),
then, with the ledger lost and one tag stripped, a second run finds every file by HEAD, repairs the tag from the
stored bytes and downloads nothing.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.config import Config
from zoom_sandbox.s3rver import S3RVER_ACCESS_KEY, S3RVER_SECRET_KEY, s3rver_connection_extra, start_s3rver

from tests.e2e.helpers import emulator_files, secrets_in
from tests.support.stack import PREFIX, make_airflow
from tests.unit.archive.support import FakeZoom, full
from tests.unit.conftest import _make_planned
from zoom_archiver.archive.archive import archive_file, file_hook
from zoom_archiver.errors import ConfigurationError
from zoom_archiver.settings import MIB, TransferSettings

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def s3rver(stack, tmp_path_factory):
    service = start_s3rver(tmp_path_factory.mktemp("s3rver"), stack.tls)
    yield service
    service.stop()


def s3rver_client(stack, s3rver):
    extra = s3rver_connection_extra(stack.tls, s3rver.url)
    return boto3.client(
        "s3", endpoint_url=s3rver.url, region_name="us-east-1", verify=str(stack.tls.ca_path),
        aws_access_key_id=S3RVER_ACCESS_KEY, aws_secret_access_key=S3RVER_SECRET_KEY,
        config=Config(**extra["config_kwargs"]),
    )  # fmt: skip


def stored(s3, bucket: str) -> dict[str, dict]:
    """Every object by its ``zoom-file-id``: size, sha256 tag, sha256 of the bytes (s3rver has no versions)."""
    found = {}
    for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        key = obj["Key"]
        if key.endswith("/manifest.json"):  # a meeting's manifest, not a recording
            continue
        head = s3.head_object(Bucket=bucket, Key=key)
        tags = {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]}
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        found[head["Metadata"]["zoom-file-id"]] = {
            "key": key, "size": head["ContentLength"], "tag": tags.get("sha256"),
            "sha256": hashlib.sha256(body).hexdigest(), "meeting_uuid": head["Metadata"]["zoom-meeting-uuid"],
        }  # fmt: skip
    return found


def test_second_s3_implementation_archives_once_with_tags(tmp_path, migrated_db, stack, s3rver):
    airflow = make_airflow(
        tmp_path,
        migrated_db,
        stack,
        bucket_prefix="zoom-s3rver",
        aws_extra=s3rver_connection_extra(stack.tls, s3rver.url),
    )
    conn = json.loads(airflow.env["AIRFLOW_CONN_AWS_DEFAULT"])
    airflow.env["AIRFLOW_CONN_AWS_DEFAULT"] = json.dumps(
        {**conn, "login": S3RVER_ACCESS_KEY, "password": S3RVER_SECRET_KEY}
    )
    s3 = s3rver_client(stack, s3rver)
    s3.create_bucket(Bucket=airflow.bucket)
    stack.emulator("POST", "reset", json={"seed": "tricky"})
    completed = [f for f in emulator_files(stack) if f["status"] in ("completed", None) and f["file_id"]]
    per_host = Counter(f["host_email"] for f in completed)
    host = min((h for h, n in per_host.items() if n >= 3), key=lambda h: (per_host[h], h))
    expected = {f["file_id"]: f for f in completed if f["host_email"] == host}
    today = datetime.now(timezone.utc).date()
    conf = {"from_date": (today - timedelta(days=45)).isoformat(), "to_date": today.isoformat(), "user_emails": [host]}

    first = airflow.run(conf)
    assert first.state == "success", first.output[-3000:]
    objects = stored(s3, airflow.bucket)
    assert set(objects) == set(expected)
    for file_id, obj in objects.items():
        assert obj["key"].startswith(PREFIX + "/")
        assert obj["size"] == expected[file_id]["size"]
        assert obj["sha256"] == expected[file_id]["sha256"], f"{obj['key']} is not byte-identical to Zoom's file"
        assert obj["tag"] == obj["sha256"]

    # The ledger is lost and one object lost its tag: every file is found by HEAD; discover only reads, so the
    # untagged one gets its archive task, which repairs the tag from the stored bytes: nothing is downloaded again.
    victim = objects[sorted(objects)[0]]
    s3.put_object_tagging(Bucket=airflow.bucket, Key=victim["key"], Tagging={"TagSet": []})
    with sqlite3.connect(airflow.home / "airflow.db") as db:
        db.execute("DELETE FROM variable WHERE key='zoom_archive_ledger'")
    stack.emulator("POST", "stats/reset")
    second = airflow.run(conf)
    assert second.state == "success", second.output[-3000:]
    assert [i for (task, i) in second.tis if task == "archive" and i >= 0] == [0], "only the untagged copy is mapped"
    downloads = stack.emulator("GET", "stats")["downloads_by_file"]
    assert {k: v for k, v in downloads.items() if v.get("api") or v.get("cdn")} == {}
    again = stored(s3, airflow.bucket)
    assert again[sorted(objects)[0]]["tag"] == victim["sha256"]
    assert {k: (o["size"], o["sha256"]) for k, o in again.items()} == {
        k: (o["size"], o["sha256"]) for k, o in objects.items()
    }
    assert secrets_in(airflow.all_logs(), stack) == []


@pytest.mark.parametrize("mode", ["when_required", "when_supported"])
def test_the_checksum_mode_reaches_the_product_client_and_transfer_manager(stack, s3rver, monkeypatch, mode):
    """Airflow's connection extra is what the archiver's S3 client and boto3's transfer manager use: with
    ``when_required`` a multipart archive into s3rver is byte-exact; with botocore's default s3rver keeps the
    aws-chunked framing and the archiver refuses the result with a permanent error naming the setting."""
    extra = s3rver_connection_extra(stack.tls, s3rver.url)
    extra["config_kwargs"].update(request_checksum_calculation=mode, response_checksum_validation=mode)  # type: ignore[union-attr]
    conn = {"conn_type": "aws", "login": S3RVER_ACCESS_KEY, "password": S3RVER_SECRET_KEY, "extra": extra}
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", json.dumps(conn))
    bucket = f"checksum-{mode.replace('_', '-')}"
    s3 = s3rver_client(stack, s3rver)
    s3.create_bucket(Bucket=bucket)
    data = hashlib.sha256(mode.encode()).digest() * (6 * MIB // 32 + 1)  # two 5 MiB parts
    planned = _make_planned(file_size=len(data), key=f"zoom/{mode}.mp4")
    transfer = TransferSettings(part_size=5 * MIB, max_concurrency=2)
    hook = file_hook(planned, transfer, "aws_default")
    assert hook.get_conn().meta.config.request_checksum_calculation == mode

    def archive():
        return archive_file(planned, zoom=FakeZoom(full(data)), s3_hook=hook, bucket=bucket, settings=transfer)

    if mode == "when_required":
        assert archive().sha256 == hashlib.sha256(data).hexdigest()
        assert s3.get_object(Bucket=bucket, Key=planned.key)["Body"].read() == data
    else:
        with pytest.raises(ConfigurationError, match="aws-chunked framing.*when_required"):
            archive()
