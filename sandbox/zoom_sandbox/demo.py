"""``make demo``: see the archiver work end to end in the Airflow UI, in one command.

Without credentials: starts the Zoom emulator and moto's S3 server, then ``airflow standalone`` wired to them.
With a ``.env`` holding real ``AIRFLOW_CONN_ZOOM_DEFAULT``/``AIRFLOW_CONN_AWS_DEFAULT`` and
``AIRFLOW_VAR_ZOOM_ARCHIVE_BUCKET``: the same run archives from real Zoom into the real bucket.
Unpauses and triggers ``zoom_recordings_to_s3``, waits for the run, prints the UI address, the login, the
outcome and the archived keys, and keeps Airflow up until Ctrl-C (``--exit`` stops right away).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

from zoom_sandbox.airflow_proc import REPO, AirflowApi, start_standalone
from zoom_sandbox.services import SANDBOX_BUCKET, Service, airflow_env, create_bucket, start_emulator, start_moto

REAL_KEYS = ("AIRFLOW_CONN_ZOOM_DEFAULT", "AIRFLOW_CONN_AWS_DEFAULT", "AIRFLOW_VAR_ZOOM_ARCHIVE_BUCKET")


def load_dotenv_file(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def list_keys(env: dict[str, str], bucket: str, prefix: str) -> list[str]:
    import boto3

    aws = json.loads(env["AIRFLOW_CONN_AWS_DEFAULT"])
    extra = aws.get("extra") or {}
    s3 = boto3.client(
        "s3",
        endpoint_url=extra.get("endpoint_url"),
        region_name=extra.get("region_name", "us-east-1"),
        aws_access_key_id=aws.get("login") or None,
        aws_secret_access_key=aws.get("password") or None,
    )
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/")
    return [obj["Key"] for page in pages for obj in page.get("Contents", [])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exit", action="store_true", help="stop everything after the run (for scripts and CI)")
    parser.add_argument("--workdir", default=str(REPO / ".sandbox"), help="state and logs (default .sandbox/)")
    parser.add_argument("--env-file", default=str(REPO / ".env"))
    parser.add_argument("--conf", default="{}", help="run conf JSON, e.g. '{\"dry_run\": true}'")
    args = parser.parse_args(argv)
    workdir = Path(args.workdir)
    log_dir = workdir / "logs"
    started: list[Service] = []

    def stop_all(*_: object) -> None:
        for service in reversed(started):
            service.stop()

    signal.signal(signal.SIGTERM, lambda *_: (stop_all(), sys.exit(143)))
    try:
        env = {**load_dotenv_file(Path(args.env_file))}
        env.update({k: os.environ[k] for k in REAL_KEYS if k in os.environ})
        real = all(env.get(k) for k in REAL_KEYS)
        if real:
            print("Using the real Zoom and S3 credentials from", args.env_file)
        else:
            print("No real credentials: starting the sandbox (Zoom emulator + local S3)…")
            s3 = start_moto(log_dir)
            started.append(s3)
            emulator = start_emulator(log_dir, seed="demo")
            started.append(emulator)
            create_bucket(s3.url, SANDBOX_BUCKET, versioning=True)
            env.update(airflow_env(zoom_api_url=emulator.url, s3_url=s3.url))
            print(f"  Zoom emulator: {emulator.url}   local S3: {s3.url}   bucket: {SANDBOX_BUCKET}")
        print("Starting Airflow (standalone: api-server, scheduler, dag-processor, triggerer)…")
        airflow, password = start_standalone(workdir / "airflow", log_dir, env)
        started.append(airflow)
        api = AirflowApi(airflow.url, "admin", password)
        api.wait_for_dag()
        api.unpause()
        run_id = api.trigger(json.loads(args.conf))
        print(f"Triggered {run_id}; waiting for it to finish…")
        state = api.wait_for_run(run_id)
        tis = api.task_instances(run_id)
        archived = [t for t in tis if t["task_id"] == "archive" and t["state"] == "success"]
        failed = [t for t in tis if t["state"] == "failed"]
        bucket = env["AIRFLOW_VAR_ZOOM_ARCHIVE_BUCKET"]
        prefix = env.get("AIRFLOW_VAR_ZOOM_ARCHIVE_PREFIX", "zoom")
        keys = list_keys(env, bucket, prefix)
        print()
        print(f"Airflow UI:   {airflow.url}   (login: admin / {password})")
        print(f"Run:          {run_id} -> {state.upper()} ({len(archived)} files archived, {len(failed)} failed)")
        print(f"Archived keys in s3://{bucket}/{prefix}/ ({len(keys)}):")
        for key in keys:
            print("  ", key)
        print(f"Logs: {log_dir}")
        if args.exit:
            return 0 if state == "success" else 1
        print("\nAirflow keeps running; press Ctrl-C to stop everything this command started.")
        while all(s.proc.poll() is None for s in started):
            time.sleep(1)
        return 1
    except KeyboardInterrupt:
        print("\nStopping…")
        return 0
    finally:
        stop_all()


if __name__ == "__main__":
    sys.exit(main())
