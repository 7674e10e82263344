"""The receiver app (zoom_archiver.webhook.receiver), in process: what each delivery gets and what it queues.
The same checks over real HTTP against the api-server are in tests/e2e/test_webhook_e2e.py."""

from __future__ import annotations

import json
import logging
import time

import pytest
from fastapi.testclient import TestClient

from zoom_archiver.webhook.receiver import CachedSecrets, create_app
from zoom_archiver.webhook.signature import Refused, encrypted_token, sign
from zoom_archiver.webhook.trigger import NotQueued

SECRET = "unit-secret-token-123"
UUID = "LjtP8z2jS0qmRJIIb1WuBg=="


def body(event: str = "recording.completed", uuid: str = UUID, **extra) -> bytes:
    data = {"event": event, "event_ts": 1, "payload": {"object": {"uuid": uuid}, **extra}, "download_token": "DLTOKEN"}
    return json.dumps(data, separators=(",", ":")).encode()


def headers(raw: bytes, secret: str = SECRET, age: int = 0) -> dict[str, str]:
    ts = str(int(time.time()) - age)
    return {"x-zm-request-timestamp": ts, "x-zm-signature": sign(secret, ts, raw), "content-type": "application/json"}


@pytest.fixture
def queued():
    return []


@pytest.fixture
def client(queued):
    runs: set[str] = set()

    def queue(event):
        queued.append(event)
        new = event.run_id() not in runs
        runs.add(event.run_id())
        return new

    return TestClient(create_app(secrets=lambda: [SECRET], queue=queue, max_body=4096))


def post(client, raw: bytes, hdrs: dict[str, str]):
    return client.post("/webhook", content=raw, headers=hdrs)


def test_recording_completed_is_queued_once(client, queued):
    raw = body()
    assert post(client, raw, headers(raw)).json() == {"status": "queued"}
    assert post(client, raw, headers(raw)).json() == {"status": "duplicate"}  # from memory: no second DB round-trip
    assert [e.conf() for e in queued] == [{"meeting_uuid": UUID, "event": "recording.completed"}]
    raw = body("recording.transcript_completed")  # the same meeting's transcript: its own run
    assert post(client, raw, headers(raw)).json() == {"status": "queued"}
    assert len(queued) == 2


def test_url_validation(client, queued):
    raw = json.dumps({"payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}, "event": "endpoint.url_validation"}).encode()
    answer = post(client, raw, headers(raw))
    assert answer.status_code == 200
    assert answer.json() == {
        "plainToken": "qgg8vlvZRS6UYooatFL8Aw",
        "encryptedToken": encrypted_token(SECRET, "qgg8vlvZRS6UYooatFL8Aw"),
    }
    assert not queued


@pytest.mark.parametrize("event", ["recording.trashed", "recording.deleted", "recording.recovered", "meeting.started"])
def test_other_events_are_answered_and_queue_nothing(client, queued, event, caplog):
    raw = body(event)
    with caplog.at_level(logging.INFO):
        assert post(client, raw, headers(raw)).json() == {"status": "ignored"}
    assert not queued
    if event.startswith("recording."):
        assert f"Zoom {event} for meeting {UUID}: recorded only" in caplog.text


def refusals():
    raw = body()
    ok = headers(raw)
    return [
        ("forged", raw, {**ok, "x-zm-signature": "v0=" + "0" * 64}, 401),
        ("wrong secret", raw, headers(raw, secret="another-secret"), 401),
        ("6 minutes old", raw, headers(raw, age=360), 401),
        ("no signature", raw, {k: v for k, v in ok.items() if k != "x-zm-signature"}, 401),
        ("no timestamp", raw, {k: v for k, v in ok.items() if k != "x-zm-request-timestamp"}, 401),
        ("oversized", b"x" * 5000, headers(b"x" * 5000), 413),
        ("not json", b"not json", headers(b"not json"), 400),
    ]


@pytest.mark.parametrize("case", [r[0] for r in refusals()])
def test_refused_deliveries_queue_nothing_and_log_one_line_without_secrets(client, queued, caplog, case):
    # signed when the test runs (a delivery signed at collection time may be stale by then)
    raw, hdrs, status = next(r[1:] for r in refusals() if r[0] == case)
    with caplog.at_level(logging.DEBUG, logger="zoom_archiver"):
        answer = post(client, raw, hdrs)
    assert answer.status_code == status
    assert not queued
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("zoom_archiver")]
    assert len(lines) == 1
    assert lines[0].startswith(f"Zoom webhook refused ({status})")
    for secret in [SECRET, "DLTOKEN"] + ([hdrs["x-zm-signature"]] if "x-zm-signature" in hdrs else []):
        assert secret not in caplog.text
        assert secret not in answer.text


def test_oversized_chunked_body_is_refused_while_reading(client, queued):
    raw = body(pad="x" * 5000)
    answer = client.post("/webhook", content=iter([raw[:2000], raw[2000:]]), headers=headers(raw))
    assert answer.status_code == 413
    assert not queued


def test_a_run_that_cannot_be_queued_is_a_503_so_zoom_retries():
    def down(event):
        raise NotQueued("DAG zoom_meeting_to_s3 is not parsed yet")

    app = TestClient(create_app(secrets=lambda: [SECRET], queue=down))
    raw = body()
    assert post(app, raw, headers(raw)).status_code == 503


def test_secrets_are_cached_and_an_unreadable_connection_is_a_503():
    reads = []

    def source():
        reads.append(1)
        if len(reads) > 1:
            raise RuntimeError("db down")
        return ["a"]

    cached = CachedSecrets(source, ttl=60)
    assert cached() == ("a",)
    assert cached() == ("a",)
    assert len(reads) == 1
    cached.ttl = 0
    with pytest.raises(Refused) as refused:
        cached()
    assert refused.value.status == 503


def database_error() -> Exception:
    from sqlalchemy.exc import OperationalError

    return OperationalError(
        "INSERT INTO dag_run (run_id) VALUES (%(run_id)s)", {"run_id": "x"}, Exception("server at db.internal closed")
    )


def test_a_database_error_while_queueing_is_a_503_naming_only_the_exception_class(caplog):
    def db_down(event):
        raise database_error()

    app = TestClient(create_app(secrets=lambda: [SECRET], queue=db_down), raise_server_exceptions=False)
    raw = body()
    with caplog.at_level(logging.DEBUG, logger="zoom_archiver"):
        answer = post(app, raw, headers(raw))
    assert answer.status_code == 503
    assert "OperationalError" in answer.json()["error"]
    for leak in ["INSERT", "dag_run", "db.internal", SECRET, "DLTOKEN"]:
        assert leak not in answer.text
        assert leak not in caplog.text


class Clock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_failed_secrets_read_is_remembered_for_a_few_seconds_then_read_again():
    from zoom_archiver.webhook.receiver import SECRETS_FAILURE_TTL_SECONDS

    clock, reads, failing = Clock(), [], [True]

    def source():
        reads.append(clock.now)
        if failing[0]:
            raise database_error()
        return ["a"]

    cached = CachedSecrets(source, ttl=30, clock=clock)
    for _ in range(3):
        with pytest.raises(Refused) as refused:
            cached()
        assert refused.value.status == 503
        assert "INSERT" not in refused.value.reason
    assert len(reads) == 1  # the failure is answered from memory
    assert not cached.stale
    clock.now += SECRETS_FAILURE_TTL_SECONDS - 0.5
    with pytest.raises(Refused):
        cached()
    assert len(reads) == 1
    failing[0] = False
    clock.now += 1.0  # past the failure's time: read again, and now the tokens are cached for the full ttl
    assert cached.stale
    assert cached() == ("a",)
    clock.now += 29
    assert cached() == ("a",)
    assert len(reads) == 2


def test_deliveries_while_the_secrets_cannot_be_read_are_503_and_read_the_source_once():
    reads = []

    def source():
        reads.append(1)
        raise database_error()

    app = TestClient(create_app(secrets=source, queue=lambda event: True))
    raw = body()
    assert [post(app, raw, headers(raw)).status_code for _ in range(5)] == [503] * 5
    assert len(reads) == 1


def test_concurrent_first_reads_of_the_secrets_read_the_source_once():
    import threading

    reads, release = [], threading.Event()

    def source():
        reads.append(1)
        release.wait(5)
        return ["a"]

    cached = CachedSecrets(source, ttl=30)
    results: list[tuple[str, ...]] = []
    threads = [threading.Thread(target=lambda: results.append(cached())) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    release.set()
    for thread in threads:
        thread.join(5)
    assert results == [("a",)] * 8
    assert len(reads) == 1
