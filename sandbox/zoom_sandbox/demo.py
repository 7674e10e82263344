"""``make demo``: see the archiver work end to end in the Airflow UI, in one command.

Without credentials: starts the Zoom emulator and moto's S3 server, then ``airflow standalone`` wired to them.
With a ``.env`` holding real ``AIRFLOW_CONN_ZOOM_DEFAULT``/``AIRFLOW_CONN_AWS_DEFAULT`` and
``AIRFLOW_VAR_ZOOM_ARCHIVE_BUCKET`` (and ``ZOOM_DEMO_REAL_ACCOUNT=yes``): the same run archives from real Zoom into
the real bucket.

One story, in order: the UI address and login as soon as the UI answers; one archive run, triggered by the demo (the
demo's scheduler starts no scheduled run, so this run is the one that archives); the archived keys; in the sandbox, a
recording completed in Zoom and archived through the webhook; then the archive page's address and what it shows.
Airflow stays up until Ctrl-C (``--exit`` stops right away). Either way it stops everything it started, and only that.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from zoom_sandbox.airflow_proc import DAG_ID, REPO, AirflowApi, start_standalone
from zoom_sandbox.services import SANDBOX_BUCKET, Service, airflow_env, create_bucket, start_emulator, start_moto

REAL_KEYS = ("AIRFLOW_CONN_ZOOM_DEFAULT", "AIRFLOW_CONN_AWS_DEFAULT", "AIRFLOW_VAR_ZOOM_ARCHIVE_BUCKET")
#: What the demo takes from ``.env``: connections, Variables, the DAG's knobs and AWS settings. The rest of a
#: compose env file (secrets, AIRFLOW_UID, AIRFLOW__* settings for the containers) does not apply here.
PASSED_PREFIXES = ("AIRFLOW_CONN_", "AIRFLOW_VAR_", "ZOOM_ARCHIVE_", "AWS_", "ZOOM_DEMO_")
#: Host names of the compose sandbox profile: not reachable from this machine.
COMPOSE_SANDBOX_HOSTS = {"zoom-emulator", "s3"}
_PLACEHOLDER = re.compile(r"<[^<>\s]+>")
#: The demo's Airflow starts no scheduled run: the run the demo triggers is the one that archives (no hourly run
#: racing it for the same files). Triggered runs (the demo's, the UI's, the webhook's) run as usual.
DEMO_AIRFLOW_ENV = {"AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False"}
PAGE_PATH = "/zoom-archive/"
_FIGURE = re.compile(r'data-figure="([^"]+)">([^<]*)<')
#: Real credentials archive the whole account (every user's recordings of the look-back): the demo starts on them only
#: when this is set to ``yes`` (in the environment or ``.env``).
REAL_ACCOUNT_FLAG = "ZOOM_DEMO_REAL_ACCOUNT"
REAL_ACCOUNT_WARNING = (
    "The credentials in {env_file} are real: the demo would archive the recordings of every user of that Zoom account "
    "(the look-back: the last 7 days, and any owed work) into s3://{bucket}/. To go ahead, run it again with "
    "ZOOM_DEMO_REAL_ACCOUNT=yes (e.g. `ZOOM_DEMO_REAL_ACCOUNT=yes make demo`); to try the sandbox instead, move "
    "{env_file} away."
)


def load_dotenv_file(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def real_credentials_problem(env: dict[str, str]) -> str | None:
    """Why ``env`` cannot be used against real Zoom and S3 (``None``: it can)."""
    missing = [k for k in REAL_KEYS if not env.get(k)]
    if missing:
        return f"{', '.join(missing)} not set"
    placeholders = [k for k in REAL_KEYS if _PLACEHOLDER.search(env[k])]
    if placeholders:
        return f"{', '.join(placeholders)}: <placeholders> from .env.example not filled in"
    for key in ("AIRFLOW_CONN_ZOOM_DEFAULT", "AIRFLOW_CONN_AWS_DEFAULT"):
        try:
            conn = json.loads(env[key])
        except ValueError:
            return f"{key} is not JSON"
        extra = conn.get("extra") or {}
        hosts = {urlsplit(str(u)).hostname for u in (conn.get("host"), extra.get("endpoint_url")) if u}
        if hosts & COMPOSE_SANDBOX_HOSTS:
            return f"{key} points at the compose sandbox ({', '.join(sorted(hosts & COMPOSE_SANDBOX_HOSTS))})"
    return None


def real_account_confirmed(env: dict[str, str]) -> bool:
    """Whether the user confirmed that the demo may archive a real account (:data:`REAL_ACCOUNT_FLAG` ``yes``)."""
    return env.get(REAL_ACCOUNT_FLAG, "").strip().lower() == "yes"


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
    keys = [obj["Key"] for page in pages for obj in page.get("Contents", [])]
    return [key for key in keys if not key.endswith("/manifest.json")]  # recordings only, not meeting manifests


def describe_run(api: AirflowApi, run: dict[str, Any]) -> str:
    """``SUCCESS  28 files archived, 0 failed`` (or why nothing was archived)."""
    tis = api.task_instances(run["dag_run_id"])
    states: dict[str, list[str]] = {}
    for ti in tis:
        states.setdefault(ti["task_id"], []).append(ti["state"])
    archive = [ti for ti in tis if ti["task_id"] == "archive" and ti["map_index"] >= 0]
    if states.get("discover") != ["success"]:
        detail = f"discover {'/'.join(states.get('discover', ['did not run']))} (see its log)"
    elif not archive:
        detail = "nothing new to archive"
    else:
        done = sum(ti["state"] == "success" for ti in archive)
        failed = sum(ti["state"] in ("failed", "upstream_failed") for ti in archive)
        detail = f"{done} files archived, {failed} failed"
    return f"{run['state'].upper():8} {detail}"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    workdir = Path(args.workdir).resolve()
    log_dir = workdir / "logs"
    started: list[Service] = []

    finished = False
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    try:
        env = {k: v for k, v in load_dotenv_file(Path(args.env_file)).items() if k.startswith(PASSED_PREFIXES)}
        env.update({k: v for k, v in os.environ.items() if k in (*REAL_KEYS, REAL_ACCOUNT_FLAG)})
        emulator = _sandbox_unless_real(env, args.env_file, log_dir, started)
        print("Starting Airflow (standalone: api-server, scheduler, dag-processor, triggerer)…", flush=True)
        airflow, password = start_standalone(
            workdir / "airflow", log_dir, {**env, **DEMO_AIRFLOW_ENV}, api_port=args.port
        )
        started.append(airflow)
        print(f"Airflow UI:   {airflow.url}   (login: admin / {password})", flush=True)
        ok = _run_and_report(airflow, password, env, args.conf, emulator)
        print(f"Logs: {log_dir}", flush=True)
        finished = True
        if args.exit:
            return 0 if ok else 1
        print("\nAirflow keeps running; press Ctrl-C to stop everything this command started.", flush=True)
        while all(s.proc.poll() is None for s in started):
            time.sleep(1)
        print("A component stopped unexpectedly; see the logs in", log_dir)
        return 1
    except KeyboardInterrupt:
        print("\nStopping…", flush=True)
        return 0 if finished else 130
    finally:
        _stop_all(started)
        print("Stopped everything this command started.", flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exit", action="store_true", help="stop everything after the run (for scripts and CI)")
    parser.add_argument("--workdir", default=str(REPO / ".sandbox"), help="state and logs (default .sandbox/)")
    parser.add_argument("--env-file", default=str(REPO / ".env"))
    parser.add_argument("--conf", default="{}", help="run conf JSON, e.g. '{\"dry_run\": true}'")
    parser.add_argument("--port", type=int, default=0, help="Airflow UI/API port (default 8080, or a free one)")
    return parser


def _on_signal(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _stop_all(started: list[Service]) -> None:
    """Stop what was started, last first."""
    # A second Ctrl-C (or a SIGTERM) must not interrupt the clean-up half way.
    stoppers = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in stoppers}
    try:
        while started:
            started.pop().stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _sandbox_unless_real(env: dict[str, str], env_file: str, log_dir: Path, started: list[Service]) -> Service | None:
    """Without usable real credentials in ``env``: start the emulator and local S3 and point ``env`` at them;
    return the emulator (``None``: the real Zoom and S3)."""
    problem = real_credentials_problem(env)
    if problem is None:
        if not real_account_confirmed(env):
            bucket = env["AIRFLOW_VAR_ZOOM_ARCHIVE_BUCKET"]
            raise SystemExit(REAL_ACCOUNT_WARNING.format(env_file=env_file, bucket=bucket))
        print("Using the real Zoom and S3 credentials from", env_file, f"({REAL_ACCOUNT_FLAG}=yes)")
        return None
    print(f"No real credentials ({problem}): starting the sandbox (Zoom emulator + local S3)…")
    s3 = start_moto(log_dir)
    started.append(s3)
    emulator = start_emulator(log_dir, seed="demo")
    started.append(emulator)
    create_bucket(s3.url, SANDBOX_BUCKET, versioning=True)
    env.update(airflow_env(zoom_api_url=emulator.url, s3_url=s3.url))
    print(f"  Zoom emulator: {emulator.url}   local S3: {s3.url}   bucket: {SANDBOX_BUCKET}")
    return emulator


def _run_and_report(airflow: Service, password: str, env: dict[str, str], conf: str, emulator: Service | None) -> bool:
    """Trigger the archive run and wait for it, print it and the archived keys (and, in the sandbox, the webhook
    part), then the archive page; whether everything succeeded."""
    api = AirflowApi(airflow.url, "admin", password)
    api.wait_for_dag()
    api.unpause()
    run_id = api.trigger(json.loads(conf))
    print(f"Triggered {run_id}: watch it at {airflow.url}/dags/{DAG_ID}/runs/{quote(run_id, safe='')}", flush=True)
    api.wait_for_run(run_id)
    runs = api.wait_for_all_runs()
    bucket = env["AIRFLOW_VAR_ZOOM_ARCHIVE_BUCKET"]
    prefix = env.get("AIRFLOW_VAR_ZOOM_ARCHIVE_PREFIX", "zoom")
    keys = list_keys(env, bucket, prefix)
    print(f"Runs of {DAG_ID}:")
    for run in runs:
        print(f"  {run['dag_run_id']:48} {describe_run(api, run)}")
    print(f"Archived keys in s3://{bucket}/{prefix}/ ({len(keys)}):")
    for key in keys:
        print("  ", key)
    ok = all(run["state"] == "success" for run in runs)
    if emulator is not None:  # the sandbox: show a recording archived through Zoom's webhook
        from zoom_sandbox.demo_webhook import show_webhook

        ok = show_webhook(api, airflow.url, emulator, lambda: list_keys(env, bucket, prefix)) and ok
    print_page(api, airflow.url)
    return ok


def page_figures(html: str) -> dict[str, str]:
    """The figures the archive page shows (its ``data-figure`` values)."""
    return {name: value.strip() for name, value in _FIGURE.findall(html)}


def print_page(api: AirflowApi, airflow_url: str) -> None:
    """The archive page's address and its headline figures, read from the page itself (what the UI shows)."""
    url = airflow_url + PAGE_PATH
    response = api.session.get(url, timeout=api.timeout)
    if not response.ok:
        print(f"\nArchive page: {url} (it answered {response.status_code}; see the api-server log)")
        return
    shown = page_figures(response.text)
    print(f"\nArchive page: {url}   (in the UI: Zoom archive in the navigation)")
    print(
        f"  it shows {shown.get('files', '?')} files ({shown.get('bytes', '?')}), "
        f"{shown.get('quarantined', '?')} in quarantine, "
        f"{shown.get('webhooks_accepted', '?')} webhook deliveries in the last 24 hours"
    )


if __name__ == "__main__":
    sys.exit(main())
