"""The fault plan: seeded decisions of which request gets which fault, the counters, and S3's error answers.

Decisions are seeded and independent of timing. With ``spacing: hash`` (the default) the *n*-th request for one
identity (operation, bucket, key and part number; the upload id is left out, so a restarted upload is the same
identity) is faulted when ``sha256(seed | identity | n)`` falls under ``rate``; with ``spacing: even`` exactly
``rate`` of the operation's requests are faulted, evenly spaced, taking ``kinds`` in turn (a small sample still
gets its share and every kind). ``burst`` makes a fault repeat on that many consecutive requests of the identity
(``burst`` larger than the client's own retry budget makes the fault escape the SDK's retries and reach the
application). ``sticky`` rules are applied first.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from typing import Any

from zoom_emulator.httpbase import Response
from zoom_sandbox.s3_proxy.config import FaultRule, ProxyConfig

MAX_EVENTS = 10_000
#: Operations whose request body is an object's bytes: the proxy counts how each one was sent (see ``payloads``).
PAYLOAD_OPERATIONS = ("PutObject", "UploadPart")
_HEX64 = frozenset("0123456789abcdefABCDEF")
_ERRORS = {
    "500": (500, "InternalError", "We encountered an internal error. Please try again."),
    "503": (503, "SlowDown", "Please reduce your request rate."),
}


def chance(seed: int | str, *parts: object) -> float:
    """A stable pseudo-random number in ``[0, 1)`` for ``(seed, *parts)``."""
    digest = hashlib.sha256("|".join(str(p) for p in (seed, *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def error_response(kind: str, key: str) -> Response:
    """S3's XML error document for a ``500`` (``InternalError``) or ``503`` (``SlowDown``) fault."""
    status, code, message = _ERRORS[kind]
    request_id = hashlib.sha1(f"{time.time()}{key}".encode(), usedforsecurity=False).hexdigest()[:16].upper()
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
        f"<RequestId>{request_id}</RequestId></Error>"
    ).encode()
    return Response(status, body, "application/xml", [("x-amz-request-id", request_id)])


class FaultPlan:
    """Seeded fault decisions and the counters of what was requested and injected (thread-safe)."""

    def __init__(self, config: ProxyConfig) -> None:
        self._lock = threading.Lock()
        self.config = config
        self.reset()

    def reset(self) -> None:
        """Zero the counters and forget every decision's memory (``POST /_proxy/stats/reset``)."""
        with self._lock:
            self._seen: Counter[str] = Counter()
            self._burst: dict[str, tuple[str, int]] = {}
            self._sticky_used: Counter[int] = Counter()
            self._even: Counter[str] = Counter()
            self.requests: Counter[str] = Counter()
            self.faults: Counter[str] = Counter()
            self.upstream_status: Counter[str] = Counter()
            self.payloads: Counter[str] = Counter()
            self.events: list[dict[str, Any]] = []

    def configure(self, config: ProxyConfig) -> None:
        """Switch to ``config``; the decisions start afresh, the counters are kept."""
        with self._lock:
            self.config = config
            self._seen.clear()
            self._burst.clear()
            self._sticky_used.clear()
            self._even.clear()

    def saw_payload(self, op: str, headers: Any) -> None:
        """Count how an upload's body was sent: ``<op> <x-amz-content-sha256> <x-amz-trailer> <content-encoding>``.

        A SHA-256 hex digest is counted as ``sha256``; botocore's CRC32 trailer over HTTPS shows as
        ``UploadPart STREAMING-UNSIGNED-PAYLOAD-TRAILER x-amz-checksum-crc32 aws-chunked``.
        """
        if op not in PAYLOAD_OPERATIONS:
            return
        content = headers.get("x-amz-content-sha256") or "-"
        if len(content) == 64 and set(content) <= _HEX64:
            content = "sha256"
        trailer = headers.get("x-amz-trailer") or "-"
        encoding = headers.get("Content-Encoding") or "-"
        with self._lock:
            self.payloads[f"{op} {content} {trailer} {encoding}"] += 1

    def decide(self, op: str, bucket: str, key: str, part: str) -> str | None:
        """Count the request and return the fault kind to inject, or ``None`` to forward it."""
        with self._lock:
            self.requests[op] += 1
            sticky = self._sticky(op, key)
            if sticky is not None:
                return sticky
            rule = self.config.faults.get(op)
            if rule is None or rule.rate <= 0:
                return None
            identity = f"{op}|{bucket}/{key}|{part}"
            attempt = self._seen[identity]
            self._seen[identity] += 1
            pending = self._burst.pop(identity, None)
            if pending is not None:
                kind, left = pending
                if left > 1:
                    self._burst[identity] = (kind, left - 1)
                return kind
            kind = self._draw(rule, op, identity, attempt)
            if kind is not None and rule.burst > 1:
                self._burst[identity] = (kind, rule.burst - 1)
            return kind

    def _sticky(self, op: str, key: str) -> str | None:
        for index, sticky in enumerate(self.config.sticky):
            if sticky.op == op and sticky.key_contains in key and self._sticky_used[index] < sticky.count:
                self._sticky_used[index] += 1
                return sticky.kind
        return None

    def _draw(self, rule: FaultRule, op: str, identity: str, attempt: int) -> str | None:
        if rule.spacing == "even":
            self._even[op] += 1
            calls = self._even[op]
            if int(calls * rule.rate) == int((calls - 1) * rule.rate):
                return None
            return rule.kinds[(int(calls * rule.rate) - 1) % len(rule.kinds)]
        seed = self.config.seed
        if chance(seed, identity, attempt, "rate") >= rule.rate:
            return None
        return rule.kinds[int(chance(seed, identity, attempt, "kind") * len(rule.kinds))]

    def injected(self, op: str, kind: str, key: str, part: str) -> None:
        """Count a fault that was injected (and keep it in ``events``, up to ``MAX_EVENTS``)."""
        with self._lock:
            self.faults[f"{op}:{kind}"] += 1
            if len(self.events) < MAX_EVENTS:
                self.events.append({"op": op, "kind": kind, "key": key, "part": part, "at": time.time()})

    def upstream(self, op: str, status: int) -> None:
        """Count the status S3 answered a forwarded request with."""
        with self._lock:
            self.upstream_status[f"{op}:{status}"] += 1

    def snapshot(self) -> dict[str, Any]:
        """Every counter (what ``GET /_proxy/stats`` returns)."""
        with self._lock:
            by_kind: Counter[str] = Counter()
            for name, count in self.faults.items():
                by_kind[name.rsplit(":", 1)[1]] += count
            return {
                "config": self.config.to_json(),
                "requests": dict(self.requests),
                "faults": dict(self.faults),
                "faults_by_kind": dict(by_kind),
                "faults_total": sum(self.faults.values()),
                "upstream_status": dict(self.upstream_status),
                "payloads": dict(self.payloads),
                "sticky_used": [self._sticky_used[i] for i in range(len(self.config.sticky))],
                "events": list(self.events),
            }
