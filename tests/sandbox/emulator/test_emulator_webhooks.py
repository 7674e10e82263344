"""The emulator's webhook deliveries (zoom_emulator.webhooks): signed compact JSON, Zoom's retry rule, bad ones."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from zoom_archiver.webhook.signature import Refused, verify

SECRET = "emulator-webhook-secret"


class Receiver:
    """A local endpoint answering each POST with the next scripted status (then 200), recording what it got."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.got: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/zoom/webhook"


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.server.shutdown()


@pytest.fixture
def hooked(client, receiver):
    client.control(
        "POST", "webhooks/config", {"url": receiver.url, "secret_token": SECRET, "retry_delays": [0.05, 0.05, 0.05]}
    )
    return client


def wait(client) -> dict[str, Any]:
    assert client.emu.state.webhooks.wait(10)
    return client.control("GET", "webhooks")


def test_a_completed_recording_posts_a_signed_compact_recording_completed(hooked, receiver):
    f = hooked.files(status="processing")[0]
    hooked.control("POST", "complete_processing", {"meeting_uuid": f["meeting_uuid"]})
    wait(hooked)
    ((headers, body),) = receiver.got
    assert verify([SECRET], headers["x-zm-request-timestamp"], headers["x-zm-signature"], body)
    event = json.loads(body)
    assert body == json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
    assert event["event"] == "recording.completed"
    assert event["payload"]["object"]["uuid"] == f["meeting_uuid"]
    assert event["download_token"]
    assert headers["user-agent"] == "Zoom Marketplace/1.0a"


@pytest.mark.parametrize(
    ("statuses", "lose", "attempts"),
    [([500, 503], 0, 3), ([500, 500, 500, 500], 0, 4), ([400], 0, 1), ([404, 500], 0, 1), ([], 1, 2)],
    ids=["5xx-then-ok", "gives-up-after-3-retries", "4xx-never-retried", "4xx-first", "lost-answer-retried"],
)
def test_zoom_s_retry_rule(hooked, receiver, statuses, lose, attempts):
    receiver.statuses = list(statuses)
    uuid = hooked.files()[0]["meeting_uuid"]
    hooked.control("POST", "webhooks/send", {"meeting_uuid": uuid, "lose_answers": lose})
    state = wait(hooked)
    assert len(receiver.got) == attempts
    assert [a["attempt"] for a in state["attempts"]] == list(range(attempts))
    assert len({body for _, body in receiver.got}) == 1  # a retry carries the same event


@pytest.mark.parametrize("mode", ["forged", "wrong_secret", "stale"])
def test_bad_deliveries_fail_verification(hooked, receiver, mode):
    uuid = hooked.files()[0]["meeting_uuid"]
    hooked.control("POST", "webhooks/send", {"meeting_uuid": uuid, "mode": mode})
    wait(hooked)
    ((headers, body),) = receiver.got
    with pytest.raises(Refused):
        verify([SECRET], headers["x-zm-request-timestamp"], headers["x-zm-signature"], body)


def test_duplicates_are_separate_deliveries_of_one_event(hooked, receiver):
    uuid = hooked.files()[0]["meeting_uuid"]
    assert len(hooked.control("POST", "webhooks/send", {"meeting_uuid": uuid, "copies": 3})["deliveries"]) == 3
    wait(hooked)
    assert len(receiver.got) == 3
    assert len({json.loads(body)["payload"]["object"]["uuid"] for _, body in receiver.got}) == 1


def test_adding_a_completed_meeting_sends_its_event_unless_auto_is_off(hooked, receiver):
    meeting = {"host_email": "tricia@example.com", "recording_files": [{"file_type": "MP4", "file_size": 1000}]}
    added = hooked.control("POST", "meetings", meeting)
    wait(hooked)
    assert [json.loads(body)["payload"]["object"]["uuid"] for _, body in receiver.got] == [added["uuid"]]
    hooked.control("POST", "webhooks/config", {"auto": False})
    hooked.control("POST", "meetings", meeting)
    wait(hooked)
    assert len(receiver.got) == 1
