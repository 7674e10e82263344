"""Many small files: one DAG run archiving N small recordings on ``airflow standalone`` (LocalExecutor, SQLite).

The emulator is seeded ``bench`` with N meetings of one small M4A each inside the look-back window; the run is
triggered once through the REST API (with cron scheduling off, so no scheduled run competes) and timed from
Airflow's own records:

* *run wall* — the DAG run's ``start_date`` → ``end_date``;
* *archive phase* — the first ``archive`` task's start → the last one's end;
* *Σ task time* — the sum of the ``archive`` task instances' own durations (start → end as Airflow records them);
* *per-file wall* — archive phase ÷ N: what each more file adds to a run;
* *scheduler overhead per file* — (P × archive phase − Σ task time) ÷ N, with P = ``ZOOM_ARCHIVE_PARALLEL_FILES``:
  how long each file holds one of the P slots beyond its own runtime (queueing, starting the task process,
  parsing the DAG, state changes).
"""

from __future__ import annotations

import statistics
import time
from datetime import datetime
from pathlib import Path
from typing import Any


def _ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _archive_task_instances(api: Any, dag_id: str, run_id: str, page_size: int) -> list[dict[str, Any]]:
    """Every mapped ``archive`` task instance of the run, paged by ``page_size`` (the API caps a page at 100).

    Pages are requested in ``map_index`` order until a short page: ``total_entries`` is not trusted to end the
    loop (a run of 300 files once reported 97 of them when it did).
    """
    found: dict[int, dict[str, Any]] = {}
    while True:
        page = api.call("GET", f"dags/{dag_id}/dagRuns/{run_id}/taskInstances",
                        params={"task_id": "archive", "order_by": "map_index", "limit": page_size,
                                "offset": len(found)})  # fmt: skip
        items = page["task_instances"]
        found.update((item["map_index"], item) for item in items if item["task_id"] == "archive")
        if len(items) < page_size:
            return [found[index] for index in sorted(found)]


def _count_objects(stack: Any) -> int:
    pages = stack.s3_client().get_paginator("list_objects_v2").paginate(Bucket=stack.bucket)
    keys = (obj["Key"] for page in pages for obj in page.get("Contents", []))
    return sum(not key.endswith("/manifest.json") for key in keys)  # recordings, not meeting manifests


def run_small_files(
    workdir: Path, *, files: int, parallel: int = 4, timeout: float = 3600, page_size: int = 100
) -> dict[str, Any]:
    """One triggered run archiving ``files`` small recordings on ``airflow standalone``, timed from its records."""
    from benchmarks.measure import start_stack

    log_dir = workdir / "logs"
    stack = start_stack(
        log_dir, seed="bench",
        extra_args=["--bench-users", "20", "--bench-inactive-fraction", "0.25", "--bench-meetings", str(files),
                    "--bench-days", "7", "--bench-file-size", "16384"],
    )  # fmt: skip
    try:
        timed = _triggered_run(stack, workdir, log_dir, parallel, timeout, page_size)
    finally:
        stack.stop()
    return _figures(timed, files, parallel)


def _triggered_run(
    stack: Any, workdir: Path, log_dir: Path, parallel: int, timeout: float, page_size: int
) -> dict[str, Any]:
    """Start ``airflow standalone`` against ``stack``, trigger one run and wait for it: Airflow's records of it,
    the objects in the bucket, and the startup and trigger-to-done times."""
    from zoom_sandbox.airflow_proc import DAG_ID, AirflowApi, start_standalone
    from zoom_sandbox.services import free_port

    airflow = None
    try:
        env = {
            **stack.env,
            "ZOOM_ARCHIVE_PARALLEL_FILES": str(parallel),
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",  # only our triggered run
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        }
        started = time.monotonic()
        airflow, password = start_standalone(workdir / "airflow", log_dir, env, api_port=free_port())
        api = AirflowApi(airflow.url, "admin", password)
        api.wait_for_dag(timeout=300)
        ready = time.monotonic()
        run_id = api.trigger()
        api.unpause()
        state = api.wait_for_run(run_id, timeout=timeout)
        done = time.monotonic()
        run = api.call("GET", f"dags/{DAG_ID}/dagRuns/{run_id}")
        archives = _archive_task_instances(api, DAG_ID, run_id, page_size)
        objects = _count_objects(stack)
    finally:
        if airflow is not None:
            airflow.stop()
    return {"state": state, "run": run, "archives": archives, "objects": objects, "startup_s": ready - started,
            "trigger_to_done_s": done - ready}  # fmt: skip


def _figures(timed: dict[str, Any], files: int, parallel: int) -> dict[str, Any]:
    """The section's figures from the run's and its ``archive`` task instances' start and end dates."""
    archives, run = timed["archives"], timed["run"]
    ok = [t for t in archives if t["state"] == "success"]
    starts = [_ts(t["start_date"]) for t in archives if t.get("start_date")]
    ends = [_ts(t["end_date"]) for t in archives if t.get("end_date")]
    durations = [float(t["duration"]) for t in archives if t.get("duration") is not None]
    run_start, run_end = _ts(run.get("start_date")), _ts(run.get("end_date"))
    phase = (max(ends) - min(starts)).total_seconds() if starts and ends else None
    total_task = sum(durations)
    n = len(archives) or None
    return {
        "files": files, "parallel": parallel, "state": timed["state"], "archived": len(ok), "mapped": len(archives),
        "objects": timed["objects"],
        "startup_s": timed["startup_s"], "trigger_to_done_s": timed["trigger_to_done_s"],
        "run_wall_s": (run_end - run_start).total_seconds() if run_start and run_end else None,
        "phase_s": phase, "task_sum_s": total_task,
        "task_median_s": statistics.median(durations) if durations else None,
        "per_file_wall_s": phase / n if phase and n else None,
        "overhead_per_file_s": (parallel * phase - total_task) / n if phase and n else None,
    }  # fmt: skip


def markdown(result: dict[str, Any]) -> str:
    from benchmarks.measure import fmt, markdown_table

    r = result
    header = ["files", "P (parallel files)", "run state", "archived", "objects in S3", "run wall s", "archive phase s",
              "Σ task time s", "median task s", "per-file wall s", "scheduler overhead per file s"]  # fmt: skip
    row = [fmt(r["files"]), fmt(r["parallel"]), r["state"], fmt(r["archived"]), fmt(r["objects"]), fmt(r["run_wall_s"]),
           fmt(r["phase_s"]), fmt(r["task_sum_s"]), fmt(r["task_median_s"], 2), fmt(r["per_file_wall_s"], 2),
           fmt(r["overhead_per_file_s"], 2)]  # fmt: skip
    return (
        f"`airflow standalone` (LocalExecutor, SQLite) started in {fmt(r['startup_s'], 0)} s; one triggered run of "
        f"{r['files']} files of 16 KiB, `ZOOM_ARCHIVE_PARALLEL_FILES={r['parallel']}`. Per-file wall = archive phase "
        "÷ files; scheduler overhead per file = (P × archive phase − Σ task time) ÷ files, i.e. how long each file "
        "holds a slot beyond its own runtime.\n\n" + markdown_table(header, [row])
    )
