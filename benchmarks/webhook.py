"""``python -m benchmarks.webhook [--events N] [--busy-files N] [--answers N] [--db sqlite|postgres]``: webhook → S3.

On ``airflow standalone`` (LocalExecutor; the receiver mounted in its api-server by the plugin), its metadata DB
SQLite (the default) or a PostgreSQL database made for the run on 127.0.0.1:5432 (``--db postgres``: the production
DB), with the Zoom emulator posting signed ``recording.completed`` deliveries itself:

* *latency* — a meeting with one small MP4 (64 KiB) completes (``POST /_emulator/meetings``: the emulator delivers
  the event at once) → its object is in S3 (polled every 0.2 s). One meeting at a time, so it is the latency of
  one event, Airflow's scheduling (webhook run queued, discover task, archive task) included;
* *answer* — the receiver's answer time as the emulator measures it (request sent → answer read, localhost), over
  the latency meetings' deliveries plus ``--answers`` duplicate deliveries of the last one, sent at once (each
  duplicate is checked like any delivery, then answered from the receiver's memory of recent runs);
* both idle, then again while an account-wide run archives ``--busy-files`` small files (``max_active_runs=1`` on
  the hourly DAG; the webhook DAG runs beside it).

*non-200*: attempts not answered 200 within Zoom's 3 s (the emulator then retries, after Zoom's delays or
``--retry-delays``). The exit status is 1 when a delivery never got its 200, or a run failed.

The first delivery after the api-server starts pays its imports and the first connection lookup: it is reported
apart (*cold answer*), not in the percentiles.
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FILE_SIZE = 64 * 1024
DB_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
WEBHOOK_DAG = "zoom_meeting_to_s3"


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def _has_file(stack: Any, file_id: str) -> bool:
    pages = stack.s3_client().get_paginator("list_objects_v2").paginate(Bucket=stack.bucket)
    return any(file_id in obj["Key"] for page in pages for obj in page.get("Contents", []))


def _one_event(stack: Any, host_email: str, n: int, timeout: float = 300) -> float:
    today = time.strftime("%Y-%m-%d", time.gmtime())
    started = time.monotonic()
    meeting = stack.emulator(
        "POST",
        "meetings",
        json={
            "host_email": host_email,
            "topic": f"Webhook latency {n}",
            "start_time": f"{today}T00:{n % 60:02d}:00Z",
            "recording_files": [{"file_type": "MP4", "file_size": FILE_SIZE}],
        },
    )
    file_id = meeting["recording_files"][0]["id"]
    while not _has_file(stack, file_id):
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"meeting {meeting['uuid']} not in S3 after {timeout}s")
        time.sleep(0.2)
    return time.monotonic() - started


def _phase(stack: Any, host_email: str, events: int, answers: int, offset: int) -> dict[str, Any]:
    first = len(stack.emulator("GET", "webhooks")["attempts"])
    latencies = [_one_event(stack, host_email, offset + i) for i in range(events)]
    uuid = stack.emulator("GET", "webhooks")["attempts"][-1]["meeting_uuid"]
    if answers:
        stack.emulator("POST", "webhooks/send", json={"meeting_uuid": uuid, "copies": answers})
    attempts = _settled(stack, first, events + answers)
    last = {a["delivery"]: a for a in attempts}  # in order: each delivery's last attempt
    answer_ms = [a["answer_ms"] for a in attempts if a["status"] == 200]
    return {
        "events": events,
        "latency_p50_s": percentile(latencies, 50),
        "latency_p95_s": percentile(latencies, 95),
        "latency_max_s": max(latencies),
        "answers": len(answer_ms),
        "answer_p50_ms": percentile(answer_ms, 50),
        "answer_p99_ms": percentile(answer_ms, 99),
        "answer_max_ms": max(answer_ms) if answer_ms else None,
        "non_200": sum(1 for a in attempts if a["status"] != 200),
        "unanswered": events + answers - sum(1 for a in last.values() if a["status"] == 200),
    }


def _settled(stack: Any, first: int, deliveries: int, timeout: float = 120) -> list[dict[str, Any]]:
    """The delivery attempts from index ``first`` on, once each of the ``deliveries`` ended answered 200 (after
    Zoom's retries of a timeout or a 5xx) or ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    while True:
        attempts: list[dict[str, Any]] = stack.emulator("GET", "webhooks")["attempts"][first:]
        last = {a["delivery"]: a for a in attempts}
        if len(last) >= deliveries and all(a["status"] == 200 for a in last.values()):
            return attempts
        if time.monotonic() > deadline:
            return attempts
        time.sleep(0.5)


@contextlib.contextmanager
def metadata_db(kind: str) -> Iterator[str | None]:
    """``None`` (SQLite in the Airflow home) or the URL of an empty PostgreSQL database, dropped afterwards."""
    if kind == "sqlite":
        yield None
        return
    name = f"bench_webhook_{secrets.token_hex(4)}"
    pg = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
    subprocess.run(["createdb", *pg, name], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
    finally:
        subprocess.run(["dropdb", "--force", *pg, name], check=False, capture_output=True)


def run_webhook(
    workdir: Path, *, events: int, busy_files: int, answers: int, db: str = "sqlite", retry_delays: Any = None
) -> dict[str, Any]:
    with metadata_db(db) as sql_alchemy_conn:
        result = _measure(
            workdir, sql_alchemy_conn, events=events, busy_files=busy_files, answers=answers, retry_delays=retry_delays
        )
    return {"db": db, **result}


def _measure(
    workdir: Path, sql_alchemy_conn: str | None, *, events: int, busy_files: int, answers: int, retry_delays: Any
) -> dict[str, Any]:
    from benchmarks.measure import start_stack

    log_dir = workdir / "logs"
    stack = start_stack(
        log_dir, seed="bench",
        extra_args=["--bench-users", "10", "--bench-inactive-fraction", "0", "--bench-meetings", str(busy_files),
                    "--bench-days", "7", "--bench-file-size", "16384"],
    )  # fmt: skip
    airflow = None
    try:
        started = time.monotonic()
        airflow, api = _start_airflow(stack, workdir, sql_alchemy_conn, retry_delays)
        startup = time.monotonic() - started
        host = next(f["host_email"] for f in stack.emulator("GET", "files", params={"sha256": "0"})["files"])
        cold = _phase(stack, host, 1, 0, 0)  # warm-up: not counted
        idle = _phase(stack, host, events, answers, 1)
        api.unpause()
        run_id = api.trigger()  # the account-wide run: busy while the next events arrive
        busy = _phase(stack, host, events, answers, 1 + events)
        busy["run_still_running"] = api.dag_run(run_id)["state"] == "running"
        state = api.wait_for_run(run_id, timeout=1800)
        runs = api.dag_runs(WEBHOOK_DAG)
    finally:
        if airflow is not None:
            airflow.stop()
        stack.stop()
    return {
        "startup_s": startup, "cold_answer_ms": cold["answer_max_ms"], "cold_latency_s": cold["latency_max_s"],
        "idle": idle, "busy": busy, "busy_files": busy_files, "busy_run_state": state,
        "webhook_runs": len(runs), "webhook_runs_ok": sum(r["state"] == "success" for r in runs),
    }  # fmt: skip


def _start_airflow(stack: Any, workdir: Path, sql_alchemy_conn: str | None, retry_delays: Any) -> tuple[Any, Any]:
    """``airflow standalone`` with both DAGs parsed, and the emulator posting its webhooks to the receiver (Zoom's
    retry delays, or ``retry_delays`` seconds)."""
    from zoom_sandbox.airflow_proc import AirflowApi, start_standalone
    from zoom_sandbox.services import SANDBOX_WEBHOOK_SECRET, free_port

    env = {**stack.env, "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False"}
    airflow, password = start_standalone(
        workdir / "airflow", workdir / "logs", env, api_port=free_port(), sql_alchemy_conn=sql_alchemy_conn
    )
    try:
        api = AirflowApi(airflow.url, "admin", password)
        api.wait_for_dag(timeout=300)
        api.wait_for_dag(WEBHOOK_DAG, timeout=300)
    except BaseException:
        airflow.stop()
        raise
    config = {"url": f"{airflow.url}/zoom/webhook", "secret_token": SANDBOX_WEBHOOK_SECRET, "auto": True}
    if retry_delays is not None:
        config["retry_delays"] = retry_delays
    stack.emulator("POST", "webhooks/config", json=config)
    return airflow, api


def markdown(result: dict[str, Any]) -> str:
    from benchmarks.measure import fmt, markdown_table

    header = ["Airflow", "events", "webhook → S3 p50 s", "p95 s", "max s", "answers", "answer p50 ms", "answer p99 ms",
              "answer max ms", "non-200"]  # fmt: skip
    rows = []
    for name, label in (("idle", "idle"), ("busy", f"busy: a run archiving {result['busy_files']} files")):
        r = result[name]
        rows.append([label, fmt(r["events"]), fmt(r["latency_p50_s"], 1), fmt(r["latency_p95_s"], 1),
                     fmt(r["latency_max_s"], 1), fmt(r["answers"]), fmt(r["answer_p50_ms"], 1),
                     fmt(r["answer_p99_ms"], 1), fmt(r["answer_max_ms"], 1), fmt(r["non_200"])])  # fmt: skip
    return (
        f"`airflow standalone` (LocalExecutor, {DB_NAMES[result['db']]}) started in {fmt(result['startup_s'], 0)} s; "
        f"the emulator posts a signed `recording.completed` when a meeting with one 64 KiB MP4 is added; one meeting "
        f"at a time. "
        f"Targets: p95 webhook → S3 ≤ 30 s, receiver answer p99 ≤ 200 ms (Zoom's limit: 3 s). First delivery after "
        f"the api-server started (not counted): answered in {fmt(result['cold_answer_ms'], 0)} ms, in S3 after "
        f"{fmt(result['cold_latency_s'], 1)} s. Busy run: {result['busy_run_state']}; webhook runs: "
        f"{result['webhook_runs_ok']}/{result['webhook_runs']} succeeded.\n\n" + markdown_table(header, rows)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10, help="meetings per phase (one at a time)")
    parser.add_argument("--busy-files", type=int, default=200, help="files of the account-wide run")
    parser.add_argument("--answers", type=int, default=100, help="extra duplicate deliveries per phase")
    parser.add_argument("--db", choices=sorted(DB_NAMES), default="sqlite", help="Airflow's metadata DB")
    parser.add_argument(
        "--retry-delays", type=float, nargs="+", help="seconds between the emulator's retries (default: Zoom's)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-webhook-") as tmp:
        result = run_webhook(
            Path(tmp), events=args.events, busy_files=args.busy_files, answers=args.answers, db=args.db,
            retry_delays=args.retry_delays,
        )  # fmt: skip
    print(result, file=sys.stderr)
    print(markdown(result))
    # every delivery answered 200 in the end (a timeout is in the non-200 figure), every run succeeded
    unanswered = result["idle"]["unanswered"] + result["busy"]["unanswered"]
    failed = result["webhook_runs_ok"] != result["webhook_runs"] or result["busy_run_state"] != "success"
    return 1 if unanswered or failed else 0


if __name__ == "__main__":
    sys.exit(main())
