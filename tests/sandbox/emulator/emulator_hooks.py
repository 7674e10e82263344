"""A local webhook receiver for the emulator's tests, and Zoom's signature rule checked independently.

Zoom signs ``"v0:" + x-zm-request-timestamp + ":" + body`` with HMAC-SHA256 under the secret token and sends
``x-zm-signature: v0=<hex>`` (https://developers.zoom.us/docs/api/webhooks/); the body is compact JSON.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET = "emulator-webhook-secret"


class Receiver:
    """Answers every POST with 200 and keeps ``(headers, body)``."""

    def __init__(self) -> None:
        self.got: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/zoom/webhook"

    def events(self) -> list[dict[str, Any]]:
        """Every event received, each checked: signed with :data:`SECRET` and sent as compact JSON."""
        out = []
        for headers, body in self.got:
            message = b"v0:" + headers["x-zm-request-timestamp"].encode() + b":" + body
            expected = "v0=" + hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(headers["x-zm-signature"], expected)
            event = json.loads(body)
            assert body == json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
            out.append(event)
        return out

    def named(self, name: str) -> list[dict[str, Any]]:
        """The received events called ``name``."""
        return [e for e in self.events() if e["event"] == name]


def hook(client: Any, receiver: Receiver) -> None:
    """Point the emulator's webhooks at ``receiver`` (automatic events on)."""
    config = {"url": receiver.url, "secret_token": SECRET, "retry_delays": [0.05], "auto": True}
    client.control("POST", "webhooks/config", config)


def settle(client: Any) -> None:
    """Wait until every delivery ended."""
    assert client.emu.state.webhooks.wait(10)
