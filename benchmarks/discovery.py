"""Discovery: one scheduled run's listing of a big emulated account, against Zoom's per-second rate limit.

The emulator enforces the *Medium* limit (list users, list recordings) account-wide; each method runs in a fresh
child process (``python -m benchmarks.discovery SPEC_JSON``):

* ``product`` — what ``zoom_archiver.tasks.discover.discover`` does: ``ZoomClient.list_users`` then
``listing.plan_listing``
  over the look-back window (``resolve_window(None, None, today, lookback_days=7)``), with the ``zoom_default``
  connection's ``max_requests_per_second`` / ``list_workers``, listed and planned by ``plan_listing``;
* ``serial`` — a plain serial ``requests`` loop over users, no rate cap, sleep 1 s and retry on 429 (what other
  tools do).

The floor is the calls a listing needs ÷ the rate limit: no client can be faster without 429s.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

LOOKBACK_DAYS = 7
RATE_LIMIT = 20  # Zoom's per-second limit for Medium APIs (Pro)
BENCH_RATE = 19.0  # the connection's max_requests_per_second in the benchmark: 95% of the limit


@dataclass
class DiscoveryCase:
    label: str
    mode: str  # "product" | "serial"
    latency: float  # seconds the emulator waits before answering each API call
    rate: float | None = None  # the connection's max_requests_per_second (product)
    workers: int = 4


def _window(today: date) -> tuple[date, date]:
    from zoom_archiver.dates import resolve_window

    window = resolve_window(None, None, today=today, lookback_days=LOOKBACK_DAYS)
    return window.start, window.end


def _product(spec: dict[str, Any]) -> dict[str, Any]:
    from zoom_archiver.dates import Window
    from zoom_archiver.discover.listing import plan_listing
    from zoom_archiver.discover.planning import Filters, Planner
    from zoom_archiver.hooks.zoom import ZoomHook
    from zoom_archiver.keys import DEFAULT_KEY_TEMPLATE

    start, end = _window(date.fromisoformat(spec["today"]))
    hook = ZoomHook("zoom_default")
    client = hook.get_conn()
    hook.token.get()
    started = time.monotonic()
    users = client.list_users()
    window = Window(start, end)
    planner = Planner(window=window, filters=Filters(), template=DEFAULT_KEY_TEMPLATE, prefix="zoom")
    files = plan_listing(client, users, [window], planner, workers=hook.list_workers).files
    seconds = time.monotonic() - started
    stats = client.stats
    return {"seconds": seconds, "attempts": stats.calls, "rate_limited": stats.rate_limited, "users": len(users),
            "meetings": planner.meetings, "files": len(files)}  # fmt: skip


class _SerialLister:
    """What other tools do: a plain serial loop over pages, sleep 1 s and retry on 429; counts its attempts."""

    def __init__(self, session: Any, api: str, headers: dict[str, str]) -> None:
        self.session, self.api, self.headers = session, api, headers
        self.counts = {"attempts": 0, "rate_limited": 0}

    def get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        while True:
            self.counts["attempts"] += 1
            response = self.session.get(f"{self.api}/{path}", params=params, headers=self.headers, timeout=30)
            if response.status_code == 429:
                self.counts["rate_limited"] += 1
                time.sleep(1)
                continue
            response.raise_for_status()
            return response.json()

    def pages(self, path: str, params: dict[str, Any], key: str) -> list[dict[str, Any]]:
        items, params = [], {**params, "page_size": 300}
        while True:
            body = self.get(path, params)
            items += body.get(key) or []
            if not body.get("next_page_token"):
                return items
            params = {**params, "next_page_token": body["next_page_token"]}


def _serial(spec: dict[str, Any]) -> dict[str, Any]:
    import requests

    conn = spec["conn"]
    session = requests.Session()
    token = session.post(
        conn["extra"]["oauth_token_url"],
        data={"grant_type": "account_credentials", "account_id": conn["extra"]["account_id"]},
        auth=(conn["login"], conn["password"]), timeout=30,
    ).json()["access_token"]  # fmt: skip
    lister = _SerialLister(session, conn["host"].rstrip("/"), {"Authorization": f"Bearer {token}"})
    start, end = _window(date.fromisoformat(spec["today"]))
    started = time.monotonic()
    users = [u for status in ("active", "inactive") for u in lister.pages("users", {"status": status}, "users")]
    meetings = 0
    for user in users:
        params = {"from": str(start), "to": str(end)}
        meetings += len(lister.pages(f"users/{user['id']}/recordings", params, "meetings"))
    seconds = time.monotonic() - started
    return {"seconds": seconds, **lister.counts, "users": len(users), "meetings": meetings, "files": None}


def child_main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    try:
        out = _product(spec) if spec["mode"] == "product" else _serial(spec)
        out["failed"] = None
    except Exception as exc:  # a run failed (e.g. by 429s): report it, do not crash the benchmark
        out = {"failed": f"{type(exc).__name__}: {str(exc)[:200]}"}
    print(json.dumps(out), flush=True)
    return 0


# -- parent side -----------------------------------------------------------------------------------------------------
def run_discovery(
    workdir: Path, *, users: int, meetings: int, days: int, limit: int, cases: list[DiscoveryCase],
    inactive_fraction: float = 0.333,
) -> dict[str, Any]:  # fmt: skip
    """Start an emulator seeded ``bench`` with the Medium limit at ``limit``/s and run every case against it."""
    from benchmarks.measure import start_stack

    stack = start_stack(
        workdir / "logs", seed="bench", s3=False, config={"rate_limit_per_second": {"medium": limit}},
        extra_args=["--bench-users", str(users), "--bench-inactive-fraction", str(inactive_fraction),
                    "--bench-meetings", str(meetings), "--bench-days", str(days)],
    )  # fmt: skip
    today = datetime.now(timezone.utc).date()
    try:
        rows = [_run_case(stack, case, workdir, today, limit) for case in cases]
    finally:
        stack.stop()
    start, end = _window(today)
    return {"rows": rows, "limit": limit, "users": users, "meetings": meetings, "days": days,
            "window": f"{start}..{end}", "inactive_fraction": inactive_fraction}  # fmt: skip


def _run_case(stack: Any, case: DiscoveryCase, workdir: Path, today: date, limit: int) -> dict[str, Any]:
    """One case in a fresh child, against the emulator's counters zeroed for it: its row of the table."""
    from benchmarks.measure import child_env, run_child

    stack.emulator("POST", "config", json={"slow_response_rate": 1.0 if case.latency else 0.0,
                                           "slow_response_seconds": case.latency})  # fmt: skip
    time.sleep(1.1)  # let the emulator's one-second window empty
    stack.emulator("POST", "stats/reset")
    conn = json.loads(stack.env["AIRFLOW_CONN_ZOOM_DEFAULT"])
    conn["extra"]["max_requests_per_second"] = case.rate or 0
    conn["extra"]["list_workers"] = case.workers
    env = child_env({**stack.env, "AIRFLOW_CONN_ZOOM_DEFAULT": json.dumps(conn)}, workdir / "home")
    spec = {"mode": case.mode, "today": today.isoformat(), "conn": conn}
    child = run_child(["-m", "benchmarks.discovery", json.dumps(spec)], env=env, timeout=1800)
    out = dict(child.payload)
    if not out:
        out = {"failed": f"child exited {child.returncode}: {child.stderr_tail[-300:]}"}
    stats = stack.emulator("GET", "stats")
    served = stats["requests"]["users"] + stats["requests"]["recordings"]
    limited = stats["rate_limited"].get("medium", 0)
    needed = served - limited
    seconds = out.get("seconds")
    floor = needed / limit if needed else None
    return {
        "case": case, "seconds": seconds, "calls": needed, "attempts": served, "rate_limited": limited,
        "floor": floor, "ratio": seconds / floor if seconds and floor else None,
        "achieved_rate": needed / seconds if seconds else None, "failed": out.get("failed"),
        "users": out.get("users"), "meetings": out.get("meetings"), "files": out.get("files"),
        "client_attempts": out.get("attempts"), "client_429s": out.get("rate_limited"),
    }  # fmt: skip


def markdown(result: dict[str, Any]) -> str:
    from benchmarks.measure import fmt, markdown_table

    rows = []
    for r in result["rows"]:
        case: DiscoveryCase = r["case"]
        rows.append([
            case.label, f"{case.latency * 1000:.0f} ms", fmt(r["calls"]), fmt(r["rate_limited"]),
            fmt(r["seconds"]), fmt(r["floor"]), fmt(r["ratio"], 2), fmt(r["achieved_rate"]),
            fmt(r["meetings"]), r["failed"] or "no",
        ])  # fmt: skip
    header = ["method", "API latency (emulated)", "API calls", "429s received", "wall s", "floor s (calls ÷ rate)",
              "wall ÷ floor", "calls/s", "meetings listed", "failed"]  # fmt: skip
    return (
        f"Account: {result['users']:,} users ({result['inactive_fraction']:.0%} inactive), {result['meetings']:,} "
        f"meetings over {result['days']} days; the emulator enforces {result['limit']}/s for Medium APIs. One "
        f"scheduled run's window ({result['window']}, look-back {LOOKBACK_DAYS} days). *API calls* = calls that "
        "were answered (the listing's need); 429'd attempts are counted apart.\n\n" + markdown_table(header, rows)
    )


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
