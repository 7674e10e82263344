"""HTTP plumbing shared by the API and CDN listeners: request/response values, handler, server.

An *app* is a callable ``app(Request) -> Response``. The handler parses the request, calls the app and
writes the response, streaming iterable bodies chunk by chunk (optionally throttled, or cut short to
simulate a dropped connection). It logs one access line per request, without the query string.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

log = logging.getLogger("zoom_emulator.access")
errors_log = logging.getLogger("zoom_emulator")

JSON_TYPE = "application/json;charset=UTF-8"
HTML_TYPE = "text/html;charset=utf-8"
MAX_REQUEST_BODY = 16 << 20


@dataclass
class Request:
    """A parsed request. ``raw_path`` is still percent-encoded; ``query`` keeps the first value per key."""

    method: str
    raw_path: str
    query: dict[str, str]
    headers: Message
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """A request header (case-insensitive), or ``None``."""
        return self.headers.get(name)

    def json(self) -> Any:
        """The body parsed as JSON (``{}`` when empty); raises ``ValueError`` when malformed."""
        if not self.body.strip():
            return {}
        return json.loads(self.body)


@dataclass
class Response:
    """What an app returns. ``body`` may be an iterable of byte chunks, then ``length`` is required."""

    status: int
    body: bytes | Iterable[bytes] = b""
    content_type: str | None = JSON_TYPE
    headers: list[tuple[str, str]] = field(default_factory=list)
    length: int | None = None
    drop_after: int | None = None
    throttle: int | None = None
    on_sent: Callable[[int], None] | None = None


def json_response(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    """A compact UTF-8 JSON response."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, JSON_TYPE, list(headers or []))


def html_response(status: int, html: str) -> Response:
    """A ``text/html`` response."""
    return Response(status, html.encode("utf-8"), HTML_TYPE)


class EmulatorServer(ThreadingHTTPServer):
    """A threading HTTP server that remembers open connections so ``stop`` can close them."""

    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: Callable[[Request], Response], label: str) -> None:
        self.app = app
        self.label = label
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, Handler)

    def track(self, conn: socket.socket, active: bool) -> None:
        """Add or remove an open client connection."""
        with self._connections_lock:
            if active:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def wake(self) -> None:
        """Poke the listening socket so a pending ``shutdown()`` is noticed at once, not at the next poll."""
        host, port = self.server_address[:2]
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
            pass

    def close_connections(self) -> None:
        """Shut down every open client connection (used when stopping)."""
        with self._connections_lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class Handler(BaseHTTPRequestHandler):
    """Parses requests for an ``EmulatorServer`` app and writes its responses."""

    protocol_version = "HTTP/1.1"
    server_version = "ZoomEmulator/1.0"
    sys_version = ""
    timeout = 120
    server: EmulatorServer

    def version_string(self) -> str:
        """The ``Server`` header value."""
        return self.server_version

    def setup(self) -> None:
        """Register the connection with the server."""
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        """Unregister the connection."""
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def do_GET(self) -> None:
        """Handle GET."""
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def _handle(self) -> None:
        started = time.monotonic()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_REQUEST_BODY:
            self.close_connection = True
            self._send(json_response(400, {"code": 300, "message": "Bad Content-Length."}))
            return
        body = self.rfile.read(length) if length else b""
        raw_path, _, query_string = self.path.partition("?")
        query = {k: v[0] for k, v in parse_qs(query_string, keep_blank_values=True).items()}
        request = Request(self.command, raw_path, query, self.headers, body)
        try:
            response = self.server.app(request)
        except Exception:
            errors_log.exception("%s: error handling %s %s", self.server.label, self.command, raw_path)
            response = json_response(500, {"code": 500, "message": "Internal Error"})
        sent = self._send(response)
        log.info(
            "%s %s %s %d %d %.0fms",
            self.server.label,
            self.command,
            raw_path,
            response.status,
            sent,
            (time.monotonic() - started) * 1000,
        )

    def _send(self, response: Response) -> int:
        body = response.body
        length = response.length
        if length is None:
            if not isinstance(body, bytes | bytearray):
                raise ValueError("streamed responses need a length")
            length = len(body)
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if self.command == "HEAD" or not length:
            return 0
        chunks = [body] if isinstance(body, bytes | bytearray) else body
        try:
            sent = self._write_body(chunks, response)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True
            return 0
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        if response.on_sent is not None:
            response.on_sent(sent)
        return sent

    def _write_body(self, chunks: Iterable[bytes], response: Response) -> int:
        sent = 0
        started = time.monotonic()
        for chunk in chunks:
            if response.drop_after is not None and sent + len(chunk) >= response.drop_after:
                self.wfile.write(chunk[: response.drop_after - sent])
                sent = response.drop_after
                self._abort()
                break
            self.wfile.write(chunk)
            sent += len(chunk)
            if response.throttle:
                ahead = sent / response.throttle - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
        return sent

    def _abort(self) -> None:
        """Close the connection mid-body (the client sees fewer bytes than Content-Length)."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silence the default access line (it contains the query string); ``_handle`` logs instead."""

    def log_error(self, format: str, *args: Any) -> None:
        """Log protocol errors without echoing the request line (it may carry tokens)."""
        errors_log.debug("%s: rejected a malformed or timed-out request", self.server.label)
