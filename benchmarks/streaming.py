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
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.https_endpoint import HttpsEndpoint
from benchmarks.measure import KIB, MB, MIB, ChildRun, child_env, run_child, size_label, start_stack

MODES = ("archive", "download", "upload", "blog")
#: Run again, each round, against a second moto serving HTTPS (its own CA, verification on): botocore's default
#: production path, uploads ``aws-chunked`` with a CRC32 trailer. The download leg is the same as over HTTP.
HTTPS_MODES = ("archive", "upload")
LABELS = {
    "archive": "archive (ours: streamed)",
    "download": "download alone → /dev/null",
    "upload": "upload alone (same bytes, generated)",
    "blog": "blog: temp file, then upload",
    "baseline": "archive of a 1 KiB file (baseline)",
    "archive_https": "archive over HTTPS (TLS, CRC32 trailer)",
    "upload_https": "upload alone over HTTPS (TLS, CRC32 trailer)",
}
ORDER = ["baseline", *MODES, *(f"{m}_https" for m in HTTPS_MODES)]


@dataclass
class Measured:
    """One case's runs (one per round)."""

    mode: str
    size: int
    throttled: bool
    runs: list[ChildRun]

    def median(self, key: str) -> float | None:
        values = [r.payload[key] for r in self.runs if r.payload.get(key) is not None]
        return statistics.median(values) if values else None

    @property
    def seconds(self) -> float | None:
        return self.median("seconds")

    def by_round(self) -> dict[int, float]:
        """Wall seconds of each complete round."""
        return {r.payload["round"]: r.payload["seconds"] for r in self.runs if r.payload.get("seconds") is not None}

    @property
    def best(self) -> float | None:
        values = [r.payload["seconds"] for r in self.runs if r.payload.get("seconds") is not None]
        return min(values) if values else None

    @property
    def mb_per_s(self) -> float | None:
        seconds = self.best
        return self.size / seconds / MB if seconds else None

    @property
    def peak_rss(self) -> int | None:
        return max((r.peak_rss for r in self.runs), default=None)

    @property
    def write_bytes(self) -> int | None:
        return max((r.write_bytes for r in self.runs), default=None)

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.returncode == 0 and r.payload.get("bytes") == self.size for r in self.runs)


def _cpu(service: Any) -> float:
    """CPU seconds used so far by a service process (moto, the emulator)."""
    import psutil

    times = psutil.Process(service.proc.pid).cpu_times()
    return times.user + times.system


def add_file(stack: Any, size: int, topic: str) -> dict[str, Any]:
    """Add a meeting with one MP4 of ``size`` bytes to the emulator; return its planned file (as a dict)."""
    from zoom_archiver.keys import DEFAULT_KEY_TEMPLATE
    from zoom_archiver.planning import Filters, Planner
    from zoom_archiver.windows import Window

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
    measured: dict[tuple[str, int, bool], Measured] = {}
    errors: list[str] = []
    throttle_size, throttle = min(sizes), None

    def run(mode: str, planned: dict[str, Any], throttled: bool = False, round_index: int = 0,
            discard: bool = False, over_https: bool = False) -> None:  # fmt: skip
        size = planned["file_size"]
        s3_service = secure.s3 if over_https and secure else stack.s3
        services = (("s3", s3_service), ("zoom", stack.zoom))
        before = {name: _cpu(service) for name, service in services}
        spec = json.dumps({"mode": mode, "file": planned})
        child = run_child(["-m", "benchmarks.stream_child", spec], env=secure.env if over_https and secure else env)
        for name, service in services:
            child.payload[f"{name}_cpu_seconds"] = _cpu(service) - before[name]
        child.payload["round"] = round_index
        (secure if over_https and secure else stack).empty_bucket()
        if over_https:
            mode = f"{mode}_https"
        if discard:
            log(f"  (warm-up) {mode:8} {size_label(size):>8}: {child.payload.get('seconds')} s")
            return
        key = ("baseline" if size == KIB else mode, size, throttled)
        measured.setdefault(key, Measured(key[0], size, throttled, [])).runs.append(child)
        if child.returncode != 0 or child.payload.get("bytes") != size:
            errors.append(f"{mode} {size_label(size)}: exit {child.returncode}: {child.stderr_tail[-400:]}")
        seconds = child.payload.get("seconds")
        log(f"  {mode:8} {size_label(size):>8}{' throttled' if throttled else ''}: "
            f"{seconds if seconds is None else round(seconds, 2)} s, peak RSS {child.peak_rss // MIB} MiB, "
            f"disk writes {child.write_bytes} B")  # fmt: skip

    try:
        small = add_file(stack, KIB, "Bench 1 KiB")
        files = {size: add_file(stack, size, f"Bench {size_label(size)}") for size in sizes}
        if warmup:
            run("archive", small)  # warms the page cache and AIRFLOW_HOME; discarded below
            measured.clear()
        for size in sorted(sizes):
            if warmup:
                # one discarded upload of this size first: the first object this big in a fresh moto ran slowest
                # (1.4-1.6x), so no measured case starts against a cold endpoint
                run("upload", files[size], discard=True)
                if secure is not None:
                    run("upload", files[size], discard=True, over_https=True)
            for index in range(rounds.get(size, 1)):
                run("archive", small, round_index=index)
                order = MODES[index % len(MODES) :] + MODES[: index % len(MODES)]
                for mode in order:
                    run(mode, files[size], round_index=index)
                if secure is not None:
                    for mode in HTTPS_MODES[index % 2 :] + HTTPS_MODES[: index % 2]:
                        run(mode, files[size], round_index=index, over_https=True)
            if size != throttle_size or throttle_rounds <= 0:
                continue
            # Matched legs: cap the CDN at the speed the upload leg alone takes bytes in (until its last part is
            # stored; the endpoint's CompleteMultipartUpload comes after every byte and overlaps nothing).
            upload = measured.get(("upload", size, False))
            parts = upload.median("parts_seconds") if upload else None
            throttle = int(size / parts) if parts else None
            if not throttle:
                continue
            stack.emulator("POST", "config", json={"cdn_throttle_bytes_per_second": throttle})
            for index in range(throttle_rounds):
                order = ("archive", "blog", "download") if index % 2 == 0 else ("blog", "download", "archive")
                for mode in order:
                    run(mode, files[size], throttled=True, round_index=index)
            stack.emulator("POST", "config", json={"cdn_throttle_bytes_per_second": None})
    finally:
        stack.stop()
        if secure is not None:
            secure.s3.stop()
    return {"measured": measured, "sizes": sizes, "throttle": throttle, "throttle_size": throttle_size,
            "errors": errors}  # fmt: skip


def _round(run: ChildRun) -> int:
    return run.payload.get("round", -1)


def paired(archive: Measured | None, *others: Measured | None) -> list[float]:
    """Per round: the archive's wall ÷ the slowest of the others in the same round (they ran back to back)."""
    if archive is None or any(o is None for o in others):
        return []
    rounds = [m.by_round() for m in (archive, *others)]  # type: ignore[union-attr]
    common = sorted(set(rounds[0]).intersection(*rounds[1:]))
    return [rounds[0][r] / max(other[r] for other in rounds[1:]) for r in common]


def baseline_rss(result: dict[str, Any]) -> int | None:
    runs = [r.peak_rss for (mode, _, _), m in result["measured"].items() if mode == "baseline" for r in m.runs]
    return int(statistics.median(runs)) if runs else None


def get(result: dict[str, Any], mode: str, size: int, throttled: bool = False) -> Measured | None:
    return result["measured"].get((mode, size, throttled))


def markdown(result: dict[str, Any]) -> str:
    from benchmarks.measure import fmt, markdown_table

    base = baseline_rss(result)
    rows = []
    keys = sorted(result["measured"], key=lambda k: (k[1], k[2], ORDER.index(k[0])))
    for mode, size, throttled in keys:
        m = result["measured"][(mode, size, throttled)]
        label = LABELS[mode] + (" — CDN throttled to the upload speed" if throttled else "")
        rss = m.peak_rss
        rows.append([
            label, size_label(size), fmt(len(m.runs)), fmt(m.seconds, 2), fmt(m.best, 2), fmt(m.mb_per_s),
            fmt(rss / MIB if rss else None), fmt((rss - base) / MIB if rss and base else None),
            fmt(m.median("parts_seconds"), 2), fmt(m.median("complete_seconds"), 2), fmt(m.write_bytes),
            " / ".join(fmt(m.median(f"{k}cpu_seconds")) for k in ("", "s3_", "zoom_")), "yes" if m.ok else "**no**",
        ])  # fmt: skip
    header = ["case", "file", "runs", "wall s (median)", "wall s (best)", "MB/s (best)", "peak RSS MiB (max)",
              "RSS over 1 KiB archive MiB", "last part stored at s", "S3 complete s",
              "bytes written to local disk (max)", "CPU s: ours / moto / emulator", "complete"]  # fmt: skip
    throttle = result.get("throttle")
    note = (
        f"Throttled cases: the emulator's CDN capped at {throttle / MB:.1f} MB/s, the speed at which the upload "
        f"alone of the {size_label(result['throttle_size'])} file took bytes in (size ÷ time to its last stored "
        "part), so both legs stream at the same speed."
        if throttle
        else "Throttled cases not run (no upload speed measured)."
    )
    return (
        "Emulator CDN host (`localhost`) → moto's S3 server (`127.0.0.1`), each case in a fresh child process, "
        "rounds interleaved, after one discarded warm-up upload per size; the S3 client signs as botocore does "
        "against AWS over HTTPS (no SHA-256 of the "
        "payload, CRC32 checksums on), for every case. Wall time covers the transfer only (imports, token and S3 "
        "client creation excluded); "
        "the targets compare the cases round by round (each round runs them back to back) and take the median of "
        "those per-round ratios; MB = 10^6 bytes (from the best round); CPU is the transfer's, per process "
        "(medians). Peak RSS is "
        "the child's kernel high-water mark (`wait4`); bytes written are the child process tree's `write_bytes`. "
        "*Last part stored at* is when the upload's last part was acknowledged (medians; for the archive: when "
        "the streaming ended); *S3 complete* is the `CompleteMultipartUpload` call that follows, inside the wall "
        "time: moto assembles the object in Python (copies every byte and writes it to its temp files) after the "
        f"last byte arrived, so no method can overlap it. {note}{HTTPS_NOTE if _has_https(result) else ''}\n\n"
        + markdown_table(header, rows)
    )


HTTPS_NOTE = (
    " *Over HTTPS* rows: the same file against a second moto server serving TLS with a CA made for the run "
    "(the connection's extra `verify` points at it, verification on) and botocore's defaults, as against AWS: every "
    "part sent `aws-chunked` with a CRC32 trailer; the download leg is the same as over HTTP. moto decodes the "
    "chunked parts and terminates TLS in Python, so that endpoint is slower than the HTTP one: compare the HTTPS "
    "archive with the HTTPS upload alone."
)


def _has_https(result: dict[str, Any]) -> bool:
    return any(mode.endswith("_https") for mode, _, _ in result["measured"])


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """Figures the targets need."""
    base = baseline_rss(result)
    base_writes = max((m.write_bytes or 0 for k, m in result["measured"].items() if k[0] == "baseline"), default=0)
    out: dict[str, Any] = {"baseline_rss": base, "baseline_writes": base_writes, "per_size": {}}
    for size in result["sizes"]:
        archive, download, upload = (get(result, m, size) for m in ("archive", "download", "upload"))
        ratios = paired(archive, download, upload)
        out["per_size"][size] = {
            "ratio": statistics.median(ratios) if ratios else None,
            "ratios": ratios,
            "archive_s": archive.seconds if archive else None,
            "slower_leg_s": max(download.seconds, upload.seconds) if download and upload else None,
            "peak_rss": archive.peak_rss if archive else None,
            "rss_increase": archive.peak_rss - base if archive and archive.peak_rss and base else None,
            "write_bytes": archive.write_bytes if archive else None,
            "ok": bool(archive and archive.ok),
            "https": _https_summary(result, size),
        }
    size = result.get("throttle_size")
    archive_t, blog_t = get(result, "archive", size, True), get(result, "blog", size, True)
    download_t = get(result, "download", size, True)
    ratios = paired(archive_t, blog_t)
    net, floor = [], []
    if archive_t and blog_t:
        downloads = download_t.by_round() if download_t else {}
        blogs = {_round(b): b.payload for b in blog_t.runs}
        for a in archive_t.runs:
            b = blogs.get(_round(a))
            if not b or not a.payload.get("complete_seconds") or not b.get("complete_seconds"):
                continue
            # the endpoint's CompleteMultipartUpload taken out of both walls
            net.append((a.payload["seconds"] - a.payload["complete_seconds"]) / (b["seconds"] - b["complete_seconds"]))
            if _round(a) in downloads:
                # the best any streaming method can do here: the download leg alone, then the endpoint's complete
                floor.append((downloads[_round(a)] + a.payload["complete_seconds"]) / b["seconds"])
    out["throttled"] = {
        "ratio": statistics.median(ratios) if ratios else None,
        "ratios": ratios,
        "net_ratio": statistics.median(net) if net else None,
        "net_ratios": net,
        "floor_ratio": statistics.median(floor) if floor else None,
        "archive_s": archive_t.seconds if archive_t else None,
        "blog_s": blog_t.seconds if blog_t else None,
        "complete_s": archive_t.median("complete_seconds") if archive_t else None,
    }
    by_mode: dict[str, list[int]] = defaultdict(list)
    for (mode, _, _), m in result["measured"].items():
        by_mode[mode].append(m.write_bytes or 0)
    out["blog_writes"] = max(by_mode.get("blog", [0]))
    return out


def _https_summary(result: dict[str, Any], size: int) -> dict[str, Any] | None:
    """The HTTPS rows of ``size``: wall ÷ slower leg alone (the download is the same leg as over HTTP)."""
    archive, upload = get(result, "archive_https", size), get(result, "upload_https", size)
    download, plain = get(result, "download", size), get(result, "archive", size)
    if archive is None:
        return None
    ratios = paired(archive, download, upload)
    return {
        "ratio": statistics.median(ratios) if ratios else None,
        "ratios": ratios,
        "archive_s": archive.seconds,
        "slower_leg_s": max(download.seconds, upload.seconds) if download and upload else None,
        "vs_http": statistics.median(paired(archive, plain)) if plain else None,
        "rss_increase": archive.peak_rss - base if archive.peak_rss and (base := baseline_rss(result)) else None,
        "ok": archive.ok,
    }


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
