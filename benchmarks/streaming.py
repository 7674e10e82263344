"""Streaming: big files from the emulator's CDN host to the local S3 endpoint, next to each leg alone and the blog.

Every case runs in a fresh child process (``benchmarks.stream_child``), against the same emulator and moto
server, interleaved round by round so a noisy neighbour hits every case alike. Per case: the transfer's wall
time (measured in the child, imports excluded), MB/s (10^6 bytes/s), the child's peak RSS (``wait4``
high-water mark), the same minus the peak of the same child archiving a 1 KiB file, and the bytes the child's
process tree wrote to local disk (``write_bytes``). The throttled cases cap the CDN at the measured upload
speed, so both legs run at the same speed and the overlap shows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.https_endpoint import HttpsEndpoint
from benchmarks.measure import KIB, MIB, ChildRun, Stack, child_env, run_child, size_label, start_stack
from benchmarks.streaming_report import HTTPS_MODES, MODES, Measured, markdown, summary


def _cpu(service: Any) -> float:
    """CPU seconds used so far by a service process (moto, the emulator)."""
    import psutil

    times = psutil.Process(service.proc.pid).cpu_times()
    return times.user + times.system


def add_file(stack: Any, size: int, topic: str) -> dict[str, Any]:
    """Add a meeting with one MP4 of ``size`` bytes to the emulator; return its planned file (as a dict)."""
    from zoom_archiver.dates import Window
    from zoom_archiver.discover.planning import Filters, Planner
    from zoom_archiver.keys import DEFAULT_KEY_TEMPLATE

    meeting = stack.emulator("POST", "meetings", json={
        "host_email": "owner@example.com", "topic": topic,
        "recording_files": [{"file_type": "MP4", "file_size": size}],
    })  # fmt: skip
    day = date.fromisoformat(meeting["start_time"][:10])
    planner = Planner(window=Window(day, day), filters=Filters(), template=DEFAULT_KEY_TEMPLATE, prefix="zoom")
    planner.add(meeting, {"email": "owner@example.com", "id": meeting["host_id"]})
    return planner.plan.files[0].to_dict()


def https_like_signing(env: dict[str, str]) -> dict[str, str]:
    """The S3 connection signing requests as botocore does against AWS over HTTPS: no SHA-256 of the payload.

    Over plain HTTP (the local endpoint) botocore also hashes every body for its SigV4 signature, a CPU cost
    (~0.8 s per GiB here) that production's HTTPS endpoints don't charge: there the CRC32 checksum guards the
    bytes. Every case gets the same connection.
    """
    aws = json.loads(env["AIRFLOW_CONN_AWS_DEFAULT"])
    aws.setdefault("extra", {})["config_kwargs"] = {"s3": {"payload_signing_enabled": False}}
    return {**env, "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(aws)}


@dataclass
class _Cases:
    """The running services and what the cases measured so far."""

    stack: Stack
    secure: HttpsEndpoint | None
    env: dict[str, str]
    log: Any
    measured: dict[tuple[str, int, bool], Measured] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def run(self, mode: str, planned: dict[str, Any], throttled: bool = False, round_index: int = 0,
            discard: bool = False, over_https: bool = False) -> None:  # fmt: skip
        """Run one case in a fresh child, keep its figures and log them (a ``discard`` warm-up is only logged)."""
        size = planned["file_size"]
        child = self._child(mode, planned, round_index, over_https)
        if over_https:
            mode = f"{mode}_https"
        if discard:
            self.log(f"  (warm-up) {mode:8} {size_label(size):>8}: {child.payload.get('seconds')} s")
            return
        key = ("baseline" if size == KIB else mode, size, throttled)
        self.measured.setdefault(key, Measured(key[0], size, throttled, [])).runs.append(child)
        if child.returncode != 0 or child.payload.get("bytes") != size:
            self.errors.append(f"{mode} {size_label(size)}: exit {child.returncode}: {child.stderr_tail[-400:]}")
        seconds = child.payload.get("seconds")
        self.log(f"  {mode:8} {size_label(size):>8}{' throttled' if throttled else ''}: "
                 f"{seconds if seconds is None else round(seconds, 2)} s, peak RSS {child.peak_rss // MIB} MiB, "
                 f"disk writes {child.write_bytes} B")  # fmt: skip

    def _child(self, mode: str, planned: dict[str, Any], round_index: int, over_https: bool) -> ChildRun:
        """``benchmarks.stream_child`` in ``mode``, with the services' CPU over its run; empties the bucket after."""
        secure = self.secure if over_https else None
        services = (("s3", secure.s3 if secure else self.stack.s3), ("zoom", self.stack.zoom))
        before = {name: _cpu(service) for name, service in services}
        spec = json.dumps({"mode": mode, "file": planned})
        child = run_child(["-m", "benchmarks.stream_child", spec], env=secure.env if secure else self.env)
        for name, service in services:
            child.payload[f"{name}_cpu_seconds"] = _cpu(service) - before[name]
        child.payload["round"] = round_index
        (secure or self.stack).empty_bucket()
        return child


def run_streaming(
    workdir: Path, *, sizes: list[int], rounds: dict[int, int], throttle_rounds: int, warmup: bool = True,
    log: Any = print, https: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """Run every case; the throttled cases use the smallest big size. ``https``: the HTTPS rows too."""
    stack = start_stack(workdir / "logs")
    env = child_env({**https_like_signing(stack.env), "PYTHONDONTWRITEBYTECODE": "1"}, workdir / "home")
    try:
        secure = HttpsEndpoint(workdir, stack) if https else None
    except BaseException:
        stack.stop()
        raise
    cases = _Cases(stack, secure, env, log)
    throttle_size, throttle = min(sizes), None
    try:
        small = add_file(stack, KIB, "Bench 1 KiB")
        files = {size: add_file(stack, size, f"Bench {size_label(size)}") for size in sizes}
        if warmup:
            cases.run("archive", small)  # warms the page cache and AIRFLOW_HOME; discarded below
            cases.measured.clear()
        for size in sorted(sizes):
            _rounds(cases, small, files[size], rounds.get(size, 1), warmup)
            if size == throttle_size and throttle_rounds > 0:
                throttle = _throttled(cases, size, files[size], throttle_rounds)
    finally:
        stack.stop()
        if secure is not None:
            secure.s3.stop()
    return {"measured": cases.measured, "sizes": sizes, "throttle": throttle, "throttle_size": throttle_size,
            "errors": cases.errors}  # fmt: skip


def _rounds(cases: _Cases, small: dict[str, Any], planned: dict[str, Any], count: int, warmup: bool) -> None:
    """``count`` rounds of every case on one file, each round in another order (the 1 KiB archive first)."""
    if warmup:
        # one discarded upload of this size first: the first object this big in a fresh moto ran slowest
        # (1.4-1.6x), so no measured case starts against a cold endpoint
        cases.run("upload", planned, discard=True)
        if cases.secure is not None:
            cases.run("upload", planned, discard=True, over_https=True)
    for index in range(count):
        cases.run("archive", small, round_index=index)
        order = MODES[index % len(MODES) :] + MODES[: index % len(MODES)]
        for mode in order:
            cases.run(mode, planned, round_index=index)
        if cases.secure is not None:
            for mode in HTTPS_MODES[index % 2 :] + HTTPS_MODES[: index % 2]:
                cases.run(mode, planned, round_index=index, over_https=True)


def _throttled(cases: _Cases, size: int, planned: dict[str, Any], throttle_rounds: int) -> int | None:
    """The matched-leg rounds; return the CDN cap they ran at (``None``/0: no upload speed measured, not run)."""
    # Matched legs: cap the CDN at the speed the upload leg alone takes bytes in (until its last part is
    # stored; the endpoint's CompleteMultipartUpload comes after every byte and overlaps nothing).
    upload = cases.measured.get(("upload", size, False))
    parts = upload.median("parts_seconds") if upload else None
    throttle = int(size / parts) if parts else None
    if not throttle:
        return throttle
    cases.stack.emulator("POST", "config", json={"cdn_throttle_bytes_per_second": throttle})
    for index in range(throttle_rounds):
        order = ("archive", "blog", "download") if index % 2 == 0 else ("blog", "download", "archive")
        for mode in order:
            cases.run(mode, planned, throttled=True, round_index=index)
    cases.stack.emulator("POST", "config", json={"cdn_throttle_bytes_per_second": None})
    return throttle


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.streaming --size-mib 256 --rounds 3``: the streaming section alone, HTTP and HTTPS."""
    import argparse
    import shutil
    import tempfile

    from benchmarks.measure import MIB as _MIB

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--throttle-rounds", type=int, default=0, help="matched-leg rounds (0: none)")
    parser.add_argument("--no-https", action="store_true")
    args = parser.parse_args(argv)
    size = args.size_mib * _MIB
    workdir = Path(tempfile.mkdtemp(prefix="zoom-bench-streaming-"))
    try:
        result = run_streaming(workdir, sizes=[size], rounds={size: args.rounds}, throttle_rounds=args.throttle_rounds,
                               https=not args.no_https)  # fmt: skip
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(markdown(result))
    print(json.dumps(summary(result)["per_size"], indent=2, default=str))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
