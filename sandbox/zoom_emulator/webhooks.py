"""Zoom's webhook deliveries, as the emulator sends them: signed compact JSON, Zoom's retry rule, and bad ones.

Control plane (under ``/_emulator/webhooks``):

====  ==========================  ===================================================================================
GET   /_emulator/webhooks         the settings (with the secret: a sandbox) and every delivery attempt so far
POST  /_emulator/webhooks/config  merge ``{"url", "secret_token", "retry_delays", "timeout", "auto"}``
POST  /_emulator/webhooks/send    ``{"meeting_uuid", "event"?, "mode"?, "copies"?, "lose_answers"?}``: deliver now
POST  /_emulator/webhooks/validate  send ``endpoint.url_validation`` and check the answer's ``encryptedToken``
====  ==========================  ===================================================================================

``mode``: ``valid`` (signed with the secret token), ``forged`` (a made-up signature), ``wrong_secret`` (signed with
another token), ``stale`` (correctly signed, timestamped 6 minutes ago). ``copies``: the same event delivered that
many times (Zoom's duplicates). ``lose_answers``: the first attempts whose answers are "lost" (as if the receiver took
more than ``timeout``), so the delivery is retried although the receiver got it. Retries follow Zoom: only after a
5xx, a timeout or a network error (never after a 4xx), waiting ``retry_delays`` (Zoom: 5, 20, 60 min; tests scale
them down). With ``auto``, completing a recording (``/_emulator/complete_processing``, ``POST /_emulator/meetings``
with completed files) sends ``recording.completed`` by itself.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import requests

from zoom_emulator.httpbase import Response, json_response
from zoom_emulator.render import meeting_json

if TYPE_CHECKING:
    from zoom_emulator.model import Meeting
    from zoom_emulator.state import EmulatorState

ZOOM_RETRY_DELAYS = (300.0, 1200.0, 3600.0)
MODES = ("valid", "forged", "wrong_secret", "stale")


def compact(obj: Any) -> bytes:
    """The bytes Zoom signs and sends: compact JSON, non-ASCII unescaped."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    message = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass
class WebhookConfig:
    url: str = ""
    secret_token: str = ""
    retry_delays: list[float] = field(default_factory=lambda: list(ZOOM_RETRY_DELAYS))
    timeout: float = 3.0
    auto: bool = True

    def merge(self, changes: dict[str, Any]) -> None:
        for name, value in changes.items():
            if name not in self.__dataclass_fields__:
                raise ValueError(f"unknown webhook setting {name}")
            if name == "retry_delays" and (
                not isinstance(value, list) or not all(isinstance(v, int | float) and v >= 0 for v in value)
            ):
                raise ValueError("retry_delays must be a list of seconds")
            setattr(self, name, value)


@dataclass
class Attempt:
    delivery: int
    event: str
    meeting_uuid: str
    mode: str
    attempt: int
    status: int | None  # None: timeout or network error
    answer_ms: float
    lost: bool = False
    body: Any = None


class WebhookSender:
    """Sends deliveries on background threads and remembers every attempt."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.config = WebhookConfig()
        self.attempts: list[Attempt] = []
        self.download_tokens: list[str] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def event_body(self, meeting: Meeting, event: str) -> dict[str, Any]:
        host = self.state.dataset.host(meeting.host_id)
        obj = meeting_json(self.state.api_base, meeting, host_email=host.email if host else "", detail=True)
        token = "eyJhbGciOiJIUzUxMiJ9." + secrets.token_urlsafe(24)  # what our receiver must never keep or log
        self.download_tokens.append(token)
        payload = {"account_id": meeting.account_id, "object": obj}
        return {"event": event, "event_ts": int(time.time() * 1000), "payload": payload, "download_token": token}

    def send(self, body: dict[str, Any], *, mode: str = "valid", copies: int = 1, lose_answers: int = 0) -> list[int]:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if not self.config.url:
            raise ValueError("no webhook url configured")
        ids = []
        for _ in range(max(1, copies)):
            delivery = next(self._ids)
            ids.append(delivery)
            thread = threading.Thread(
                target=self._deliver, args=(delivery, compact(body), body, mode, lose_answers), daemon=True
            )
            self._threads.append(thread)
            thread.start()
        return ids

    def _headers(self, body: bytes, mode: str) -> dict[str, str]:
        now = int(time.time()) - (360 if mode == "stale" else 0)
        timestamp = str(now)
        secret = "not-the-secret-token" if mode == "wrong_secret" else self.config.secret_token
        signed = "v0=" + secrets.token_hex(32) if mode == "forged" else signature(secret, timestamp, body)
        return {
            "content-type": "application/json; charset=utf-8",
            "user-agent": "Zoom Marketplace/1.0a",
            "x-zm-request-timestamp": timestamp,
            "x-zm-signature": signed,
            "x-zm-request-id": secrets.token_hex(8),
        }

    def _deliver(self, delivery: int, body: bytes, parsed: dict[str, Any], mode: str, lose_answers: int) -> None:
        meeting = (parsed.get("payload") or {}).get("object") or {}
        uuid = str(meeting.get("uuid", "")) if isinstance(meeting, dict) else ""
        for attempt, delay in enumerate([0.0, *self.config.retry_delays]):
            time.sleep(delay)
            started = time.monotonic()
            status, answer = None, None
            try:
                response = requests.post(
                    self.config.url, data=body, headers=self._headers(body, mode), timeout=self.config.timeout
                )
                status = response.status_code
                answer = response.json() if "json" in response.headers.get("content-type", "") else None
            except (requests.RequestException, ValueError):
                pass
            lost = attempt < lose_answers
            record = Attempt(delivery, str(parsed.get("event")), uuid, mode, attempt, status, 0.0, lost, answer)
            record.answer_ms = round((time.monotonic() - started) * 1000, 2)
            with self._lock:
                self.attempts.append(record)
            if status is not None and status < 500 and not lost:
                return  # 2xx, 3xx, 4xx: Zoom does not retry

    def wait(self, timeout: float = 60) -> bool:
        """Wait for every delivery (and its retries) to end."""
        deadline = time.monotonic() + timeout
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self._threads)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "config": asdict(self.config),
                "attempts": [asdict(a) for a in self.attempts],
                "download_tokens": list(self.download_tokens),
            }

    def validate(self) -> dict[str, Any]:
        plain = secrets.token_urlsafe(16)
        body = compact(
            {"payload": {"plainToken": plain}, "event_ts": int(time.time() * 1000), "event": "endpoint.url_validation"}
        )
        response = requests.post(
            self.config.url, data=body, headers=self._headers(body, "valid"), timeout=self.config.timeout
        )
        expected = hmac.new(self.config.secret_token.encode(), plain.encode(), hashlib.sha256).hexdigest()
        answer = response.json() if response.status_code == 200 else {}
        ok = answer.get("plainToken") == plain and answer.get("encryptedToken") == expected
        return {"status": response.status_code, "valid": ok}


def sender(state: EmulatorState) -> WebhookSender:
    """The state's sender (one per emulator)."""
    with state.lock:
        found = getattr(state, "webhooks", None)
        if found is None:
            found = WebhookSender(state)
            state.webhooks = found  # type: ignore[attr-defined]
        return found


def on_completed(state: EmulatorState, meeting: Meeting) -> None:
    """A recording completed: send ``recording.completed`` when a URL is configured and ``auto`` is on."""
    webhooks = sender(state)
    if webhooks.config.url and webhooks.config.auto:
        webhooks.send(webhooks.event_body(meeting, "recording.completed"))


def handle(state: EmulatorState, route: str, method: str, body: Any) -> Response:
    """``/_emulator/webhooks[/...]``."""
    webhooks = sender(state)
    if method == "GET" and route == "/webhooks":
        return json_response(200, webhooks.snapshot())
    if not isinstance(body, dict):
        return json_response(400, {"error": "body must be a JSON object"})
    try:
        if route == "/webhooks/config":
            webhooks.config.merge(body)
            return json_response(200, asdict(webhooks.config))
        if route == "/webhooks/validate":
            return json_response(200, webhooks.validate())
        if route == "/webhooks/send":
            meeting = state.dataset.meetings.get(str(body.get("meeting_uuid")))
            if meeting is None:
                return json_response(404, {"error": "unknown meeting_uuid"})
            event = str(body.get("event") or "recording.completed")
            ids = webhooks.send(
                webhooks.event_body(meeting, event),
                mode=str(body.get("mode") or "valid"),
                copies=int(body.get("copies") or 1),
                lose_answers=int(body.get("lose_answers") or 0),
            )
            return json_response(200, {"deliveries": ids})
    except (ValueError, TypeError, requests.RequestException) as exc:
        return json_response(400, {"error": str(exc)})
    return json_response(404, {"error": "unknown webhooks endpoint"})
