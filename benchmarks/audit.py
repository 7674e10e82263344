"""Audit benchmark: a plain and a deep audit of N archived objects on moto's S3 server over HTTP.

``python -m benchmarks.audit [--objects 10000] [--size 4096] [--out PATH]``

The archive is written as the archiver writes it (the planner's keys, ``object_metadata``, the ``sha256`` tag) for a
synthetic account (4 files per meeting, 50 hosts, 30 days). Each audit runs in a fresh child process
(``python -m benchmarks.audit --child SPEC_JSON``): wall time of :func:`zoom_archiver.audit.audit.run_audit`, the S3
requests it sent (every HTTP attempt, by operation, counted with a botocore ``before-send`` handler) and the
child's peak RSS (``wait4``), next to its RSS once everything is imported. Zoom's side is an in-process fake
listing the same meetings: the listing's cost is the discovery benchmark's subject, the audit's is S3's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from benchmarks.measure import MIB, fmt, machine_info, markdown_table, run_child

FILE_TYPES = (("MP4", "MP4", "shared_screen_with_speaker_view"), ("M4A", "M4A", "audio_only"),
              ("TRANSCRIPT", "VTT", "audio_transcript"), ("CHAT", "TXT", "chat_file"))  # fmt: skip
HOSTS = 50
DAYS = 30
PREFIX = "zoom"
TO_DATE = date(2026, 11, 30)


def meetings(count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``count`` files' worth of Zoom-shaped meetings (4 files each) and their hosts."""
    hosts = [{"id": f"host{h:03d}", "email": f"host{h:03d}@example.com", "status": "active"} for h in range(HOSTS)]
    result = []
    for m in range((count + len(FILE_TYPES) - 1) // len(FILE_TYPES)):
        start = datetime.combine(TO_DATE, datetime.min.time(), timezone.utc) - timedelta(
            minutes=17 * m % (DAYS * 1440 - 60)
        )
        uuid = f"{m:022d}=="
        files = [
            {"id": f"f{m:06d}-{i}", "meeting_id": uuid, "file_type": ftype, "file_extension": ext, "file_size": 0,
             "recording_type": rtype, "status": "completed", "recording_start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
             "download_url": f"https://zoom.us/rec/download/{m}-{i}"}
            for i, (ftype, ext, rtype) in enumerate(FILE_TYPES)
        ][: count - m * len(FILE_TYPES)]  # fmt: skip
        result.append({"uuid": uuid, "id": 80000000000 + m, "host_id": hosts[m % HOSTS]["id"], "topic": f"Sync {m}",
                       "type": 2, "start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "duration": 30,
                       "recording_files": files})  # fmt: skip
    return result, hosts


class FakeZoom:
    def __init__(self, listed: list[dict[str, Any]], hosts: list[dict[str, Any]]) -> None:
        self.hosts = hosts
        self.by_host: dict[str, list[dict[str, Any]]] = {}
        for meeting in listed:
            self.by_host.setdefault(meeting["host_id"], []).append(meeting)

    def list_users(self) -> list[dict[str, Any]]:
        return self.hosts

    def list_user_recordings(self, user_id: str, start: date, end: date) -> Any:
        return iter(self.by_host.get(user_id, []))


def planned(count: int, size: int) -> tuple[Any, list[Any]]:
    from zoom_archiver.dates import Window
    from zoom_archiver.discover.planning import Filters, Planner
    from zoom_archiver.keys import DEFAULT_KEY_TEMPLATE

    listed, hosts = meetings(count)
    for meeting in listed:
        for f in meeting["recording_files"]:
            f["file_size"] = size
    window = Window(TO_DATE - timedelta(days=DAYS), TO_DATE, scheduled=False)
    planner = Planner(window=window, filters=Filters(), template=DEFAULT_KEY_TEMPLATE, prefix=PREFIX)
    for meeting in listed:
        planner.add(meeting, next(h for h in hosts if h["id"] == meeting["host_id"]))
    return FakeZoom(listed, hosts), planner.files()


def s3_client(endpoint: str) -> Any:
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
                        aws_secret_access_key="bench")  # fmt: skip


def seed(endpoint: str, bucket: str, count: int, size: int) -> float:
    """Write the archive (parallel PUTs with metadata and tag); its wall time."""
    from zoom_archiver.archive.archive import file_metadata

    client = s3_client(endpoint)
    client.create_bucket(Bucket=bucket)
    _, files = planned(count, size)
    started = time.monotonic()

    def put(f: Any) -> None:
        body = (f.file_id.encode() * (size // len(f.file_id) + 1))[:size]
        client.put_object(Bucket=bucket, Key=f.key, Body=body, Metadata=file_metadata(f),
                          Tagging=f"sha256={hashlib.sha256(body).hexdigest()}")  # fmt: skip

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(put, files))
    return time.monotonic() - started


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """One audit in this process: wall, requests by operation, statuses, RSS after the imports."""
    import psutil

    from zoom_archiver.audit.audit import run_audit
    from zoom_archiver.dates import Window
    from zoom_archiver.s3.bucket import ArchiveBucket
    from zoom_archiver.settings import ArchiveSettings

    zoom, _ = planned(spec["objects"], spec["size"])
    client = s3_client(spec["endpoint"])
    requests: dict[str, int] = {}
    lock = threading.Lock()  # the audit's threads send at once: an unlocked += loses counts

    def count(event_name: str = "", **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        with lock:
            requests[operation] = requests.get(operation, 0) + 1

    client.meta.events.register("before-send.s3", count)
    rss_ready = psutil.Process().memory_info().rss
    window = Window(TO_DATE - timedelta(days=DAYS), TO_DATE, scheduled=False)
    settings = ArchiveSettings(bucket=spec["bucket"], prefix=PREFIX)
    started = time.monotonic()
    result = run_audit(zoom, settings, ArchiveBucket(client, spec["bucket"]), window, deep=spec["deep"], list_workers=4)
    wall = time.monotonic() - started
    statuses: dict[str, int] = {}
    for row in result.rows:
        statuses[row.status] = statuses.get(row.status, 0) + 1
    return {"wall": wall, "requests": requests, "statuses": statuses, "rss_ready": rss_ready}


def run(objects: int, size: int) -> dict[str, Any]:
    from zoom_sandbox.services import start_moto

    with tempfile.TemporaryDirectory() as logs:
        moto = start_moto(Path(logs))
        try:
            bucket = "audit-bench"
            seeded = seed(moto.url, bucket, objects, size)
            runs = []
            for deep in (False, True):
                spec = {"endpoint": moto.url, "bucket": bucket, "objects": objects, "size": size, "deep": deep}
                done = run_child(["-m", "benchmarks.audit", "--child", json.dumps(spec)])
                if done.returncode != 0:
                    raise RuntimeError(f"audit child failed: {done.stderr_tail}")
                runs.append({"deep": deep, "peak_rss": done.peak_rss, **done.payload})
        finally:
            moto.stop()
    return {"objects": objects, "size": size, "seed_wall": seeded, "runs": runs}


def markdown(result: dict[str, Any], machine: dict[str, str]) -> str:
    rows = []
    for r in result["runs"]:
        total = sum(r["requests"].values())
        by_op = ", ".join(f"{op} {n:,}" for op, n in sorted(r["requests"].items()))
        rows.append([
            "deep (bytes re-hashed)" if r["deep"] else "plain (HEAD + tags)", f"{result['objects']:,}",
            fmt(r["wall"]), f"{result['objects'] / r['wall']:,.0f}", f"{total:,}", by_op,
            fmt(r["peak_rss"] / MIB), fmt((r["peak_rss"] - r["rss_ready"]) / MIB),
            ", ".join(f"{s} {n:,}" for s, n in sorted(r["statuses"].items())),
        ])  # fmt: skip
    header = ["audit", "objects", "wall s", "objects/s", "S3 requests", "by operation", "peak RSS MiB",
              "peak RSS − RSS after imports MiB", "statuses"]  # fmt: skip
    intro = (
        f"\n## Audit\n\n`python -m benchmarks.audit --objects {result['objects']} --size {result['size']}` "
        f"({machine['date']}, {machine['nproc']} × {machine['cpu']}, load average at start "
        f"{machine['load average at start']}). {result['objects']:,} archived objects of {result['size']:,} bytes "
        f"on moto's S3 server over HTTP (written in {fmt(result['seed_wall'])} s), audited by `run_audit` in a "
        "fresh process each (8 threads for HEADs and tags, 4 for the deep re-hash); Zoom is an in-process fake "
        "listing the same files (the listing's cost is measured under *Discovery*). Requests are HTTP attempts.\n\n"
    )
    return intro + markdown_table(header, rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--out", type=Path, help="append the Markdown section to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    machine = machine_info()
    text = markdown(run(args.objects, args.size), machine)
    print(text)
    if args.out:
        with args.out.open("a", encoding="utf-8") as out:
            out.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
