"""Reading a verified delivery (zoom_archiver.webhook.events): only the event and the meeting UUID are kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zoom_archiver.keys import decode_uuid
from zoom_archiver.webhook.events import Event, parse
from zoom_archiver.webhook.signature import Refused

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def recording_completed(uuid: str = "/ajXp112QmuoKj4854875==", event: str = "recording.completed") -> bytes:
    body = {
        "event": event,
        "event_ts": 1700160240202,
        "payload": {
            "account_id": "acc",
            "object": {
                "uuid": uuid,
                "id": 85392858403,
                "recording_files": [{"id": "f1", "download_url": "https://evil.example/x?access_token=SECRET"}],
            },
        },
        "download_token": "eyJhbGciOiJIUzUxMiJ9.SECRET",
    }
    return json.dumps(body, separators=(",", ":")).encode()


def test_recording_completed_keeps_the_meeting_and_nothing_else():
    event = parse(recording_completed())
    assert event == Event("recording.completed", "/ajXp112QmuoKj4854875==", 1700160240202)
    assert event.archives
    assert event.conf() == {"meeting_uuid": "/ajXp112QmuoKj4854875==", "event": "recording.completed"}
    assert "SECRET" not in repr(event)
    assert "evil" not in repr(event)


def test_run_id_is_one_per_event_and_meeting_and_valid_for_airflow():
    import re

    first = parse(recording_completed()).run_id()
    assert first == parse(recording_completed()).run_id()  # a duplicate names the same run
    assert first != parse(recording_completed(event="recording.transcript_completed")).run_id()
    assert first != parse(recording_completed(uuid="+ajXp112QmuoKj4854875==")).run_id()
    assert re.fullmatch(r"[A-Za-z0-9_.~:+-]+", first)
    assert decode_uuid(first.rsplit("__", 1)[1]) == "/ajXp112QmuoKj4854875=="


def test_url_validation_on_zooms_documented_body():
    event = parse((FIXTURES / "zoom-webhook-url-validation.json").read_bytes())
    assert (event.name, event.plain_token) == ("endpoint.url_validation", "qgg8vlvZRS6UYooatFL8Aw")
    assert not event.archives


@pytest.mark.parametrize("uuid", ["", "not a uuid", "../../etc", "a" * 100, 'x"}'])
def test_an_unreadable_uuid_archives_nothing(uuid):
    event = parse(recording_completed(uuid=uuid))
    assert event.meeting_uuid is None
    assert not event.archives


@pytest.mark.parametrize("body", [b"not json", b"\xff\xfe", b"[]", b'{"payload":{}}', b'{"event":1}'])
def test_not_zoom_json_is_a_400(body):
    with pytest.raises(Refused) as refused:
        parse(body)
    assert refused.value.status == 400


def test_url_validation_without_plain_token_is_a_400():
    with pytest.raises(Refused):
        parse(b'{"event":"endpoint.url_validation","payload":{}}')
