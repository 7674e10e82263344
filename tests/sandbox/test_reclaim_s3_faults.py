"""The reclaim's proof through the S3 fault proxy in front of moto's server: a HEAD failing with 500 or 503 (after
boto3's own retries) holds the whole meeting back, nothing is repaired; once S3 answers again the meeting is proven."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer
from zoom_sandbox.s3_proxy import S3FaultProxy
from zoom_sandbox.services import free_port

from zoom_archiver.ledger import Ledger
from zoom_archiver.model import PlannedFile
from zoom_archiver.reclaim.proof import decide, group_meetings
from zoom_archiver.reclaim.record import ReclaimRecord
from zoom_archiver.s3.bucket import ArchiveBucket

BUCKET = "reclaim-faults"


@pytest.fixture(scope="module")
def moto_url():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def client(url: str):
    config = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=5, read_timeout=30)
    return boto3.client(
        "s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s", config=config
    )


def planned(file_id: str, meeting: str, size: int) -> PlannedFile:
    return PlannedFile(
        file_id=file_id, derived_id=False, meeting_uuid=meeting, meeting_id="1", host_id="h", host_email="a@b.c",
        topic="t", start_time="2026-02-01T10:00:00Z", file_type="MP4", recording_type="shared_screen_with_speaker_view",
        file_size=size, download_url="https://zoom.us/rec/download/x", key=f"zoom/{file_id}.mp4",
        content_type="video/mp4",
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["500", "503"])
def test_a_failing_head_holds_the_meeting_until_s3_answers(moto_url, make_bucket, kind):
    s3 = client(moto_url)
    make_bucket(s3, BUCKET)
    ledger, files = Ledger(), []
    for fid, meeting in (("a1", "m1=="), ("a2", "m1=="), ("b1", "m2==")):
        data = fid.encode() * 500
        sha = hashlib.sha256(data).hexdigest()
        s3.put_object(Bucket=BUCKET, Key=f"zoom/{fid}.mp4", Body=data, Metadata={"zoom-file-id": fid},
                      Tagging=f"sha256={sha}")  # fmt: skip
        ledger.hashes[fid] = (sha, len(data))
        files.append(planned(fid, meeting, len(data)))

    def verdicts(url: str) -> dict:
        meetings = group_meetings(files, date(2026, 3, 1))
        found = decide(meetings, bucket=ArchiveBucket(client(url), BUCKET), ledger=ledger, record=ReclaimRecord(),
                       blocked={}, now=datetime.now(timezone.utc), grace_days=0, workers=2)  # fmt: skip
        return {v.uuid: v for v in found}

    sticky = {"op": "HeadObject", "key_contains": "a2.mp4", "kind": kind, "count": 100}
    with S3FaultProxy(moto_url, {"sticky": [sticky]}) as proxy:
        failing = verdicts(proxy.url)
        assert proxy.plan.snapshot()["sticky_used"] == [3]  # boto3 retried, then gave up
    assert not failing["m1=="].proven
    assert failing["m1=="].reasons == [f"a2: S3 error during the proof: {kind}"]
    assert failing["m1=="].repair == []  # an S3 error is not a damaged copy: nothing archived again
    assert failing["m2=="].proven
    assert verdicts(moto_url)["m1=="].proven
