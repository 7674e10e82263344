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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import dag_import, discovery, discovery_limits, small_files, streaming, streaming_report
from benchmarks.discovery import BENCH_RATE, RATE_LIMIT, DiscoveryCase
from benchmarks.measure import GIB, MIB, machine_info, markdown_table
from benchmarks.targets import targets

SECTIONS = ("streaming", "discovery", "discovery_limits", "dag_import", "small_files")
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
    parser = _parser()
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
    try:
        _run_sections(_steps(config, workdir), only, results, started)
        minutes = (time.monotonic() - started) / 60
        if args.workdir is not None:
            saved = {"results": results, "smoke": args.smoke, "machine": machine, "minutes": minutes}
            (workdir / "results.pickle").write_bytes(pickle.dumps(saved))
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    _emit(report(results, smoke=args.smoke, machine=machine, minutes=minutes), args.out)
    return 1 if results["_failed"] else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (CI): checks that the script works")
    parser.add_argument("--out", type=Path, help="write the Markdown report here too")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {','.join(SECTIONS)}")
    parser.add_argument("--workdir", type=Path, help="logs, scratch state and results.pickle (default: a temp dir, "
                        "removed)")  # fmt: skip
    parser.add_argument("--render", type=Path, help="only render the report of a saved results.pickle")
    return parser


def _steps(config: dict[str, Any], workdir: Path) -> dict[str, Callable[[], dict[str, Any]]]:
    """Each section's run with this configuration, in its own scratch directory."""
    return {
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


def _run_sections(
    steps: dict[str, Callable[[], dict[str, Any]]], only: list[str], results: dict[str, Any], started: float
) -> None:
    """Run the chosen sections in order into ``results``; a failed one is recorded under ``_failed``."""
    for name in SECTIONS:
        if name not in only:
            continue
        log(f"== {name} ({time.monotonic() - started:.0f} s)")
        try:
            results[name] = steps[name]()
        except Exception as exc:  # one broken section must not hide the others' figures
            log(f"   {name} failed: {type(exc).__name__}: {exc}")
            results["_failed"][name] = f"{type(exc).__name__}: {str(exc)[:300]}"


def _emit(text: str, out: Path | None) -> int:
    print(text)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        log(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
