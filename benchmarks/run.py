"""``python -m benchmarks.run [--smoke] [--out PATH]``: run the benchmarks, print the Markdown report, write it.

The full run (``make bench``, 20–30 minutes) measures 1 GiB and 4 GiB files, a 1,000-user account and 300 small
files; ``--smoke`` (``make bench-smoke``, CI) runs the same code with tiny sizes so the script keeps working.
Progress goes to stderr; the report to stdout and ``--out``.
"""

from __future__ import annotations

import argparse
import pickle
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import dag_import, discovery, discovery_limits, small_files, streaming, streaming_report
from benchmarks.discovery import DiscoveryCase
from benchmarks.measure import GIB, MIB, Target, fmt, machine_info, markdown_table, size_label

SECTIONS = ("streaming", "discovery", "discovery_limits", "dag_import", "small_files")
RATE_LIMIT = 20  # Zoom's per-second limit for Medium APIs (Pro)
BENCH_RATE = 19.0  # the connection's max_requests_per_second in the benchmark: 95% of the limit
LATENCY = 0.1  # emulated API round trip for the "realistic latency" cases

FULL: dict[str, Any] = {
    "sizes": [1 * GIB, 4 * GIB], "rounds": {1 * GIB: 7, 4 * GIB: 2}, "throttle_rounds": 7, "warmup": True,
    "users": 1000, "meetings": 10000, "days": 180,
    "cases": [
        DiscoveryCase(f"ours: ZoomClient, cap {BENCH_RATE:g}/s, 4 workers", "product", 0.0, BENCH_RATE),
        DiscoveryCase("plain serial loop, no cap, sleep 1 s on 429", "serial", 0.0),
        DiscoveryCase(f"ours: ZoomClient, cap {BENCH_RATE:g}/s, 4 workers", "product", LATENCY, BENCH_RATE),
        DiscoveryCase("plain serial loop, no cap, sleep 1 s on 429", "serial", LATENCY),
        DiscoveryCase("ours with the product defaults (zoom_plan pro)", "product", LATENCY),
    ],
    "limits_cases": discovery_limits.FULL_CASES,
    "cold_pairs": 7, "warm_repeats": 41, "small_files": 300, "page_size": 100,
}  # fmt: skip
SMOKE: dict[str, Any] = {
    **FULL,
    "sizes": [16 * MIB, 32 * MIB], "rounds": {}, "throttle_rounds": 1, "warmup": False,
    "users": 30, "meetings": 100, "cases": FULL["cases"][:2], "limits_cases": discovery_limits.SMOKE_CASES[1:],
    "cold_pairs": 1, "warm_repeats": 5, "small_files": 10, "page_size": 4,  # pages the task list too
}  # fmt: skip


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _ratios(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values) or "n/a"


def targets(results: dict[str, Any]) -> list[Target]:
    out: list[Target] = []
    stream = results.get("streaming")
    if stream:
        s = streaming_report.summary(stream)
        sizes = stream["sizes"]
        for size in sizes:
            p = s["per_size"][size]
            out.append(Target(f"streaming {size_label(size)}: wall ÷ slower leg alone", "≤ 1.15",
                              f"{fmt(p['ratio'], 2)} (per round: {_ratios(p['ratios'])}; medians {fmt(p['archive_s'])} "
                              f"s vs {fmt(p['slower_leg_s'])} s)",
                              p["ratio"] is not None and p["ratio"] <= 1.15 and p["ok"]))  # fmt: skip
        for size in sizes:
            h = s["per_size"][size].get("https")
            if h:
                out.append(Target(f"streaming {size_label(size)} over HTTPS: wall ÷ slower leg alone", "≤ 1.15",
                                  f"{fmt(h['ratio'], 2)} (per round: {_ratios(h['ratios'])}; medians "
                                  f"{fmt(h['archive_s'])} s vs {fmt(h['slower_leg_s'])} s; ÷ archive over HTTP: "
                                  f"{fmt(h['vs_http'], 2)})",
                                  h["ratio"] is not None and h["ratio"] <= 1.15 and h["ok"]))  # fmt: skip
        t = s["throttled"]
        label = f"matched leg speeds ({size_label(stream['throttle_size'])}): wall ÷ blog method"
        out.append(Target(label, "≤ 0.70",
                          f"{fmt(t['ratio'], 2)} (per round: {_ratios(t['ratios'])}; medians {fmt(t['archive_s'])} s "
                          f"vs {fmt(t['blog_s'])} s; the best any streaming method can reach on this endpoint, "
                          f"the download alone followed by the endpoint's {fmt(t['complete_s'], 1)} s "
                          f"CompleteMultipartUpload: {fmt(t['floor_ratio'], 2)})",
                          t["ratio"] is not None and t["ratio"] <= 0.70))  # fmt: skip
        out.append(Target(f"{label}, the S3 endpoint's CompleteMultipartUpload left out of both", "≤ 0.70",
                          f"{fmt(t['net_ratio'], 2)} (per round: {_ratios(t['net_ratios'])})",
                          t["net_ratio"] is not None and t["net_ratio"] <= 0.70))  # fmt: skip
        for size in sizes:
            inc = s["per_size"][size]["rss_increase"]
            out.append(Target(f"peak RSS added by the transfer, {size_label(size)}", "≤ 150 MiB",
                              f"{fmt(inc / MIB if inc is not None else None)} MiB",
                              inc is not None and inc <= 150 * MIB))  # fmt: skip
        small, big = s["per_size"][sizes[0]]["peak_rss"], s["per_size"][sizes[-1]]["peak_rss"]
        ratio = big / small if big and small else None
        out.append(Target(f"peak RSS {size_label(sizes[-1])} ÷ {size_label(sizes[0])}", "≤ 1.10",
                          f"{fmt(ratio, 3)} ({fmt(big / MIB if big else None)} vs "
                          f"{fmt(small / MIB if small else None)} MiB)",
                          ratio is not None and ratio <= 1.10))  # fmt: skip
        for size in sizes:
            written = s["per_size"][size]["write_bytes"]
            extra = written - s["baseline_writes"] if written is not None else None
            out.append(Target(f"bytes of the {size_label(size)} file on local disk", "0 (< 1 MiB over the 1 KiB run)",
                              f"{fmt(written)} B written (1 KiB run: {fmt(s['baseline_writes'])} B; blog: "
                              f"{fmt(s['blog_writes'])} B)", extra is not None and extra < MIB))  # fmt: skip
    disc = results.get("discovery")
    if disc:
        for r in disc["rows"]:
            case = r["case"]
            if case.mode != "product":
                continue
            gated = case.rate is None or case.rate >= BENCH_RATE  # None: the product's defaults (zoom_plan pro)
            ok = r["failed"] is None and (not gated or (r["ratio"] is not None and r["ratio"] <= 1.25))
            out.append(Target(f"discovery, {case.label}, {case.latency * 1000:.0f} ms latency: wall ÷ floor",
                              "≤ 1.25, no run failed" if gated else "no run failed (slower by design)",
                              f"{fmt(r['ratio'], 2)} ({fmt(r['seconds'])} s, floor {fmt(r['floor'])} s, "
                              f"{r['rate_limited']} × 429, failed: {r['failed'] or 'no'})", ok))  # fmt: skip
    out += _limits_targets(results.get("discovery_limits"))
    imp = results.get("dag_import")
    if imp:
        for kind, what in (("warm", "one interpreter, median"), ("cold", "first parse in a fresh process, best")):
            delta = imp[f"{kind}_delta_ms"]
            shape, base = imp[f"{kind}_shape_ms"], imp[f"{kind}_empty_ms"]
            airflow_share = shape - base if shape is not None and base is not None else None
            out.append(Target(f"DAG import added over an empty DAG ({what})", "≤ 100 ms",
                              f"{fmt(delta)} ms (same DAG without our package: {fmt(airflow_share)} ms)",
                              delta is not None and delta <= 100))  # fmt: skip
        out.append(Target("network calls at DAG import", "0", fmt(imp["network_calls"]),
                          imp["network_calls"] == 0 and not imp["errors"]))  # fmt: skip
    return out


def _limits_targets(limits: dict[str, Any] | None) -> list[Target]:
    out: list[Target] = []
    for r in (limits or {}).get("rows", []):
        case = r["case"]
        failed = r.get("failed")
        if case.background_share:
            out.append(Target(f"discovery at the limit, {case.label}: no run failed",
                              "no run failed, 429s reported",
                              f"failed: {failed or 'no'}; {fmt(r.get('rate_limited'))} × 429, wall "
                              f"{fmt(r.get('seconds'))} s", failed is None))  # fmt: skip
            continue
        calls, wall = r.get("calls_ratio"), r.get("wall_ratio")
        out.append(Target(f"discovery at the limit, {case.label}: API calls ÷ minimum", "≤ 1.05",
                          f"{fmt(calls, 3)} ({fmt(r.get('calls'))} for {fmt(r.get('minimum'))})",
                          failed is None and calls is not None and calls <= 1.05))  # fmt: skip
        out.append(Target(f"discovery at the limit, {case.label}: wall ÷ (minimum calls ÷ 20/s)", "≤ 1.25",
                          f"{fmt(wall, 2)} ({fmt(r.get('seconds'))} s, floor {fmt(r.get('floor'))} s, "
                          f"{fmt(r.get('rate_limited'))} × 429, failed: {failed or 'no'})",
                          failed is None and wall is not None and wall <= 1.25))  # fmt: skip
    return out


def report(results: dict[str, Any], *, smoke: bool, machine: dict[str, str], minutes: float) -> str:
    kind = "smoke run (`make bench-smoke`: tiny sizes, checks the script only)" if smoke else "full run (`make bench`)"
    lines = [
        "# Benchmark",
        "",
        f"{kind}, {machine['date']}, {minutes:.1f} minutes.",
        "",
        f"**Machine**: {machine['nproc']} × {machine['cpu']}, {machine['memory']} RAM, {machine['python']}, "
        f"{machine['os']}; load average at start {machine['load average at start']}. Shared with other people's "
        "test runs, so every figure is compared with others measured side by side in the same run.",
        "",
        "## Targets",
        "",
        markdown_table(["target", "required", "measured", "result"],
                       [[t.name, t.requirement, t.measured, f"**{t.result}**"] for t in targets(results)]),
    ]  # fmt: skip
    sections = [
        ("streaming", "Streaming", streaming_report.markdown),
        ("discovery", "Discovery", discovery.markdown),
        ("discovery_limits", "Discovery at Zoom's limit", discovery_limits.markdown),
        ("dag_import", "DAG import", dag_import.markdown),
        ("small_files", "Many small files", small_files.markdown),
    ]
    for key, title, render in sections:
        if key in results:
            lines += ["", f"## {title}", "", render(results[key])]
        elif key in results.get("_failed", {}):
            lines += ["", f"## {title}", "", f"**failed**: {results['_failed'][key]}"]
    errors = results.get("streaming", {}).get("errors", []) + results.get("dag_import", {}).get("errors", [])
    if errors:
        lines += ["", "## Errors", "", *[f"- `{e.strip()[-300:]}`" for e in errors]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (CI): checks that the script works")
    parser.add_argument("--out", type=Path, help="write the Markdown report here too")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {','.join(SECTIONS)}")
    parser.add_argument("--workdir", type=Path, help="logs, scratch state and results.pickle (default: a temp dir, "
                        "removed)")  # fmt: skip
    parser.add_argument("--render", type=Path, help="only render the report of a saved results.pickle")
    args = parser.parse_args(argv)
    if args.render:
        saved = pickle.loads(args.render.read_bytes())  # our own file, written below
        return _emit(report(saved["results"], smoke=saved["smoke"], machine=saved["machine"],
                            minutes=saved["minutes"]), args.out)  # fmt: skip
    config = SMOKE if args.smoke else FULL
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="zoom-bench-"))
    machine = machine_info()
    started = time.monotonic()
    results: dict[str, Any] = {"_failed": {}}
    steps = {
        "streaming": lambda: streaming.run_streaming(
            workdir / "streaming", sizes=config["sizes"], rounds=config["rounds"],
            throttle_rounds=config["throttle_rounds"], warmup=config["warmup"], log=log),
        "discovery": lambda: discovery.run_discovery(
            workdir / "discovery", users=config["users"], meetings=config["meetings"], days=config["days"],
            limit=RATE_LIMIT, cases=config["cases"]),
        "discovery_limits": lambda: discovery_limits.run_limits(
            workdir / "discovery_limits", cases=config["limits_cases"]),
        "dag_import": lambda: dag_import.run_dag_import(
            workdir / "dag_import", cold_pairs=config["cold_pairs"], warm_repeats=config["warm_repeats"]),
        "small_files": lambda: small_files.run_small_files(
            workdir / "small_files", files=config["small_files"], page_size=config["page_size"]
        ),
    }  # fmt: skip
    try:
        for name in SECTIONS:
            if name not in only:
                continue
            log(f"== {name} ({time.monotonic() - started:.0f} s)")
            try:
                results[name] = steps[name]()
            except Exception as exc:  # one broken section must not hide the others' figures
                log(f"   {name} failed: {type(exc).__name__}: {exc}")
                results["_failed"][name] = f"{type(exc).__name__}: {str(exc)[:300]}"
        minutes = (time.monotonic() - started) / 60
        if args.workdir is not None:
            saved = {"results": results, "smoke": args.smoke, "machine": machine, "minutes": minutes}
            (workdir / "results.pickle").write_bytes(pickle.dumps(saved))
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    _emit(report(results, smoke=args.smoke, machine=machine, minutes=minutes), args.out)
    return 1 if results["_failed"] else 0


def _emit(text: str, out: Path | None) -> int:
    print(text)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        log(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
