"""Command line: ``python -m zoom_sandbox.s3_proxy --upstream http://127.0.0.1:5000 --port 0 --config '{...}'``.

Prints ``s3-fault-proxy <url> -> <upstream>`` once listening, writes the ``--ready-file`` JSON if asked, stops
cleanly on SIGTERM or SIGINT and logs the final counters.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import ssl
import sys
import threading
from pathlib import Path

from zoom_sandbox.s3_proxy.config import ProxyConfig
from zoom_sandbox.s3_proxy.faults import FaultPlan
from zoom_sandbox.s3_proxy.handler import ProxyServer, log


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    parser = argparse.ArgumentParser(
        prog="s3-fault-proxy",
        description="A seeded, fault-injecting HTTP proxy in front of an S3 endpoint (moto's server in the sandbox).",
    )
    parser.add_argument("--upstream", required=True, help="S3 endpoint to forward to, e.g. http://127.0.0.1:5000")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0 picks a free one)")
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--config", default="{}", help="fault configuration as JSON, or @file.json")
    parser.add_argument("--ready-file", type=Path, help="write {url, port} here once listening")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--tls-cert", type=Path, help="serve HTTPS with this PEM certificate chain (with --tls-key)")
    parser.add_argument("--tls-key", type=Path, help="PEM private key of --tls-cert")
    return parser


def _write_ready_file(path: Path, url: str, port: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"url": url, "port": port}))
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM/SIGINT; exits 2 on a bad ``--config``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    raw = Path(args.config[1:]).read_text() if args.config.startswith("@") else args.config
    try:
        config = ProxyConfig.from_json(json.loads(raw))
    except ValueError as exc:
        parser.error(f"--config: {exc}")
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    tls = None
    if args.tls_cert is not None:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(str(args.tls_cert), str(args.tls_key))
    server = ProxyServer((args.bind, args.port), args.upstream, FaultPlan(config), tls=tls)
    port = server.server_address[1]
    url = server.url
    if args.ready_file:
        _write_ready_file(args.ready_file, url, port)
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
