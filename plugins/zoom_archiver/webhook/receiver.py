"""The FastAPI app answering Zoom's webhook deliveries at ``POST /webhook`` (mounted at ``/zoom``: ``/zoom/webhook``).

Every delivery is checked before anything else (size, headers, timestamp, signature: see
:mod:`~zoom_archiver.webhook.signature`); a refused one gets 400/401/413, triggers nothing and leaves one log line
with the reason (never the secret, the body or its tokens). Zoom does not retry a 4xx. A body that has not fully
arrived within :data:`BODY_TIMEOUT_SECONDS` (in all, not per read: a slow client holds no server for long) gets 408.
An accepted one is answered at once: the URL validation with its ``encryptedToken``, a recording event by queuing
its meeting's run (:mod:`~zoom_archiver.webhook.trigger`; 200 whether new or a duplicate, a duplicate answered from
memory by :mod:`~zoom_archiver.webhook.dedupe`), a trash/delete/recover event by a log line
(nothing is deleted from S3), anything else by 200. If the run cannot be queued (whatever the error: the DAG not
parsed, the metadata DB down) or the secret tokens cannot be read, the answer is 503, so Zoom retries
(+5, +20, +60 min) and the scheduled runs archive the meeting anyway; it names the exception's class only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from zoom_archiver.webhook import events, signature
from zoom_archiver.webhook.dedupe import Queue, RecentRuns
from zoom_archiver.webhook.deliveries import DeliveryCounts, outcome_of
from zoom_archiver.webhook.signature import Refused
from zoom_archiver.webhook.trigger import NotQueued, queue_meeting_run

log = logging.getLogger(__name__)

#: Largest body accepted (Zoom's recording events are a few KB; a meeting with hundreds of files stays far below).
MAX_BODY_BYTES = 256 * 1024
#: Secrets are read from the connection at most this often (a rotated token is picked up without a restart).
SECRETS_TTL_SECONDS = 30.0
#: A failed read of the secrets is remembered this long: deliveries meanwhile get 503 without reading again.
SECRETS_FAILURE_TTL_SECONDS = 5.0
#: The whole body must have arrived this many seconds after the headers (Zoom sends a few KB at once).
BODY_TIMEOUT_SECONDS = 10.0

SecretsSource = Callable[[], Sequence[str]]


def connection_secrets(conn_id: str = "zoom_default") -> tuple[str, ...]:
    """The webhook secret tokens of connection ``conn_id`` (the api-server reads it from its secrets backends/DB)."""
    from airflow.models.connection import Connection

    from zoom_archiver.zoom.connection import read_webhook_secrets

    return read_webhook_secrets(Connection.get_connection_from_secrets(conn_id))


class CachedSecrets:
    """``source()`` cached for ``ttl`` seconds; an error reading it refuses deliveries (503: Zoom retries).

    The error is cached too, for ``failure_ttl`` seconds, so a failing source (the DB down) is not read again by
    every delivery; concurrent reads wait for one another's (one read at a time).
    """

    def __init__(
        self,
        source: SecretsSource,
        ttl: float = SECRETS_TTL_SECONDS,
        failure_ttl: float = SECRETS_FAILURE_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source, self.ttl, self.failure_ttl, self.clock = source, ttl, failure_ttl, clock
        #: the tokens, or the reason they could not be read (safe to answer: the exception's class only)
        self._state: tuple[str, ...] | str = ()
        self._read_at = -1e18
        self._lock = threading.Lock()

    @property
    def stale(self) -> bool:
        """Whether the next call reads ``source`` (a blocking read: call it in a thread then)."""
        ttl = self.failure_ttl if isinstance(self._state, str) else self.ttl
        return self.clock() - self._read_at > ttl

    def __call__(self) -> tuple[str, ...]:
        """The tokens, read from ``source`` when :attr:`stale`; :class:`Refused` (503) while they cannot be read."""
        if self.stale:
            with self._lock:
                if self.stale:  # not read meanwhile by the thread this one waited for
                    self._read()
        return self.current()

    def current(self) -> tuple[str, ...]:
        """The tokens last read (never reads ``source``: safe in the event loop); 503 if that read failed."""
        state = self._state
        if isinstance(state, str):
            raise Refused(503, state)
        return state

    def _read(self) -> None:
        try:
            self._state = tuple(self.source())
        except Exception as exc:
            self._state = f"cannot read the webhook secret tokens ({type(exc).__name__})"
        self._read_at = self.clock()


async def _read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The body, at most ``limit`` bytes (413), all of it within ``timeout`` seconds (408)."""
    try:
        return await asyncio.wait_for(_read_chunks(request, limit), timeout)
    except asyncio.TimeoutError:  # TimeoutError itself from Python 3.11 on
        raise Refused(408, f"body not received within {timeout:g} s") from None


async def _read_chunks(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise Refused(413, f"body over {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise Refused(413, f"body over {limit} bytes")
    return bytes(body)


def _refused(request: Request, refusal: Refused) -> JSONResponse:
    log.warning(
        "Zoom webhook refused (%d): %s (request id %s, from %s)",
        refusal.status,
        refusal.reason,
        (request.headers.get("x-zm-request-id") or "-")[:64],
        request.client.host if request.client else "?",
    )
    # a body not read to its end leaves the connection unusable for a next request: closed
    closing = {"connection": "close"} if refusal.status in (408, 413) else None
    return JSONResponse({"error": refusal.reason}, status_code=refusal.status, headers=closing)


async def _answer(event: events.Event, secret: str, queue: RecentRuns) -> JSONResponse:
    if event.name == events.URL_VALIDATION and event.plain_token is not None:
        token = signature.encrypted_token(secret, event.plain_token)
        return JSONResponse({"plainToken": event.plain_token, "encryptedToken": token})
    if event.archives:
        try:
            queued = await queue(event)
        except NotQueued as exc:
            raise Refused(503, str(exc)) from None
        except Exception as exc:  # the DB down, a lock timeout...: its text may quote SQL, so the class only
            raise Refused(503, f"cannot queue the run ({type(exc).__name__})") from None
        log.info("Zoom %s for meeting %s: %s", event.name, event.meeting_uuid, "queued" if queued else "duplicate")
        return JSONResponse({"status": "queued" if queued else "duplicate"})
    if event.name in events.LOGGED_EVENTS:
        log.warning("Zoom %s for meeting %s: recorded only; the archive keeps its copy", event.name, event.meeting_uuid)
    elif event.name in events.ARCHIVE_EVENTS:
        log.warning("Zoom %s without a readable meeting UUID: left for the scheduled runs", event.name)
    else:
        log.info("Zoom %s: ignored", event.name)
    return JSONResponse({"status": "ignored"})


def create_app(
    secrets: SecretsSource | None = None,
    queue: Queue = queue_meeting_run,
    max_body: int = MAX_BODY_BYTES,
    body_timeout: float = BODY_TIMEOUT_SECONDS,
    counts: DeliveryCounts | None = None,
) -> FastAPI:
    """The receiver; ``secrets`` and ``queue`` default to the ``zoom_default`` connection and the webhook DAG.

    ``queue`` is called in a worker thread, once per event (copies are answered by :class:`RecentRuns`). ``counts``
    (the plugin's: Airflow's audit log) is told the outcome of every delivery.
    """
    read_secrets = CachedSecrets(secrets or connection_secrets)
    recent = RecentRuns(queue)
    app = FastAPI(title="Zoom recording webhooks", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/webhook")
    async def webhook(request: Request) -> JSONResponse:
        try:
            body = await _read_body(request, max_body, body_timeout)
            secret = signature.verify(
                await run_in_threadpool(read_secrets) if read_secrets.stale else read_secrets.current(),
                request.headers.get("x-zm-request-timestamp"),
                request.headers.get("x-zm-signature"),
                body,
            )
            event = events.parse(body)
            response = await _answer(event, secret, recent)
        except Refused as refusal:
            response = _refused(request, refusal)
        if counts is not None:
            counts.note(outcome_of(response.status_code, json.loads(bytes(response.body)).get("status", "")))
        return response

    return app
