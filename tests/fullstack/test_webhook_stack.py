"""Zoom's webhooks on the CeleryExecutor stack: the receiver in the real api-server, over real HTTP.

* every refused delivery (forged, wrong secret, 6 minutes old, oversized, not JSON, missing headers) gets its status
  and triggers no run; a replayed delivery triggers nothing new; the URL validation answers Zoom's algorithm; no
  secret reaches a log;
* one delivery for a new meeting: its webhook run archives the file, writes the meeting's manifest and names the
  object in the archive asset's event;
* 100 ``recording.completed`` deliveries over 20 new meetings (each delivered 4 times, plus one retried after a
  lost answer) while an archive run of the whole account is in progress: every file is archived exactly once (one
  object version each), 20 webhook runs in all, each object named once by the archive asset's events (by the run
  that wrote it), and the next run records the webhook runs' files in the ledger without downloading them again.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
from zoom_sandbox.services import SANDBOX_WEBHOOK_SECRET

from tests.fullstack.conftest import LEDGER, start_scenario, window
from tests.fullstack.stack import Stack
from tests.fullstack.stack_config import BUCKET
from tests.fullstack.test_celery_stack import (
    assert_archived,
    downloads,
    expected_files,
    finish,
    ledger_ids,
    stored,
)
from zoom_archiver.webhook.signature import sign

pytestmark = pytest.mark.fullstack

WEBHOOK_DAG = "zoom_meeting_to_s3"
GHOST = "GhostMeetingUuid000000=="  # not in the emulator: a run of it would archive nothing


@pytest.fixture(scope="module")
def webhook(stack: Stack) -> str:
    """The receiver's URL, the emulator configured to post there (Zoom's retries scaled down to 0.5 s)."""
    stack.api.wait_for_dag(WEBHOOK_DAG, timeout=300)
    url = f"{stack.config.api_url}/zoom/webhook"
    config = {"url": url, "secret_token": SANDBOX_WEBHOOK_SECRET, "retry_delays": [0.5, 0.5, 0.5], "auto": False}
    stack.emulator("POST", "webhooks/config", json=config)
    return url


def signed(body: bytes, *, secret: str = SANDBOX_WEBHOOK_SECRET, age: int = 0) -> dict[str, str]:
    ts = str(int(time.time()) - age)
    return {"x-zm-request-timestamp": ts, "x-zm-signature": sign(secret, ts, body), "content-type": "application/json"}


def webhook_runs(stack: Stack) -> list[dict[str, Any]]:
    return stack.api.dag_runs(WEBHOOK_DAG)


def announced_keys(stack: Stack, run_ids: set[str]) -> dict[str, str]:
    """Every object named by the archive asset's events of these runs -> ``<dag id>/<run id>`` of the run that named
    it (a key named twice fails the test)."""
    events = stack.api.call("GET", "assets/events", params={"order_by": "-timestamp", "limit": 100})["asset_events"]
    announced: dict[str, str] = {}
    for event in events:
        if event["source_run_id"] in run_ids:
            for item in event["extra"]["files"]:
                assert item["key"] not in announced, f"{item['key']} announced twice"
                announced[item["key"]] = f"{event['source_dag_id']}/{event['source_run_id']}"
    return announced


def test_refused_deliveries_trigger_nothing_and_no_secret_is_logged(stack: Stack, webhook: str) -> None:
    body = json.dumps(
        {"event": "recording.completed", "payload": {"object": {"uuid": GHOST}}, "download_token": "eyJ.DLTOKEN"},
        separators=(",", ":"),
    ).encode()
    good = signed(body)
    cases = {
        "forged signature": (body, {**good, "x-zm-signature": "v0=" + "ab" * 32}, 401),
        "wrong secret": (body, signed(body, secret="not-the-secret-token"), 401),
        "6 minutes old": (body, signed(body, age=360), 401),
        "missing signature": (body, {k: v for k, v in good.items() if k != "x-zm-signature"}, 401),
        "missing timestamp": (body, {k: v for k, v in good.items() if k != "x-zm-request-timestamp"}, 401),
        "oversized body": (b"{" + b" " * 300_000 + b"}", signed(b"{" + b" " * 300_000 + b"}"), 413),
        "not JSON": (b"<xml/>", signed(b"<xml/>"), 400),
    }
    before = len(webhook_runs(stack))
    for case, (raw, headers, status) in cases.items():
        answer = requests.post(webhook, data=raw, headers=headers, timeout=10)
        assert answer.status_code == status, (case, answer.text)
    assert len(webhook_runs(stack)) == before, "a refused delivery triggered a run"

    # a valid delivery queues one run; the same delivery replayed (same bytes, same headers) triggers nothing new
    assert requests.post(webhook, data=body, headers=good, timeout=10).json() == {"status": "queued"}
    assert requests.post(webhook, data=body, headers=good, timeout=10).json() == {"status": "duplicate"}
    runs = webhook_runs(stack)
    assert len(runs) == before + 1
    assert runs[-1]["conf"] == {"meeting_uuid": GHOST, "event": "recording.completed"}

    # Zoom's URL validation, and the emulator's own forged / stale deliveries
    assert stack.emulator("POST", "webhooks/validate", json={}) == {"status": 200, "valid": True}
    uuid = stack.emulator("GET", "files")["files"][0]["meeting_uuid"]
    for mode in ("forged", "wrong_secret", "stale"):
        stack.emulator("POST", "webhooks/send", json={"meeting_uuid": uuid, "mode": mode})
    attempts = wait_deliveries(stack, 3)
    assert [a["status"] for a in attempts if a["mode"] != "valid"][-3:] == [401, 401, 401]
    assert len(webhook_runs(stack)) == before + 1
    assert stack.api.wait_for_run(runs[-1]["dag_run_id"], WEBHOOK_DAG, timeout=300) == "success"

    log = (stack.log_dir / "airflow-apiserver.log").read_text(errors="replace")
    assert log.count("Zoom webhook refused") >= len(cases) + 3
    for secret in [SANDBOX_WEBHOOK_SECRET, "DLTOKEN", *stack.emulator("GET", "webhooks")["download_tokens"]]:
        for name in ("airflow-apiserver", "airflow-worker", "airflow-scheduler"):
            assert secret not in (stack.log_dir / f"{name}.log").read_text(errors="replace"), (secret, name)


def wait_deliveries(stack: Stack, at_least: int, timeout: float = 60) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        attempts = stack.emulator("GET", "webhooks")["attempts"]
        if len(attempts) >= at_least or time.monotonic() > deadline:
            return attempts
        time.sleep(0.5)


def wait_settled(stack: Stack, first: int, deliveries: int, timeout: float = 120) -> list[dict[str, Any]]:
    """The attempts since ``first`` once ``deliveries`` deliveries each ended with a 200 (retries included)."""
    deadline = time.monotonic() + timeout
    while True:
        attempts = stack.emulator("GET", "webhooks")["attempts"][first:]
        last = {a["delivery"]: (a["status"], a["lost"]) for a in attempts}
        if len(last) >= deliveries and set(last.values()) == {(200, False)} or time.monotonic() > deadline:
            return attempts
        time.sleep(0.5)


def add_meetings(stack: Stack, count: int) -> list[dict[str, Any]]:
    """``count`` new meetings of today, one small MP4 each, spread over the demo users."""
    users = sorted({f["host_email"] for f in stack.emulator("GET", "files")["files"] if f["host_status"] == "active"})
    today = time.strftime("%Y-%m-%d", time.gmtime())
    return [
        stack.emulator(
            "POST",
            "meetings",
            json={
                "host_email": users[i % len(users)],
                "topic": f"Webhook burst {i}",
                "start_time": f"{today}T00:{i:02d}:00Z",
                "recording_files": [{"file_type": "MP4", "file_size": 48_000 + i}],
            },
        )
        for i in range(count)
    ]


def test_a_webhook_run_archives_the_meeting_then_publishes_its_manifest_and_asset_event(
    stack: Stack, webhook: str
) -> None:
    prefix = "webhook-publish"
    start_scenario(stack, prefix)
    (meeting,) = add_meetings(stack, 1)
    before = {r["dag_run_id"] for r in webhook_runs(stack)}
    stack.emulator("POST", "webhooks/send", json={"meeting_uuid": meeting["uuid"]})
    deadline = time.monotonic() + 60
    while not (new := [r for r in webhook_runs(stack) if r["dag_run_id"] not in before]):
        assert time.monotonic() < deadline, "the delivery queued no run"
        time.sleep(0.5)
    (run,) = new
    assert stack.api.wait_for_run(run["dag_run_id"], WEBHOOK_DAG, timeout=300) == "success", stack.diagnostics()
    (stored_file,) = stored(stack, prefix).values()
    writer = f"{WEBHOOK_DAG}/{run['dag_run_id']}"
    assert stored_file["run"] == writer
    # downstream DAGs are told by the webhook run itself, seconds after Zoom's event
    assert announced_keys(stack, {run["dag_run_id"]}) == {stored_file["key"]: writer}
    manifests = [o["Key"] for o in stack.s3_client().list_objects_v2(Bucket=BUCKET, Prefix=prefix + "/")["Contents"]
                 if o["Key"].endswith("/manifest.json")]  # fmt: skip
    assert len(manifests) == 1
    manifest = json.loads(stack.s3_client().get_object(Bucket=BUCKET, Key=manifests[0])["Body"].read())
    assert [f["key"] for f in manifest["files"]] == [stored_file["key"]]
    assert manifest["complete"] is True


def test_100_deliveries_while_a_run_archives_store_every_file_once(stack: Stack, webhook: str) -> None:
    prefix = "webhook-burst"
    start_scenario(stack, prefix)
    started = time.monotonic()
    meetings = add_meetings(stack, 20)
    attempts_before = len(stack.emulator("GET", "webhooks")["attempts"])
    before = {r["dag_run_id"] for r in webhook_runs(stack)}

    run_id = stack.api.trigger(window(0))  # an account-wide run (today), archiving while the deliveries arrive
    for meeting in meetings:  # 4 deliveries each (3 duplicates) + 1 whose first answer is lost (retried)
        stack.emulator("POST", "webhooks/send", json={"meeting_uuid": meeting["uuid"], "copies": 4})
        stack.emulator("POST", "webhooks/send", json={"meeting_uuid": meeting["uuid"], "lose_answers": 1})
    attempts = wait_settled(stack, attempts_before, deliveries=100)
    last = {a["delivery"]: a for a in attempts}  # attempts are appended in order: the last one per delivery
    assert {(a["status"], a["lost"]) for a in last.values()} == {(200, False)}, "every delivery ends answered 200"
    slow = [a for a in attempts if a["status"] is None]  # no answer within Zoom's 3 s (this machine is loaded)
    assert {a["status"] for a in attempts} <= {200, None}
    # Zoom's rule: a delivery is retried after a timeout or a lost answer only, and ends with its first 200
    by_delivery: dict[int, list[dict[str, Any]]] = {}
    for attempt in attempts:
        by_delivery.setdefault(attempt["delivery"], []).append(attempt)
    assert len(by_delivery) == 100
    for tries in by_delivery.values():
        assert all(a["status"] is None or a["lost"] for a in tries[:-1]), tries
    assert sum(any(a["lost"] for a in tries) for tries in by_delivery.values()) == 20
    slowest = max(a["answer_ms"] for a in attempts)
    print(f"\n{len(slow)} of {len(attempts)} answers slower than 3 s; slowest answer {slowest:.0f} ms")
    assert finish(stack, run_id) == "success", stack.diagnostics()
    runs = [r for r in stack.api.wait_for_all_runs(WEBHOOK_DAG, timeout=900) if r["dag_run_id"] not in before]
    assert len(runs) == 20
    assert {r["state"] for r in runs} == {"success"}, stack.diagnostics()
    assert {r["conf"]["meeting_uuid"] for r in runs} == {m["uuid"] for m in meetings}
    print(f"\n100 webhook deliveries during an archive run: all archived in {time.monotonic() - started:.0f}s")

    # every file once (one version each in the versioned bucket), whichever run archived it
    today = window(0)["to_date"]
    expected = [f for f in expected_files(stack) if f["start_time"].startswith(today)]
    objects = assert_archived(stack, prefix, expected)
    assert {o["versions"] for o in objects.values()} == {1}
    # downstream DAGs hear of every new object once, from the run that wrote it (the webhook runs within seconds)
    # (which run wrote which object depends on timing: the hourly run may take them all on a loaded machine)
    announced = announced_keys(stack, {run_id, *(r["dag_run_id"] for r in runs)})
    assert announced == {o["key"]: o["run"] for o in objects.values()}  # named by the run its metadata names
    downloaded = downloads(stack)
    # the next run downloads nothing and records what the webhook runs archived: the ledger is complete
    again = stack.api.trigger(window(0))
    assert finish(stack, again) == "success", stack.diagnostics()
    assert downloads(stack) == downloaded
    assert ledger_ids(stack) == set(objects)
    # ... with the archive-time SHA-256 of every file, whichever run streamed it (a webhook run's: from its manifest)
    hashes = json.loads(stack.api.get_variable(LEDGER) or "{}")["hashes"]
    assert {fid: hashes.get(fid, "").split(":")[0] for fid in objects} == {f["file_id"]: f["sha256"] for f in expected}
    assert stack.api.get_variable(LEDGER)
