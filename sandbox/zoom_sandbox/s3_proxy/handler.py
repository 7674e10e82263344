"""The proxy's HTTP server and handler, built on ``zoom_emulator.httpbase``.

Every S3 request is forwarded unchanged to the upstream endpoint, unless the fault plan picks a fault for it;
``/_proxy/`` requests go to the control app through httpbase's own request handling. One access line per S3
request (``operation method path outcome duration``), never with the query string.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import socket
import ssl
import struct
import time
from typing import Any
from urllib.parse import urlsplit

from zoom_emulator.httpbase import EmulatorServer, Handler
from zoom_sandbox.s3_proxy.control import PREFIX, ControlApp
from zoom_sandbox.s3_proxy.faults import FaultPlan, error_response
from zoom_sandbox.s3_proxy.operations import classify

log = logging.getLogger("zoom_sandbox.s3_proxy")

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}
#: Upstream response headers not copied: the handler sets its own framing, ``Server`` and ``Date``.
_NOT_RELAYED = HOP_BY_HOP | {"content-length", "server", "date"}
_CHUNK = 1 << 20


class ProxyServer(EmulatorServer):
    """An ``EmulatorServer`` whose requests are forwarded to ``upstream`` (an ``http://host:port`` URL)."""

    def __init__(
        self, address: tuple[str, int], upstream: str, plan: FaultPlan, *, tls: ssl.SSLContext | None = None
    ) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError("--upstream must be an http://host:port URL")
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port or 80
        self.plan = plan
        self.tls = tls
        super().__init__(address, ControlApp(plan), "s3-fault-proxy")
        self.RequestHandlerClass = ProxyHandler  # httpbase's server always starts with its own handler

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.server_address[1]}"

    def get_request(self) -> tuple[Any, Any]:
        """Accept a connection; with TLS, wrap it (the handshake runs in the connection's own thread)."""
        conn, address = super().get_request()
        if self.tls is not None:
            conn = self.tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        return conn, address


class ProxyHandler(Handler):
    """Forwards S3 requests (or injects the planned fault); hands ``/_proxy/`` to httpbase's app handling."""

    server_version = "S3FaultProxy/1.0"
    timeout = 300
    server: ProxyServer

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(self.timeout)
            self.request.do_handshake()
        super().setup()

    def _handle(self) -> None:
        raw_path = self.path.partition("?")[0]
        if raw_path.startswith(PREFIX):
            super()._handle()
            return
        started = time.monotonic()
        body = self._read_body()
        op, bucket, key, part = classify(self.command, self.path, self.headers)
        self.server.plan.saw_payload(op, self.headers)
        outcome = self._answer(body, op, bucket, key, part)
        log.info("%s %s %s %s %.0fms", op, self.command, raw_path, outcome, (time.monotonic() - started) * 1000)

    def _answer(self, body: bytes, op: str, bucket: str, key: str, part: str) -> str:
        """Inject the planned fault or forward the request; the outcome for the access line."""
        plan = self.server.plan
        fault = plan.decide(op, bucket, key, part)
        if fault in ("500", "503"):
            self._send(error_response(fault, key))
            plan.injected(op, fault, key, part)
        elif fault == "drop":
            plan.injected(op, fault, key, part)
            self._drop()
        else:
            status = self._forward(op, body, drop_response=fault == "drop_after")
            if fault is None:
                return str(status)
            plan.injected(op, fault, key, part)
        return fault

    def _read_body(self) -> bytes:
        """The request body, ``Content-Length`` or chunked (no size limit: parts are large)."""
        if "chunked" not in (self.headers.get("Transfer-Encoding") or "").lower():
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length > 0 else b""
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

    def _drop(self) -> None:
        """Close the connection without a response: reset at once (``SO_LINGER`` 0), the client sees it closed."""
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._abort()

    def _forward(self, op: str, body: bytes, *, drop_response: bool) -> int:
        """Send the request upstream and relay (or, with ``drop_response``, lose) the answer; its status."""
        conn = http.client.HTTPConnection(self.server.upstream_host, self.server.upstream_port, timeout=300)
        try:
            try:
                conn.request(self.command, self.path, body=body or None, headers=self._upstream_headers(body))
                response = conn.getresponse()
            except OSError as exc:
                log.warning("upstream unreachable for %s: %s", op, type(exc).__name__)
                self._send(error_response("503", ""))
                return 503
            self.server.plan.upstream(op, response.status)
            if drop_response:
                response.read()
                self._drop()
            else:
                self._relay(response)
            return response.status
        finally:
            conn.close()

    def _upstream_headers(self, body: bytes) -> dict[str, str]:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "expect"}
        headers["Content-Length"] = str(len(body))
        if not body and self.command in ("GET", "HEAD", "DELETE"):
            headers.pop("Content-Length", None)
        return headers

    def _relay(self, response: http.client.HTTPResponse) -> None:
        """Copy S3's status line, headers and body (streamed when its length is known) to the client."""
        length = response.getheader("Content-Length")
        self.send_response(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in _NOT_RELAYED:
                self.send_header(name, value)
        if self.command == "HEAD":
            if length is not None:
                self.send_header("Content-Length", length)
            self.end_headers()
            return
        if length is None:
            data = response.read()
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.send_header("Content-Length", length)
        self.end_headers()
        while chunk := response.read(_CHUNK):
            self.wfile.write(chunk)
