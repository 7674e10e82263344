"""The benchmark keeps working: ``python -m benchmarks.run --smoke`` in a subprocess, then its report is checked.

Every row must be there and every figure the smoke can measure sanely must be a number. No timing thresholds:
the machine is shared, and the full benchmark (``make bench``) is the one whose figures matter. Only properties
that do not depend on speed are asserted (the archive writes no file bytes to disk, the DAG file makes no network
call, the small-files run archives every file).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024
NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?$")


def tables(text: str) -> dict[str, list[dict[str, str]]]:
    """Each ``## Section``'s first Markdown table, as rows keyed by header."""
    out: dict[str, list[dict[str, str]]] = {}
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        title, _, body = section.partition("\n")
        lines = [line for line in body.splitlines() if line.startswith("|")]
        if len(lines) < 2:
            continue
        header = [c.strip() for c in lines[0].strip("|").split("|")]
        out[title.strip()] = [
            dict(zip(header, (c.strip() for c in line.strip("|").split("|")), strict=True)) for line in lines[2:]
        ]
    return out


def number(cell: str) -> float:
    assert NUMBER.match(cell), f"not a number: {cell!r}"
    return float(cell.replace(",", ""))


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[str, str]:
    out = tmp_path_factory.mktemp("bench") / "smoke.md"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--smoke", "--out", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out.read_text(encoding="utf-8"), proc.stdout


def test_report_is_printed_and_written(report):
    written, printed = report
    assert written.strip() == printed.strip()
    assert "**Machine**:" in written
    for section in ("Targets", "Streaming", "Discovery", "DAG import", "Many small files"):
        assert f"\n## {section}\n" in written
    assert "## Errors" not in written
    assert "**failed**" not in written


def test_streaming_rows(report):
    rows = tables(report[0])["Streaming"]
    cases = {(r["case"], r["file"]): r for r in rows}
    expected = [("archive of a 1 KiB file (baseline)", "1 KiB")]
    for size in ("16 MiB", "32 MiB"):
        expected += [
            ("archive (ours: streamed)", size),
            ("download alone → /dev/null", size),
            ("upload alone (same bytes, generated)", size),
            ("blog: temp file, then upload", size),
            ("archive over HTTPS (TLS, CRC32 trailer)", size),
            ("upload alone over HTTPS (TLS, CRC32 trailer)", size),
        ]
    throttled = " — CDN throttled to the upload speed"
    expected += [
        ("archive (ours: streamed)" + throttled, "16 MiB"),
        ("download alone → /dev/null" + throttled, "16 MiB"),
        ("blog: temp file, then upload" + throttled, "16 MiB"),
    ]
    assert sorted(cases) == sorted(expected)
    for row in rows:
        assert row["complete"] == "yes", row
        for column in ("wall s (median)", "wall s (best)", "MB/s (best)", "peak RSS MiB (max)",
                       "RSS over 1 KiB archive MiB", "bytes written to local disk (max)"):  # fmt: skip
            number(row[column])
        if not row["case"].startswith(("download", "archive of a 1 KiB")):  # multipart uploads
            number(row["S3 complete s"])
            number(row["last part stored at s"])
        assert number(row["peak RSS MiB (max)"]) > 50
        cpu = [c.strip() for c in row["CPU s: ours / moto / emulator"].split("/")]
        assert len(cpu) == 3
        for cell in cpu:
            number(cell)
    for size in ("16 MiB", "32 MiB"):
        # The archive streams: no byte of the file reaches the local disk (over HTTPS neither).
        assert number(cases[("archive (ours: streamed)", size)]["bytes written to local disk (max)"]) < MIB
        https = cases[("archive over HTTPS (TLS, CRC32 trailer)", size)]
        assert number(https["bytes written to local disk (max)"]) < MIB


def test_discovery_rows(report):
    rows = tables(report[0])["Discovery"]
    assert [r["method"] for r in rows] == [
        "ours: ZoomClient, cap 19/s, 4 workers",
        "plain serial loop, no cap, sleep 1 s on 429",
    ]
    for row in rows:
        assert row["failed"] == "no"
        assert number(row["API calls"]) > 0
        for column in ("429s received", "wall s", "floor s (calls ÷ rate)", "wall ÷ floor", "calls/s"):
            number(row[column])
        assert number(row["meetings listed"]) > 0
    assert rows[0]["meetings listed"] == rows[1]["meetings listed"]
    assert rows[0]["API calls"] == rows[1]["API calls"]


def test_discovery_at_the_limit_rows(report):
    (row,) = tables(report[0])["Discovery at Zoom's limit"]
    assert row["case"] == "30 users, a second integration takes half the budget"
    assert row["failed"] == "no"
    # calendar-month windows: every user costs one call for the 30-day range, plus two users pages
    assert number(row["API calls"]) == number(row["minimum calls"]) == 32
    for column in ("429s received", "wall s", "wall ÷ floor", "peak RSS MiB", "XCom KiB (files + summary)"):
        number(row[column])
    assert number(row["files mapped"]) == number(row["meetings in range"]) > 0
    assert "served" in row["second integration's calls"]


def test_dag_import_rows(report):
    text = report[0]
    rows = tables(text)["DAG import"]
    assert [r["import"].split(":")[0] for r in rows] == ["warm", "cold", "cold"]
    for row in rows:
        for column in ("empty DAG ms", "same DAG without our package ms", "zoom_recordings_to_s3.py ms",
                       "added over the empty DAG ms"):  # fmt: skip
            number(row[column])
    assert "Network calls made while importing the DAG file: **0**" in text


def test_small_files_row(report):
    (row,) = tables(report[0])["Many small files"]
    assert row["run state"] == "success"
    assert number(row["files"]) == number(row["archived"]) == number(row["objects in S3"]) == 10
    for column in ("run wall s", "archive phase s", "Σ task time s", "median task s", "per-file wall s",
                   "scheduler overhead per file s"):  # fmt: skip
        number(row[column])


def test_targets(report):
    rows = tables(report[0])["Targets"]
    names = [r["target"] for r in rows]
    expected_prefixes = [
        "streaming 16 MiB: wall ÷ slower leg alone",
        "streaming 32 MiB: wall ÷ slower leg alone",
        "streaming 16 MiB over HTTPS: wall ÷ slower leg alone",
        "streaming 32 MiB over HTTPS: wall ÷ slower leg alone",
        "matched leg speeds (16 MiB): wall ÷ blog method",
        "matched leg speeds (16 MiB): wall ÷ blog method, the S3 endpoint's CompleteMultipartUpload left out of both",
        "peak RSS added by the transfer, 16 MiB",
        "peak RSS added by the transfer, 32 MiB",
        "peak RSS 32 MiB ÷ 16 MiB",
        "bytes of the 16 MiB file on local disk",
        "bytes of the 32 MiB file on local disk",
        "discovery, ours: ZoomClient, cap 19/s, 4 workers, 0 ms latency: wall ÷ floor",
        "discovery at the limit, 30 users, a second integration takes half the budget: no run failed",
        "DAG import added over an empty DAG (one interpreter, median)",
        "DAG import added over an empty DAG (first parse in a fresh process, best)",
        "network calls at DAG import",
    ]
    assert names == expected_prefixes
    for row in rows:
        assert row["result"] in ("**PASS**", "**FAIL**"), row
        assert "n/a" not in row["measured"], row
    by_name = {r["target"]: r for r in rows}
    # Not timings: properties of the product that hold on any machine.
    for name in ("bytes of the 16 MiB file on local disk", "bytes of the 32 MiB file on local disk",
                 "network calls at DAG import"):  # fmt: skip
        assert by_name[name]["result"] == "**PASS**", by_name[name]
