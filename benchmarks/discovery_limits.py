"""Discovery at Zoom's limit: the fewest calls Zoom allows, at the rate the account really has.

One triggered range (``from_date``/``to_date``, 30 days by default) of a big emulated account, listed by the
product's own ``zoom_archiver.discover.discovery.discover`` with the connection's **defaults** (no ``zoom_plan``, no
``max_requests_per_second``, no ``list_workers``: nothing raised by hand), in a fresh child process
(``python -m benchmarks.discovery_limits --child SPEC_JSON``). The emulator enforces Zoom Pro's Medium limit
(20/s, account-wide) and, in one case, a second integration of the account takes half of it
(``background_share``).

* **minimum calls** = users pages (active and inactive, 300 a page) + for every user and every window Zoom serves
  whole (one calendar month) one call per started page of 300 meetings (a user with none: one call). It is
  computed from the bench seed's own formula, not from what the client did.
* **floor** = minimum calls ÷ the limit: no client can list faster without 429s.
* **XCom** = the JSON of what ``discover`` hands Airflow: the files to map (capped by
  ``zoom_archive_max_files_per_run``) and its ``plan_summary``.
* **peak RSS** = the child's high-water mark (Python, Airflow's SDK and the package imported, then discover).

Standalone: ``python -m benchmarks.discovery_limits [--smoke]``.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

LIMIT = 20  # Zoom Pro's per-second limit for Medium APIs
PAGE = 300
INACTIVE = 0.333
PROBE_SECONDS = 1.1  # the emulator's one-second window empties between cases


@dataclass(frozen=True)
class LimitsCase:
    label: str
    users: int
    meetings: int  # spread evenly over ``days`` days before today, round-robin over users
    background_share: float = 0.0
    range_days: int = 30
    days: int = 60


FULL_CASES = [
    LimitsCase("1,000 users, alone on the account", 1000, 10_000),
    LimitsCase("1,000 users, a second integration takes half the budget", 1000, 10_000, background_share=0.5),
    LimitsCase("10,000 users, alone on the account", 10_000, 50_000),
]
SMOKE_CASES = [
    LimitsCase("30 users, alone on the account", 30, 300),
    LimitsCase("30 users, a second integration takes half the budget", 30, 300, background_share=0.5),
]


# -- child side ------------------------------------------------------------------------------------------------------
def _rss_now() -> int:
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize()


def child_main(spec: dict[str, Any]) -> dict[str, Any]:
    from zoom_archiver.dates import Window
    from zoom_archiver.discover.discovery import RunRequest, discover
    from zoom_archiver.hooks.zoom import ZoomHook
    from zoom_archiver.ledger import Ledger
    from zoom_archiver.settings import ArchiveSettings

    start, end = date.fromisoformat(spec["from"]), date.fromisoformat(spec["to"])
    hook = ZoomHook("zoom_default")
    client = hook.get_conn()
    hook.token.get()
    rss_before = _rss_now()
    started = time.monotonic()
    found = discover(
        client, ArchiveSettings(bucket="bench"), RunRequest(windows=[Window(start, end, scheduled=False)]),
        ledger=Ledger(), workers=hook.list_workers, bucket=None, today=end,
    )  # fmt: skip
    seconds = time.monotonic() - started
    files = [item.to_dict() for item in found.files]
    summary = found.summary.to_dict()
    return {
        "seconds": seconds, "client_calls": client.stats.calls, "client_429s": client.stats.rate_limited,
        "shortened": client.stats.shortened, "user_failures": len(found.summary.user_failures),
        "files_mapped": len(files), "backlog": found.summary.backlog,
        "xcom_files_bytes": len(json.dumps(files)), "xcom_summary_bytes": len(json.dumps(summary)),
        "rss_before": rss_before, "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "pace": client.limiter.top, "pace_cuts": getattr(client.limiter, "cuts", 0),
    }  # fmt: skip


# -- parent side -----------------------------------------------------------------------------------------------------
def minimum_calls(case: LimitsCase, today: date, start: date, end: date) -> tuple[int, int]:
    """(minimum calls, meetings in the range), from the bench seed's formula (``zoom_emulator.seeds.build_bench``)."""
    from zoom_archiver.zoom.windows import listing_windows

    inactive = int(case.users * INACTIVE)
    calls = max(1, math.ceil((case.users - inactive) / PAGE)) + max(1, math.ceil(inactive / PAGE))
    windows = listing_windows(start, end)
    midnight = datetime.combine(today, datetime.min.time(), tzinfo=timezone.utc)
    span = timedelta(days=case.days)
    per_user_window: dict[tuple[int, int], int] = {}
    in_range = 0
    for i in range(case.meetings):
        day = (midnight - span + span * (i + 0.5) / case.meetings).replace(microsecond=0).date()
        for w, (first, last) in enumerate(windows):
            if first <= day <= last:
                per_user_window[(i % case.users, w)] = per_user_window.get((i % case.users, w), 0) + 1
                in_range += 1
    for user in range(case.users):
        for w in range(len(windows)):
            calls += max(1, math.ceil(per_user_window.get((user, w), 0) / PAGE))
    return calls, in_range


def run_case(workdir: Path, case: LimitsCase, today: date) -> dict[str, Any]:
    """Start an emulator for ``case`` (Pro's limit enforced) and run discover once against it."""
    from benchmarks.measure import child_env, run_child, start_stack

    stack = start_stack(
        workdir / "logs", seed="bench", s3=False,
        config={"rate_limit_per_second": {"medium": LIMIT}, "background_share": case.background_share},
        extra_args=["--today", today.isoformat(), "--bench-users", str(case.users), "--bench-inactive-fraction",
                    str(INACTIVE), "--bench-meetings", str(case.meetings), "--bench-days", str(case.days)],
    )  # fmt: skip
    start, end = today - timedelta(days=case.range_days - 1), today
    try:
        conn = json.loads(stack.env["AIRFLOW_CONN_ZOOM_DEFAULT"])
        for name in ("max_requests_per_second", "list_workers", "zoom_plan"):  # the product's defaults
            conn["extra"].pop(name, None)
        env = child_env({**stack.env, "AIRFLOW_CONN_ZOOM_DEFAULT": json.dumps(conn)}, workdir / "home")
        time.sleep(PROBE_SECONDS)
        stack.emulator("POST", "stats/reset")
        spec = {"from": start.isoformat(), "to": end.isoformat()}
        child = run_child(["-m", "benchmarks.discovery_limits", "--child", json.dumps(spec)], env=env, timeout=3600)
        out = dict(child.payload) or {"failed": f"child exited {child.returncode}: {child.stderr_tail[-300:]}"}
        stats = stack.emulator("GET", "stats")
    finally:
        stack.stop()
    served = stats["requests"]["users"] + stats["requests"]["recordings"]
    limited = stats["rate_limited"].get("medium", 0)
    minimum, in_range = minimum_calls(case, today, start, end)
    seconds = out.get("seconds")
    floor = minimum / (LIMIT * (1 - case.background_share))  # at the budget the account leaves us
    return {
        "case": case, "range": f"{start}..{end}", "calls": served - limited, "minimum": minimum,
        "calls_ratio": (served - limited) / minimum, "rate_limited": limited, "seconds": seconds, "floor": floor,
        "wall_ratio": seconds / floor if seconds else None, "meetings_in_range": in_range,
        "background": stats.get("background", {}), "peak_rss": child.peak_rss, **out,
    }  # fmt: skip


def run_limits(workdir: Path, *, cases: list[LimitsCase]) -> dict[str, Any]:
    today = datetime.now(timezone.utc).date()
    rows = []
    for index, case in enumerate(cases):
        try:
            rows.append(run_case(workdir / f"case{index}", case, today))
        except Exception as exc:  # one broken case must not hide the others' figures
            rows.append({"case": case, "failed": f"{type(exc).__name__}: {str(exc)[:200]}"})
    return {"rows": rows, "limit": LIMIT, "today": today.isoformat()}


def markdown(result: dict[str, Any]) -> str:
    from benchmarks.measure import fmt, markdown_table

    mib = 1024 * 1024
    rows = []
    for r in result["rows"]:
        case: LimitsCase = r["case"]
        background = r.get("background") or {}
        other = f"{fmt(background.get('served'))} served / {fmt(background.get('refused'))} refused"
        rows.append([
            case.label, r.get("range", "—"), fmt(r.get("calls")), fmt(r.get("minimum")), fmt(r.get("calls_ratio"), 3),
            fmt(r.get("rate_limited")), fmt(r.get("seconds")), fmt(r.get("floor")), fmt(r.get("wall_ratio"), 2),
            other if case.background_share else "—",
            fmt(r["peak_rss"] / mib if r.get("peak_rss") else None),
            fmt(r["rss_before"] / mib if r.get("rss_before") else None),
            fmt((r["xcom_files_bytes"] + r["xcom_summary_bytes"]) / 1024 if "xcom_files_bytes" in r else None),
            fmt(r.get("files_mapped")), fmt(r.get("meetings_in_range")), r.get("failed") or "no",
        ])  # fmt: skip
    header = ["case", "range", "API calls", "minimum calls", "calls ÷ minimum", "429s received", "wall s",
              "floor s (minimum ÷ budget left)", "wall ÷ floor", "second integration's calls", "peak RSS MiB",
              "RSS before discover MiB", "XCom KiB (files + summary)", "files mapped", "meetings in range",
              "failed"]  # fmt: skip
    return (
        f"The emulator enforces Zoom Pro's Medium limit ({result['limit']}/s, account-wide); the connection has "
        "the product's defaults only (`zoom_plan` pro, no `max_requests_per_second`, 4 listing workers). "
        f"Today {result['today']}; a third of the users inactive. *API calls* = calls answered; 429'd attempts "
        "are counted apart. The second integration (emulator `background_share`) spends its half of the budget "
        "evenly, whatever happens; its refused calls are the 429s our listing caused it.\n\n"
        + markdown_table(header, rows)
    )


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--child"]:
        try:
            out = child_main(json.loads(args[1]))
            out["failed"] = None
        except Exception as exc:  # a run failed (e.g. by 429s): report it, do not crash the benchmark
            out = {"failed": f"{type(exc).__name__}: {str(exc)[:200]}"}
        print(json.dumps(out), flush=True)
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="30 users: checks the script only")
    parser.add_argument("--workdir", type=Path, default=Path("bench-results/discovery-limits"))
    parser.add_argument("--cases", help="comma-separated indexes of the cases to run (default: all)")
    options = parser.parse_args(args)
    cases = SMOKE_CASES if options.smoke else FULL_CASES
    if options.cases:
        cases = [cases[int(i)] for i in options.cases.split(",")]
    result = run_limits(options.workdir, cases=cases)
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
