"""A seeded, fault-injecting HTTP proxy in front of an S3 endpoint (moto's server in the sandbox).

Point a boto3 client (or the ``aws_default`` connection's ``endpoint_url``) at the proxy instead of the S3
server. Every request is forwarded unchanged (path-style addressing, as boto3 uses for an IP endpoint), except
that a configurable share of chosen operations is answered with a fault:

=============  ===========================================================================================
kind           what the client sees
=============  ===========================================================================================
``500``        ``500 InternalError`` (S3's XML error document); the request never reaches S3
``503``        ``503 SlowDown``; the request never reaches S3
``drop``       the request body is read, then the connection is closed without any response
``drop_after`` the request **is** forwarded (S3 applies it), then the connection is closed without the
               response: a lost acknowledgement
=============  ===========================================================================================

Configuration (``--config`` JSON, or ``POST /_proxy/config`` at run time)::

    {"seed": 7,
     "faults": {"UploadPart": {"rate": 0.1, "kinds": ["500", "503", "drop"], "burst": 1},
                "CompleteMultipartUpload": {"rate": 0.1, "kinds": ["500", "drop_after"], "spacing": "even"},
                "PutObject": {"rate": 0.05, "kinds": ["503", "drop", "drop_after"]}}}

``sticky`` rules fail the first ``count`` requests of one operation whose key contains ``key_contains`` (one file
that keeps failing, e.g. longer than all of a task's retries), before any rate applies::

    {"sticky": [{"op": "PutObject", "key_contains": "<zoom file id>", "kind": "503", "count": 6}]}

Decisions are seeded and independent of timing. With ``spacing: hash`` (the default) the *n*-th request for one
identity (operation, bucket, key and part number; the upload id is left out, so a restarted upload is the same
identity) is faulted when ``sha256(seed | identity | n)`` falls under ``rate``; with ``spacing: even`` exactly
``rate`` of the operation's requests are faulted, evenly spaced, taking ``kinds`` in turn (a small sample still
gets its share and every kind). ``burst`` makes a fault repeat on that many consecutive requests of the identity
(``burst`` larger than the client's own retry budget makes the fault escape the SDK's retries and reach the
application).

Control plane (never forwarded; ``_proxy`` cannot be a bucket name):

* ``GET /_proxy/stats``: requests by operation, faults injected by ``operation:kind`` and by kind, upstream
  statuses, the list of injected faults; ``POST /_proxy/stats/reset`` zeroes them;
* ``GET /_proxy/config``, ``POST /_proxy/config`` (replaces ``seed``/``faults``/``sticky`` given in the body).

Run as a process: ``python -m zoom_sandbox.s3_fault_proxy --upstream http://127.0.0.1:5000 --port 0
--config '{...}' --ready-file ready.json``. Access lines never contain query strings.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import hashlib
import http.client
import json
import logging
import signal
import socket
import struct
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger("zoom_sandbox.s3_fault_proxy")

FAULT_KINDS = ("500", "503", "drop", "drop_after")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}
MAX_EVENTS = 10_000
_ERRORS = {
    "500": (500, "InternalError", "We encountered an internal error. Please try again."),
    "503": (503, "SlowDown", "Please reduce your request rate."),
}


# ----------------------------------------------------------------------------------------------- classification
def classify(method: str, path: str, headers: Any = None) -> tuple[str, str, str, str]:
    """``(operation, bucket, key, part)`` of a path-style S3 request (``part`` is the part number or ``""``)."""
    raw_path, _, query_string = path.partition("?")
    query = parse_qs(query_string, keep_blank_values=True)
    segments = raw_path.lstrip("/").split("/", 1)
    bucket = unquote(segments[0]) if segments and segments[0] else ""
    key = unquote(segments[1]) if len(segments) > 1 else ""
    part = query.get("partNumber", [""])[0]
    copy_source = bool(headers and headers.get("x-amz-copy-source"))
    method = method.upper()
    if not bucket:
        return ("ListBuckets" if method == "GET" else f"{method}Service"), "", "", ""
    if not key:
        if method == "GET" and "uploads" in query:
            return "ListMultipartUploads", bucket, "", ""
        if method == "GET" and "versions" in query:
            return "ListObjectVersions", bucket, "", ""
        if method == "GET":
            return "ListObjects", bucket, "", ""
        if method == "POST" and "delete" in query:
            return "DeleteObjects", bucket, "", ""
        return (
            {"PUT": "PutBucket", "DELETE": "DeleteBucket", "HEAD": "HeadBucket"}.get(method, f"{method}Bucket"),
            bucket,
            "",
            "",
        )
    if "uploadId" in query:
        if method == "PUT" and part:
            return ("UploadPartCopy" if copy_source else "UploadPart"), bucket, key, part
        if method == "POST":
            return "CompleteMultipartUpload", bucket, key, ""
        if method == "DELETE":
            return "AbortMultipartUpload", bucket, key, ""
        if method == "GET":
            return "ListParts", bucket, key, ""
    if method == "POST" and "uploads" in query:
        return "CreateMultipartUpload", bucket, key, ""
    if "tagging" in query:
        return (
            {"GET": "GetObjectTagging", "PUT": "PutObjectTagging", "DELETE": "DeleteObjectTagging"}.get(
                method, f"{method}ObjectTagging"
            ),
            bucket,
            key,
            "",
        )
    subresources = {"acl", "retention", "legal-hold", "attributes", "restore", "torrent", "select"}
    if subresources & set(query):
        return f"{method}Object" + "-" + sorted(subresources & set(query))[0], bucket, key, ""
    if method == "PUT":
        return ("CopyObject" if copy_source else "PutObject"), bucket, key, ""
    return (
        {"GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject", "POST": "PostObject"}.get(
            method, f"{method}Object"
        ),
        bucket,
        key,
        "",
    )


# ----------------------------------------------------------------------------------------------- configuration
@dataclass
class FaultRule:
    """Faults for one operation: ``rate`` of its requests get one of ``kinds``, ``burst`` times in a row.

    ``spacing`` ``hash`` (default): each request is faulted by a seeded hash of its identity and attempt;
    ``even``: exactly ``rate`` of the operation's requests, evenly spaced, with ``kinds`` in turn (a small sample
    still gets its share and every kind).
    """

    rate: float = 0.0
    kinds: list[str] = field(default_factory=lambda: ["500", "503"])
    burst: int = 1
    spacing: str = "hash"

    @classmethod
    def from_json(cls, op: str, value: Any) -> FaultRule:
        if not isinstance(value, dict):
            raise ValueError(f"faults.{op} must be an object")
        unknown = set(value) - {"rate", "kinds", "burst", "spacing"}
        if unknown:
            raise ValueError(f"faults.{op}: unknown keys {sorted(unknown)}")
        rule = cls(
            rate=float(value.get("rate", 0.0)),
            kinds=[str(k) for k in value.get("kinds", ["500", "503"])],
            burst=int(value.get("burst", 1)),
            spacing=str(value.get("spacing", "hash")),
        )
        if not 0.0 <= rule.rate <= 1.0:
            raise ValueError(f"faults.{op}.rate must be between 0 and 1")
        if not rule.kinds or any(k not in FAULT_KINDS for k in rule.kinds):
            raise ValueError(f"faults.{op}.kinds must be a non-empty subset of {list(FAULT_KINDS)}")
        if rule.burst < 1:
            raise ValueError(f"faults.{op}.burst must be >= 1")
        if rule.spacing not in ("hash", "even"):
            raise ValueError(f"faults.{op}.spacing must be hash or even")
        return rule


@dataclass
class StickyRule:
    """Fail the first ``count`` requests of ``op`` whose key contains ``key_contains`` with ``kind``."""

    op: str
    key_contains: str
    kind: str = "503"
    count: int = 1

    @classmethod
    def from_json(cls, value: Any) -> StickyRule:
        if not isinstance(value, dict) or not {"op", "key_contains"} <= set(value):
            raise ValueError("each sticky rule needs op and key_contains")
        unknown = set(value) - {"op", "key_contains", "kind", "count"}
        if unknown:
            raise ValueError(f"sticky: unknown keys {sorted(unknown)}")
        rule = cls(str(value["op"]), str(value["key_contains"]), str(value.get("kind", "503")),
                   int(value.get("count", 1)))  # fmt: skip
        if rule.kind not in FAULT_KINDS or rule.count < 1 or not rule.key_contains:
            raise ValueError(f"sticky: kind must be one of {list(FAULT_KINDS)}, count >= 1, key_contains set")
        return rule


@dataclass
class ProxyConfig:
    seed: int | str = 0
    faults: dict[str, FaultRule] = field(default_factory=dict)
    sticky: list[StickyRule] = field(default_factory=list)

    @classmethod
    def from_json(cls, value: Any) -> ProxyConfig:
        if not isinstance(value, dict):
            raise ValueError("config must be a JSON object")
        unknown = set(value) - {"seed", "faults", "sticky"}
        if unknown:
            raise ValueError(f"unknown config keys {sorted(unknown)}")
        faults = value.get("faults", {})
        faults = {} if faults is None else faults
        if not isinstance(faults, dict):
            raise ValueError("faults must be an object of operation -> rule")
        sticky = value.get("sticky") or []
        if not isinstance(sticky, list):
            raise ValueError("sticky must be a list of rules")
        seed = value.get("seed", 0)
        return cls(
            seed=seed if isinstance(seed, int | str) else str(seed),
            faults={str(op): FaultRule.from_json(str(op), rule) for op, rule in faults.items()},
            sticky=[StickyRule.from_json(rule) for rule in sticky],
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "faults": {op: {"rate": r.rate, "kinds": list(r.kinds), "burst": r.burst, "spacing": r.spacing}
                       for op, r in self.faults.items()},
            "sticky": [{"op": r.op, "key_contains": r.key_contains, "kind": r.kind, "count": r.count}
                       for r in self.sticky],
        }  # fmt: skip


def chance(seed: int | str, *parts: object) -> float:
    """A stable pseudo-random number in ``[0, 1)`` for ``(seed, *parts)``."""
    digest = hashlib.sha256("|".join(str(p) for p in (seed, *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class FaultPlan:
    """Seeded fault decisions and the counters of what was requested and injected (thread-safe)."""

    def __init__(self, config: ProxyConfig) -> None:
        self._lock = threading.Lock()
        self.config = config
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._seen: Counter[str] = Counter()
            self._burst: dict[str, tuple[str, int]] = {}
            self._sticky_used: Counter[int] = Counter()
            self._even: Counter[str] = Counter()
            self.requests: Counter[str] = Counter()
            self.faults: Counter[str] = Counter()
            self.upstream_status: Counter[str] = Counter()
            self.events: list[dict[str, Any]] = []

    def configure(self, config: ProxyConfig) -> None:
        with self._lock:
            self.config = config
            self._seen.clear()
            self._burst.clear()
            self._sticky_used.clear()
            self._even.clear()

    def decide(self, op: str, bucket: str, key: str, part: str) -> str | None:
        """Count the request and return the fault kind to inject, or ``None`` to forward it."""
        with self._lock:
            self.requests[op] += 1
            for index, sticky in enumerate(self.config.sticky):
                if sticky.op == op and sticky.key_contains in key and self._sticky_used[index] < sticky.count:
                    self._sticky_used[index] += 1
                    return sticky.kind
            rule = self.config.faults.get(op)
            if rule is None or rule.rate <= 0:
                return None
            identity = f"{op}|{bucket}/{key}|{part}"
            n = self._seen[identity]
            self._seen[identity] += 1
            pending = self._burst.get(identity)
            if pending is not None:
                kind, left = pending
                if left > 1:
                    self._burst[identity] = (kind, left - 1)
                else:
                    del self._burst[identity]
                return kind
            seed = self.config.seed
            if rule.spacing == "even":
                self._even[op] += 1
                calls = self._even[op]
                if int(calls * rule.rate) == int((calls - 1) * rule.rate):
                    return None
                kind = rule.kinds[(int(calls * rule.rate) - 1) % len(rule.kinds)]
            elif chance(seed, identity, n, "rate") >= rule.rate:
                return None
            else:
                kind = rule.kinds[int(chance(seed, identity, n, "kind") * len(rule.kinds))]
            if rule.burst > 1:
                self._burst[identity] = (kind, rule.burst - 1)
            return kind

    def injected(self, op: str, kind: str, key: str, part: str) -> None:
        with self._lock:
            self.faults[f"{op}:{kind}"] += 1
            if len(self.events) < MAX_EVENTS:
                self.events.append({"op": op, "kind": kind, "key": key, "part": part, "at": time.time()})

    def upstream(self, op: str, status: int) -> None:
        with self._lock:
            self.upstream_status[f"{op}:{status}"] += 1

    def snapshot(self) -> dict[str, Any]:
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
                "sticky_used": [self._sticky_used[i] for i in range(len(self.config.sticky))],
                "events": list(self.events),
            }


# ----------------------------------------------------------------------------------------------- the server
class ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], upstream: str, plan: FaultPlan) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError("--upstream must be an http://host:port URL")
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port or 80
        self.plan = plan
        super().__init__(address, ProxyHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "S3FaultProxy/1.0"
    sys_version = ""
    timeout = 300
    server: ProxyServer

    def do_GET(self) -> None:
        self._handle()

    do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_GET

    # -- helpers ---------------------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _drop(self) -> None:
        """Close the connection without a response (the client sees a reset/closed connection)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send_bytes(self, status: int, body: bytes, content_type: str, extra: list[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, status: int, payload: Any) -> None:
        self._send_bytes(status, json.dumps(payload).encode(), "application/json")

    def _send_error_xml(self, kind: str, key: str) -> None:
        status, code, message = _ERRORS[kind]
        request_id = hashlib.sha1(f"{time.time()}{key}".encode(), usedforsecurity=False).hexdigest()[:16].upper()
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
            f"<RequestId>{request_id}</RequestId></Error>"
        ).encode()
        self._send_bytes(status, body, "application/xml", [("x-amz-request-id", request_id)])

    # -- request handling ------------------------------------------------------------------------------
    def _handle(self) -> None:
        started = time.monotonic()
        raw_path = self.path.partition("?")[0]
        if raw_path.startswith("/_proxy/"):
            self._control(raw_path)
            return
        body = self._read_body()
        op, bucket, key, part = classify(self.command, self.path, self.headers)
        plan = self.server.plan
        fault = plan.decide(op, bucket, key, part)
        outcome = fault or "forwarded"
        if fault in ("500", "503"):
            self._send_error_xml(fault, key)
            plan.injected(op, fault, key, part)
        elif fault == "drop":
            plan.injected(op, fault, key, part)
            self._drop()
        else:
            status = self._forward(op, body, drop_response=fault == "drop_after")
            if fault == "drop_after":
                plan.injected(op, fault, key, part)
            else:
                outcome = str(status)
        log.info("%s %s %s %s %.0fms", op, self.command, raw_path, outcome, (time.monotonic() - started) * 1000)

    def _forward(self, op: str, body: bytes, *, drop_response: bool) -> int:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "expect"}
        headers["Content-Length"] = str(len(body))
        if not body and self.command in ("GET", "HEAD", "DELETE"):
            headers.pop("Content-Length", None)
        conn = http.client.HTTPConnection(self.server.upstream_host, self.server.upstream_port, timeout=300)
        try:
            try:
                conn.request(self.command, self.path, body=body or None, headers=headers)
                response = conn.getresponse()
            except OSError as exc:
                log.warning("upstream unreachable for %s: %s", op, type(exc).__name__)
                self._send_error_xml("503", "")
                return 503
            self.server.plan.upstream(op, response.status)
            if drop_response:
                response.read()
                self._drop()
                return response.status
            length = response.getheader("Content-Length")
            self.send_response(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in HOP_BY_HOP and name.lower() not in ("content-length", "server", "date"):
                    self.send_header(name, value)
            if self.command == "HEAD":
                if length is not None:
                    self.send_header("Content-Length", length)
                self.end_headers()
                return response.status
            if length is None:
                data = response.read()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return response.status
            self.send_header("Content-Length", length)
            self.end_headers()
            while True:
                chunk = response.read(1 << 20)
                if not chunk:
                    break
                self.wfile.write(chunk)
            return response.status
        finally:
            conn.close()

    def _control(self, raw_path: str) -> None:
        plan = self.server.plan
        body = self._read_body()
        route = raw_path.removeprefix("/_proxy").rstrip("/")
        if self.command == "GET" and route == "/stats":
            self._send_json(200, plan.snapshot())
        elif self.command == "GET" and route == "/health":
            self._send_json(200, {"ok": True})
        elif self.command == "GET" and route == "/config":
            self._send_json(200, plan.config.to_json())
        elif self.command == "POST" and route == "/stats/reset":
            plan.reset()
            self._send_json(200, {"ok": True})
        elif self.command == "POST" and route == "/config":
            try:
                update = json.loads(body or b"{}")
                merged = {**plan.config.to_json(), **(update if isinstance(update, dict) else {"?": update})}
                plan.configure(ProxyConfig.from_json(copy.deepcopy(merged)))
            except ValueError as exc:
                self._send_json(400, {"error": str(exc)})
                return
            self._send_json(200, plan.config.to_json())
        else:
            self._send_json(404, {"error": "unknown control endpoint"})

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silenced: ``_handle`` logs one line without the query string."""

    def log_error(self, format: str, *args: Any) -> None:
        log.debug("rejected a malformed or timed-out request")


# ----------------------------------------------------------------------------------------------- in-process use
class S3FaultProxy:
    """The proxy in a daemon thread (tests): ``with S3FaultProxy(upstream, config) as proxy: proxy.url``."""

    def __init__(self, upstream: str, config: dict[str, Any] | None = None, *, port: int = 0) -> None:
        self.plan = FaultPlan(ProxyConfig.from_json(config or {}))
        self.server = ProxyServer(("127.0.0.1", port), upstream, self.plan)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> S3FaultProxy:
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name="s3-fault-proxy", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def configure(self, config: dict[str, Any]) -> None:
        self.plan.configure(ProxyConfig.from_json(config))

    def stats(self) -> dict[str, Any]:
        return self.plan.snapshot()

    def __enter__(self) -> S3FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_s3_proxy(log_dir: Path, upstream: str, config: dict[str, Any] | None = None):
    """Start the proxy as a process (like the other sandbox services); returns a ``Service``."""
    from zoom_sandbox.services import Service, _spawn, wait_http

    ready = Path(tempfile.mkdtemp(prefix="s3-fault-proxy-")) / "ready.json"
    cmd = [sys.executable, "-m", "zoom_sandbox.s3_fault_proxy", "--upstream", upstream, "--port", "0",
           "--config", json.dumps(config or {}), "--ready-file", str(ready)]  # fmt: skip
    log_path = log_dir / "s3-fault-proxy.log"
    proc = _spawn(cmd, log_path)
    deadline = time.monotonic() + 30
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the S3 fault proxy did not start; see {log_path}")
        time.sleep(0.05)
    time.sleep(0.05)
    url = json.loads(ready.read_text())["url"]
    wait_http(f"{url}/_proxy/health", proc=proc)
    return Service("s3-fault-proxy", proc, url, log_path)


# ----------------------------------------------------------------------------------------------- command line
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="s3-fault-proxy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True, help="S3 endpoint to forward to, e.g. http://127.0.0.1:5000")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0 picks a free one)")
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--config", default="{}", help="fault configuration as JSON, or @file.json")
    parser.add_argument("--ready-file", type=Path, help="write {url, port} here once listening")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    raw = Path(args.config[1:]).read_text() if args.config.startswith("@") else args.config
    try:
        config = ProxyConfig.from_json(json.loads(raw))
    except ValueError as exc:
        parser.error(f"--config: {exc}")
    server = ProxyServer((args.bind, args.port), args.upstream, FaultPlan(config))
    port = server.server_address[1]
    url = f"http://127.0.0.1:{port}"
    if args.ready_file:
        tmp = args.ready_file.with_name(args.ready_file.name + ".tmp")
        tmp.write_text(json.dumps({"url": url, "port": port}))
        tmp.replace(args.ready_file)
    print(f"s3-fault-proxy {url} -> {args.upstream}", flush=True)

    def stop(*_: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
        log.info("final stats: %s", json.dumps({k: v for k, v in server.plan.snapshot().items() if k != "events"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
