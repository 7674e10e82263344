"""Command line: ``python -m zoom_emulator --api-port 9010 --cdn-port 9011 --seed demo``.

Prints ``zoom-emulator api=http://127.0.0.1:PORT cdn=http://localhost:PORT`` once listening, writes the
``--ready-file`` JSON if asked, and stops cleanly on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Any

from zoom_emulator.seeds import SEED_NAMES
from zoom_emulator.server import ZoomEmulator


def _config_arg(text: str) -> dict[str, Any]:
    """``--config`` value: inline JSON, or ``@path`` to a JSON file."""
    raw = Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("--config must be a JSON object")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    parser = argparse.ArgumentParser(prog="zoom-emulator", description="Zoom API + recording CDN emulator.")
    parser.add_argument("--api-port", type=int, default=9010, help="API port (0 picks a free one)")
    parser.add_argument("--cdn-port", type=int, default=9011, help="CDN port (0 picks a free one)")
    parser.add_argument("--bind", default="127.0.0.1", help="address both listeners bind to")
    parser.add_argument("--api-host-name", default="127.0.0.1", help="host name in API URLs")
    parser.add_argument("--cdn-host-name", default="localhost", help="host name in CDN URLs")
    parser.add_argument("--seed", default="demo", choices=SEED_NAMES)
    parser.add_argument("--today", type=date.fromisoformat, help="pretend today is YYYY-MM-DD (UTC)")
    parser.add_argument("--config", type=_config_arg, default={}, help="settings as JSON or @file.json")
    parser.add_argument("--ready-file", type=Path, help="write the URLs/ports as JSON here once listening")
    parser.add_argument("--client-id", help="shortcut for config client_id")
    parser.add_argument("--client-secret", help="shortcut for config client_secret")
    parser.add_argument("--account-id", help="shortcut for config account_id")
    parser.add_argument("--bench-users", type=int)
    parser.add_argument("--bench-inactive-fraction", type=float)
    parser.add_argument("--bench-meetings", type=int)
    parser.add_argument("--bench-days", type=float)
    parser.add_argument("--bench-file-size", type=int)
    parser.add_argument(
        "--seed-params", type=_config_arg, default={}, help="seed parameters as JSON or @file.json (backlog, mix)"
    )
    parser.add_argument("--log-level", default="INFO", help="access-log level (WARNING silences it)")
    return parser


def _write_ready_file(path: Path, emu: ZoomEmulator) -> None:
    payload = {"api_url": emu.api_url, "cdn_url": emu.cdn_url, "api_port": emu.api_port, "cdn_port": emu.cdn_port}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload), encoding="utf-8")
    os.replace(tmp, path)


def _config(args: argparse.Namespace) -> dict[str, Any]:
    """``--config`` with the ``--client-id``/``--client-secret``/``--account-id`` shortcuts applied."""
    config = dict(args.config)
    for key in ("client_id", "client_secret", "account_id"):
        if getattr(args, key):
            config[key] = getattr(args, key)
    return config


def _bench_params(args: argparse.Namespace) -> dict[str, Any]:
    """The ``bench`` seed's parameters given as ``--bench-*`` options."""
    bench = {
        "users": args.bench_users,
        "inactive_fraction": args.bench_inactive_fraction,
        "meetings": args.bench_meetings,
        "days": args.bench_days,
        "file_size": args.bench_file_size,
    }
    return {k: v for k, v in bench.items() if v is not None}


def main(argv: list[str] | None = None) -> int:
    """Console entry point (``zoom-emulator``)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    try:
        emu = ZoomEmulator(
            args.seed,
            api_port=args.api_port,
            cdn_port=args.cdn_port,
            bind=args.bind,
            api_host_name=args.api_host_name,
            cdn_host_name=args.cdn_host_name,
            config=_config(args),
            today=args.today,
            seed_params={**(_bench_params(args) if args.seed == "bench" else {}), **args.seed_params} or None,
        ).start()
    except (ValueError, OSError) as exc:
        print(f"zoom-emulator: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    print(f"zoom-emulator api={emu.api_url} cdn={emu.cdn_url}", flush=True)
    if args.ready_file:
        _write_ready_file(args.ready_file, emu)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
