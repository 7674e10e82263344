"""The webhook run's discovery (zoom_archiver.discover.meeting): one meeting, re-read through the API, the same keys
and the same skips as a scheduled run."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import boto3
import pytest
from moto import mock_aws

from zoom_archiver.archive.archive import file_metadata
from zoom_archiver.dates import Window
from zoom_archiver.discover.discovery import RunRequest, discover
from zoom_archiver.discover.meeting import meeting_uuid_from_conf, plan_meeting
from zoom_archiver.errors import ConfigurationError, ZoomApiError
from zoom_archiver.ledger import Ledger
from zoom_archiver.s3.bucket import ArchiveBucket
from zoom_archiver.settings import ArchiveSettings
from zoom_archiver.zoom.client import ApiStats

BUCKET = "zoom-webhook-meeting"
TODAY = date(2024, 12, 6)


class FakeClient:
    """One account: the real listing's host and meetings; ``get_meeting_recordings`` answers by UUID."""

    def __init__(self, host: dict[str, Any], meetings: list[dict[str, Any]]) -> None:
        self.host, self.meetings, self.asked = host, meetings, []
        self.stats = ApiStats()

    def list_users(self) -> list[dict[str, Any]]:
        return [{"id": "someone-else", "email": "x@example.com"}, self.host]

    def list_user_recordings(self, user_id: str, start: date, end: date):
        yield from (self.meetings if user_id == self.host["id"] else [])

    def get_meeting_recordings(self, uuid: str) -> dict[str, Any]:
        self.asked.append(uuid)
        for meeting in self.meetings:
            if meeting["uuid"] == uuid:
                return meeting
        raise ZoomApiError("HTTP 404 code=3301 There is no recording for this meeting.", status=404, code=3301)


@pytest.fixture
def account(real_listing, real_host):
    return FakeClient(real_host, real_listing["meetings"])


@pytest.fixture
def bucket():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield ArchiveBucket(client, BUCKET)


def plan(client, uuid, *, ledger=None, bucket=None):
    return plan_meeting(
        client, ArchiveSettings(bucket=BUCKET), uuid, ledger=ledger or Ledger(), bucket=bucket, today=TODAY
    )


def test_the_meeting_gets_the_same_keys_as_in_a_scheduled_run(account):
    uuid = account.meetings[1]["uuid"]
    webhook = plan(account, uuid)
    scheduled = discover(
        account,
        ArchiveSettings(bucket=BUCKET),
        RunRequest(windows=[Window(date(2024, 11, 1), TODAY)]),
        ledger=Ledger(),
        workers=1,
        bucket=None,
        today=TODAY,
    )
    assert account.asked == [uuid]
    assert webhook.files
    expected = {(f.file_id, f.key, f.download_url) for f in scheduled.files if f.meeting_uuid == uuid}
    assert {(f.file_id, f.key, f.download_url) for f in webhook.files} == expected


def test_files_the_ledger_knows_or_s3_holds_are_not_archived_again(account, bucket):
    uuid = account.meetings[1]["uuid"]
    files = plan(account, uuid).files
    assert len(files) == 3
    known, held = files[0], files[1]
    held_meta = file_metadata(held)
    body = b"x" * (held.file_size or 0)
    tag = "sha256=" + hashlib.sha256(body).hexdigest()
    bucket.client.put_object(Bucket=BUCKET, Key=held.key, Body=body, Metadata=held_meta, Tagging=tag)
    ledger = Ledger({known.file_id: TODAY})
    again = plan(account, uuid, ledger=ledger, bucket=bucket)
    assert {f.file_id for f in again.files} == {f.file_id for f in files[2:]}
    assert again.known == 2


def test_a_copy_s3_holds_without_its_tag_is_left_to_the_archive_task_which_repairs_it(account, bucket):
    uuid = account.meetings[1]["uuid"]
    held = plan(account, uuid).files[1]
    body = b"x" * (held.file_size or 0)
    bucket.client.put_object(Bucket=BUCKET, Key=held.key, Body=body, Metadata=file_metadata(held))
    again = plan(account, uuid, bucket=bucket)
    assert held.file_id in {f.file_id for f in again.files}, "discover only reads: the archive task repairs the tag"
    assert bucket.sha256_tag(held.key) is None


def test_the_meeting_s_manifest_entry_is_the_scheduled_run_s_for_the_same_meeting(account):
    uuid = account.meetings[1]["uuid"]
    scheduled = discover(
        account,
        ArchiveSettings(bucket=BUCKET),
        RunRequest(windows=[Window(date(2024, 11, 1), TODAY)]),
        ledger=Ledger(quarantine={account.meetings[1]["recording_files"][0]["id"]: {"reason": "bad size"}}),
        workers=1,
        bucket=None,
        today=TODAY,
    )
    ledger = Ledger(quarantine={account.meetings[1]["recording_files"][0]["id"]: {"reason": "bad size"}})
    webhook = plan(account, uuid, ledger=ledger)
    (entry,) = webhook.meetings  # every file of the meeting, quarantined ones with their reason: publish's input
    assert entry == next(m for m in scheduled.meetings if m["meeting"]["uuid"] == uuid)
    assert entry["quarantined"] == [[account.meetings[1]["recording_files"][0]["id"], "bad size"]]
    assert len(entry["files"]) == 3


def test_a_meeting_without_recordings_any_more_archives_nothing(account):
    gone = plan(account, "gone0000000000000000000==")
    assert gone.files == []
    assert gone.meetings == []


def test_a_host_who_is_not_a_user_is_a_clear_error(account):
    account.host = {"id": "another", "email": "y@example.com"}
    with pytest.raises(ConfigurationError, match="not a user of the account"):
        plan(account, account.meetings[0]["uuid"])


@pytest.mark.parametrize("conf", [None, {}, {"meeting_uuid": ""}, {"meeting_uuid": 3}])
def test_a_run_without_a_meeting_uuid_is_a_configuration_error(conf):
    with pytest.raises(ConfigurationError, match="meeting_uuid"):
        meeting_uuid_from_conf(conf)
