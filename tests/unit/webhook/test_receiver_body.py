"""The receiver app (zoom_archiver.webhook.receiver) reading a body: all of it within the timeout, or a 408.

Called as an ASGI server calls it, with a body that arrives as slowly as a test says (a slow-loris client)."""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.unit.webhook.test_receiver import SECRET, body, headers
from zoom_archiver.webhook.receiver import create_app


@pytest.fixture
def queued():
    return []


def call_app(app, raw: bytes, chunks) -> list[dict]:
    """``app`` called as an ASGI server would, the body delivered by the async iterator ``chunks``."""
    hdrs = [(k.encode(), v.encode()) for k, v in headers(raw).items()] + [(b"content-length", b"%d" % len(raw))]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/webhook", "raw_path": b"/webhook", "query_string": b"", "root_path": "", "headers": hdrs,
        "client": ("203.0.113.9", 40000), "server": ("testserver", 80),
    }  # fmt: skip
    sent: list[dict] = []

    async def receive() -> dict:
        try:
            return {"type": "http.request", "body": await anext(chunks), "more_body": True}
        except StopAsyncIteration:
            return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    # in a thread of its own: another test of this worker (Playwright's sync API) may leave an event loop running here
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, asyncio.wait_for(app(scope, receive, send), 5)).result()
    return sent


async def stalls(raw: bytes):
    yield raw[:10]
    await asyncio.Event().wait()  # the client never sends the rest
    yield raw[10:]


async def trickles(raw: bytes):
    for i in range(len(raw)):  # one byte every 20 ms: each read is quick, the whole body is not
        await asyncio.sleep(0.02)
        yield raw[i : i + 1]


@pytest.mark.parametrize("client_body", [stalls, trickles])
def test_a_body_not_received_in_time_is_a_408_and_queues_nothing(queued, caplog, client_body):
    app = create_app(secrets=lambda: [SECRET], queue=queued.append, body_timeout=0.3)
    raw = body()
    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="zoom_archiver"):
        sent = call_app(app, raw, client_body(raw))
    assert sent[0]["status"] == 408
    assert (b"connection", b"close") in sent[0]["headers"]  # the rest of that body is not waited for
    assert time.monotonic() - started < 2
    assert not queued
    assert "Zoom webhook refused (408)" in caplog.text


def test_a_body_arriving_in_chunks_within_the_timeout_is_accepted(queued):
    app = create_app(secrets=lambda: [SECRET], queue=lambda event: queued.append(event) or True, body_timeout=5)
    raw = body()

    async def chunks():
        for i in range(0, len(raw), 50):
            await asyncio.sleep(0.001)
            yield raw[i : i + 50]

    sent = call_app(app, raw, chunks())
    assert sent[0]["status"] == 200
    assert len(queued) == 1
