"""Fixtures shared by the unit tests: real-shaped Zoom payloads, fake clocks, connections as env vars, and (from
their helper modules) the Zoom API client and the download opener on requests-mock."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.buckets import make_bucket  # noqa: F401 - a fixture (tests.unit.archive.support)
from tests.unit.zoom.client_helpers import client, token_endpoint, waits  # noqa: F401 - fixtures (test_zoom_api*)
from tests.unit.zoom.download_helpers import fetch, token  # noqa: F401 - fixtures (test_download*)
from zoom_archiver.model import PlannedFile

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SEED_EVENT_PATH = FIXTURES / "seed-sample-event.json"

CLIENT_ID = "zoom-client-id-0001"
CLIENT_SECRET = "zoom-client-secret-XYZ-987654321"
ACCOUNT_ID = "uET0tmHjSNKK9pR945WnSg"
API_BASE = "https://api.zoom.us/v2"
TOKEN_URL = "https://zoom.us/oauth/token"

# The real 2024-12 listing of zoom-api.md §3a (page 1). The doc elides some values with "…"; those download
# URLs are filled in with URLs of the same shape so the files are plannable.
REAL_LISTING: dict[str, Any] = {
    "from": "2024-11-05",
    "to": "2024-12-05",
    "page_count": 2,
    "page_size": 30,
    "total_records": 31,
    "next_page_token": "E8koIyUhYjnrxKefmrsFtO5RmBvUSihlE12",
    "meetings": [
        {
            "uuid": "paw4knJqSPOXq7ThIQWFMw==",
            "id": 82673112622,
            "account_id": "uET0tmHjSNKK9pR945WnSg",
            "host_id": "MoRLcTuVS12AoJ72n6L11Q",
            "topic": "Bastien Beurier's Zoom Meeting",
            "type": 1,
            "start_time": "2024-12-05T13:42:04Z",
            "timezone": "",
            "duration": 0,
            "total_size": 0,
            "recording_count": 0,
            "share_url": "https://us06web.zoom.us/rec/share/sSWM",
            "recording_files": [
                {
                    "id": "a3968033-fdd6-4770-96bc-0ff0562b280d",
                    "meeting_id": "paw4knJqSPOXq7ThIQWFMw==",
                    "recording_start": "2024-12-05T13:42:26Z",
                    "recording_end": "",
                    "file_type": "",
                    "file_extension": "",
                    "file_size": 0,
                    "play_url": "https://us06web.zoom.us/rec/play/ppU3",
                    "download_url": "https://us06web.zoom.us/rec/download/ppU3",
                    "status": "processing",
                }
            ],
            "recording_play_passcode": "w4raDYTrru3ocsPhH683giXqkeD9wjjh",
        },
        {
            "uuid": "2jQ60QnYThiV9cm+fdIbZQ==",
            "id": 82205654575,
            "account_id": "uET0tmHjSNKK9pR945WnSg",
            "host_id": "MoRLcTuVS12AoJ72n6L11Q",
            "topic": "Bastien Beurier's Zoom Meeting",
            "type": 1,
            "start_time": "2024-11-29T16:51:20Z",
            "timezone": "",
            "duration": 0,
            "total_size": 460381,
            "recording_count": 3,
            "share_url": "https://us06web.zoom.us/rec/share/2n6H",
            "recording_files": [
                {
                    "id": "1ec4ad5a-fba9-4866-b71b-099b38a3e702",
                    "meeting_id": "2jQ60QnYThiV9cm+fdIbZQ==",
                    "recording_start": "2024-11-29T16:51:28Z",
                    "recording_end": "2024-11-29T16:51:35Z",
                    "file_type": "MP4",
                    "file_extension": "MP4",
                    "file_size": 342924,
                    "play_url": "https://us06web.zoom.us/rec/play/c4nr",
                    "download_url": "https://us06web.zoom.us/rec/download/c4nr",
                    "status": "completed",
                    "recording_type": "shared_screen_with_speaker_view",
                },
                {
                    "id": "3f9be9f0-577b-4ae7-a450-ac1a5eaa21f1",
                    "meeting_id": "2jQ60QnYThiV9cm+fdIbZQ==",
                    "recording_start": "2024-11-29T16:51:28Z",
                    "recording_end": "2024-11-29T16:51:35Z",
                    "file_type": "M4A",
                    "file_extension": "M4A",
                    "file_size": 117364,
                    "play_url": "https://us06web.zoom.us/rec/play/m4a1",
                    "download_url": "https://us06web.zoom.us/rec/download/m4a1",
                    "status": "completed",
                    "recording_type": "audio_only",
                },
                {
                    "id": "2051feea-4e6e-4b8f-b679-9efded8a0af5",
                    "meeting_id": "2jQ60QnYThiV9cm+fdIbZQ==",
                    "recording_start": "2024-11-29T16:51:28Z",
                    "recording_end": "2024-11-29T16:51:35Z",
                    "file_type": "TIMELINE",
                    "file_extension": "JSON",
                    "file_size": 93,
                    "download_url": "https://us06web.zoom.us/rec/download/tl01",
                    "status": "completed",
                    "recording_type": "timeline",
                },
            ],
            "recording_play_passcode": "2J1cRGLck-pC8ClqDUgrluOzDT5I7jaD",
        },
    ],
}

# The user owning the meetings above, as /v2/users returns it (list responses carry no host_email).
REAL_HOST: dict[str, Any] = {
    "id": "MoRLcTuVS12AoJ72n6L11Q",
    "first_name": "Brian",
    "display_name": "Brian",
    "email": "Brian@Example.com",
    "type": 1,
    "status": "active",
}


@pytest.fixture
def real_listing() -> dict[str, Any]:
    """A fresh deep copy of the real §3a listing (tests may mutate it)."""
    return copy.deepcopy(REAL_LISTING)


@pytest.fixture
def real_host() -> dict[str, Any]:
    return copy.deepcopy(REAL_HOST)


@pytest.fixture
def seed_event() -> dict[str, Any]:
    """The blog's ``recording.completed`` sample (id-less TIMELINE, TRANSCRIPT pointing at its play page)."""
    return json.loads(SEED_EVENT_PATH.read_text(encoding="utf-8"))


class FakeClock:
    """A monotonic clock that only moves when told to (or when ``sleep`` is called)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def zoom_connection(monkeypatch):
    """Define ``zoom_default`` as an env-var connection; returns a function to override its fields."""

    def define(**overrides: Any) -> dict[str, Any]:
        conn: dict[str, Any] = {
            "conn_type": "zoom",
            "host": API_BASE,
            "login": CLIENT_ID,
            "password": CLIENT_SECRET,
            "extra": {"account_id": ACCOUNT_ID},
        }
        extra = overrides.pop("extra", None)
        conn.update(overrides)
        if extra is not None:
            conn["extra"] = extra
        conn = {k: v for k, v in conn.items() if v is not None}
        monkeypatch.setenv("AIRFLOW_CONN_ZOOM_DEFAULT", json.dumps(conn))
        return conn

    define()
    return define


def _make_planned(**overrides: Any) -> PlannedFile:
    values: dict[str, Any] = {
        "file_id": "1ec4ad5a-fba9-4866-b71b-099b38a3e702",
        "derived_id": False,
        "meeting_uuid": "2jQ60QnYThiV9cm+fdIbZQ==",
        "meeting_id": "82205654575",
        "host_id": "MoRLcTuVS12AoJ72n6L11Q",
        "host_email": "brian@example.com",
        "topic": "Bastien Beurier's Zoom Meeting",
        "start_time": "2024-11-29T16:51:20Z",
        "file_type": "MP4",
        "recording_type": "shared_screen_with_speaker_view",
        "file_size": 342924,
        "download_url": "https://us06web.zoom.us/rec/download/c4nr",
        "key": "zoom/brian@example.com/2024/11/29/2024-11-29T165120Z_meeting_2jQ60QnYThiV9cm-fdIbZQ/"
        "shared_screen_with_speaker_view_1ec4ad5a-fba9-4866-b71b-099b38a3e702.mp4",
        "content_type": "video/mp4",
    }
    values.update(overrides)
    return PlannedFile(**values)


@pytest.fixture
def make_planned():
    """Factory of a plausible planned MP4 (``make_planned(file_size=10, key=...)``)."""
    return _make_planned


@pytest.fixture
def s3(request):
    """moto's S3 in process, with the test module's ``BUCKET`` created: the client."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=request.module.BUCKET)
        yield client


@pytest.fixture
def bucket(s3, request):
    """The test module's ``BUCKET`` as an :class:`~zoom_archiver.s3.bucket.ArchiveBucket` over :func:`s3`."""
    from zoom_archiver.s3.bucket import ArchiveBucket

    return ArchiveBucket(s3, request.module.BUCKET)
