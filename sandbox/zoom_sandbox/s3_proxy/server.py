"""Running the proxy: :class:`S3FaultProxy` in a daemon thread (tests), :func:`start_s3_proxy` as a process."""

from __future__ import annotations

import json
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from zoom_sandbox.s3_proxy.config import ProxyConfig
from zoom_sandbox.s3_proxy.faults import FaultPlan
from zoom_sandbox.s3_proxy.handler import ProxyServer
from zoom_sandbox.tls import SandboxTLS

LOG_NAME = "s3-fault-proxy.log"


class S3FaultProxy:
    """The proxy in a daemon thread (tests): ``with S3FaultProxy(upstream, config) as proxy: proxy.url``."""

    def __init__(
        self, upstream: str, config: dict[str, Any] | None = None, *, port: int = 0, tls: SandboxTLS | None = None
    ) -> None:
        self.plan = FaultPlan(ProxyConfig.from_json(config or {}))
        context = tls.server_context() if tls else None
        self.server = ProxyServer(("127.0.0.1", port), upstream, self.plan, tls=context)
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
        """Replace the whole configuration (like ``POST /_proxy/config`` with every key)."""
        self.plan.configure(ProxyConfig.from_json(config))

    def stats(self) -> dict[str, Any]:
        """The ``/_proxy/stats`` counters."""
        return self.plan.snapshot()

    def __enter__(self) -> S3FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_s3_proxy(
    log_dir: Path, upstream: str, config: dict[str, Any] | None = None, *, tls: SandboxTLS | None = None
):
    """Start the proxy as a process (like the other sandbox services); returns a ``Service``.

    With ``tls`` it serves HTTPS with the sandbox certificate (clients trust ``tls.ca_path``).
    """
    from zoom_sandbox.services import Service, _spawn, wait_http, wait_ready_file

    ready = Path(tempfile.mkdtemp(prefix="s3-fault-proxy-")) / "ready.json"
    cmd = [sys.executable, "-m", "zoom_sandbox.s3_proxy", "--upstream", upstream, "--port", "0"]
    cmd += ["--config", json.dumps(config or {}), "--ready-file", str(ready)]
    if tls is not None:
        cmd += ["--tls-cert", str(tls.cert_path), "--tls-key", str(tls.key_path)]
    log_path = log_dir / LOG_NAME
    proc = _spawn(cmd, log_path)
    url = wait_ready_file(proc, ready, "the S3 fault proxy", log_path)["url"]
    wait_http(f"{url}/_proxy/health", proc=proc, verify=str(tls.ca_path) if tls else True)
    return Service("s3-fault-proxy", proc, url, log_path)
