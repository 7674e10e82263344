"""``python -m benchmarks.page [--files N] [--runs N] [--repeats N]``: how long the archive page takes to build.

A ledger of 100,000 files (every one with its archive-time hash, 90 days of archive dates, 200 quarantined, owed
ranges) and a metadata DB (SQLite, Airflow's own ``dag_run``/``xcom``/``dag`` tables) holding 1,000 archive runs
with their run reports, 300 webhook runs and an audit run. Measured side by side in one run, each the median of
``--repeats``:

* **cold**: what a visitor waits for when the cache is empty: read the Variables (the ledger's JSON parsed), query
  the runs and XComs, compute every figure, render the HTML;
* **parse only**: the ledger's JSON parsed into a ``Ledger`` (the floor any reader of the ledger pays);
* **cached**: a second visitor within the cache's lifetime (render only).

Prints a Markdown table (the benchmark row of ``docs/benchmark.md``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Engine, create_engine, insert
from sqlalchemy.orm import Session

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
HOSTS = [f"host{i:03}@example.com" for i in range(200)]
TYPES = ["MP4", "M4A", "TRANSCRIPT", "CHAT", "TIMELINE", "CC"]


def ledger_json(files: int, today: date = NOW.date()) -> str:
    from zoom_archiver.ledger import Ledger

    ledger = Ledger(
        archived={f"file-{i:06}": today - timedelta(days=i % 90) for i in range(files)},
        owed=[(today - timedelta(days=40), today - timedelta(days=38))],
        failures={f"file-{i:06}": {"runs": 1, "day": "2026-02-01", "error": "timeout"} for i in range(50)},
        quarantine={
            f"q-{i:04}": {"since": "2026-03-01", "day": "2026-02-01", "key": f"zoom/q/{i}", "reason": "permanent: 404"}
            for i in range(200)
        },
        hashes={f"file-{i:06}": (f"{i:064x}", 1_000_000 + i) for i in range(files)},
    )
    return ledger.dumps()


def run_report(i: int) -> dict[str, Any]:
    by_type = {t: {"files": 3 + i % 5, "bytes": 10**7 * (k + 1)} for k, t in enumerate(TYPES)}
    by_host = {HOSTS[(i + k) % len(HOSTS)]: {"files": 2, "bytes": 10**6} for k in range(10)}
    return {"files_archived": 30, "bytes_archived": 10**8, "by_type": by_type, "by_host": by_host, "backlog_files": 500}


def metadata_db(runs: list[tuple[str, str, datetime, str | None, Any]]) -> Engine:
    """An in-memory SQLite with Airflow's ``dag_run``, ``xcom``, ``dag`` and ``log`` tables, holding ``runs``:
    (dag id, run id, run after, XCom task id or ``None``, XCom value)."""
    from airflow.models.dag import DagModel
    from airflow.models.dagrun import DagRun
    from airflow.models.log import Log
    from airflow.models.xcom import XComModel

    engine = create_engine("sqlite://")
    tables = [DagRun.__table__, XComModel.__table__, DagModel.__table__, Log.__table__]
    DagRun.metadata.create_all(engine, tables=tables)
    run_rows, xcom_rows = [], []
    for n, (dag_id, run_id, after, task_id, value) in enumerate(runs, 1):
        run_rows.append({"id": n, "dag_id": dag_id, "run_id": run_id, "run_type": "scheduled", "state": "success",
                         "run_after": after, "start_date": after, "log_template_id": None})  # fmt: skip
        if task_id:
            key = "run_report" if task_id == "commit" else "return_value"
            xcom_rows.append({"dag_run_id": n, "task_id": task_id, "map_index": -1, "key": key, "dag_id": dag_id,
                              "run_id": run_id, "value": value, "timestamp": after})  # fmt: skip
    with Session(engine) as session:
        session.execute(insert(DagRun.__table__), run_rows)
        if xcom_rows:
            session.execute(insert(XComModel.__table__), xcom_rows)
        session.commit()
    return engine


def bench_runs(archive_runs: int, webhook_runs: int) -> list[tuple[str, str, datetime, str | None, Any]]:
    runs: list[tuple[str, str, datetime, str | None, Any]] = []
    for i in range(archive_runs):
        after = NOW - timedelta(hours=i)
        runs.append(("zoom_recordings_to_s3", f"scheduled__{after.isoformat()}", after, "commit", run_report(i)))
    for i in range(webhook_runs):
        after = NOW - timedelta(minutes=7 * i)
        runs.append(("zoom_meeting_to_s3", f"webhook-{i}", after, "commit", run_report(i)))
    summary = {"from_date": "2026-02-01", "to_date": "2026-03-01", "counts": {"intact": 99}, "problems": 0,
               "problem_files": [], "user_failures": [], "report_json": "s3://b/zoom/_audit/x/report.json"}  # fmt: skip
    runs.append(("zoom_recordings_audit", "audit-1", NOW - timedelta(days=1), "audit", summary))
    return runs


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(files: int, archive_runs: int, repeats: int) -> dict[str, float]:
    from zoom_archiver.ledger import loads
    from zoom_archiver.page.render import Links, render_page
    from zoom_archiver.page.sources import read_inputs
    from zoom_archiver.page.summary import build_page

    raw = ledger_json(files)
    variables = {"zoom_archive_ledger": raw}
    engine = metadata_db(bench_runs(archive_runs, 300))

    def get(key: str, default: Any = None) -> Any:
        return variables.get(key, default)

    def cold() -> str:
        with Session(engine) as session:
            page = build_page(read_inputs(session, NOW, get))
        return render_page(page, Links(""), bucket="b", prefix="zoom", cache_seconds=300)

    with Session(engine) as session:
        built = build_page(read_inputs(session, NOW, get))
    if (built.files, built.runs_reported) != (files, archive_runs):
        raise RuntimeError(f"the page counted {built.files} files and {built.runs_reported} runs")
    return {
        "cold_s": median_seconds(cold, repeats),
        "parse_s": median_seconds(lambda: loads(raw, today=NOW.date()), repeats),
        "cached_s": median_seconds(
            lambda: render_page(built, Links(""), bucket="b", prefix="zoom", cache_seconds=300), repeats
        ),  # fmt: skip
        "ledger_mib": len(raw) / 2**20,
    }


def markdown(result: dict[str, float], files: int, runs: int) -> str:
    cold, parse, cached = result["cold_s"], result["parse_s"], result["cached_s"]
    return "\n".join([
        f"Archive page, {files:,}-file ledger ({result['ledger_mib']:.1f} MiB of JSON), {runs:,} archive runs with "
        "their reports + 300 webhook runs in the metadata DB (SQLite); medians:",
        "",
        "| case | time | ÷ parse only |",
        "|---|---:|---:|",
        f"| cold: read + figures + HTML (cache empty) | {cold * 1000:.0f} ms | {cold / parse:.2f} |",
        f"| parse only: the ledger's JSON | {parse * 1000:.0f} ms | 1.00 |",
        f"| cached: HTML from built figures | {cached * 1000:.1f} ms | {cached / parse:.3f} |",
    ])  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    print(markdown(measure(args.files, args.runs, args.repeats), args.files, args.runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
