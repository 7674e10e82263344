"""The run report: one summary of an archive run a person can read (files, bytes, by type and host, what was
skipped and why, quarantine, owed work, API calls, 429s, duration).

``commit`` builds it with :func:`run_report` (a dict: the run's XCom ``run_report``), logs :func:`render_report` (plain
text) and pushes that text as the XCom ``run_report_text``; the ``report`` task (:class:`~zoom_archiver.operators.
run_report.RunReportOperator`) renders the dict as Markdown tables (:func:`render_markdown`) in its template field,
logs the plain text again, and links to the archive page's view of the report, where the tables are drawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

#: The XCom key of the report dict and of its rendering.
REPORT_KEY = "run_report"
REPORT_TEXT_KEY = "run_report_text"
#: What the ``report`` task shows when ``commit`` pushed no report.
NO_REPORT = "No run report: commit did not finish (see its log)."
#: Hosts and types listed one by one in the rendering (the rest are summed up).
MAX_ROWS = 20
#: Where the archive page shows one run's report (the api-server path; ``{run_id}`` URL-quoted).
REPORT_PAGE_PREFIX = "/zoom-archive"
REPORT_PAGE_PATH = REPORT_PAGE_PREFIX + "/runs/{run_id}/report"


def _tally(results: Iterable[Mapping[str, Any]], field: str) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    for result in results:
        row = table.setdefault(str(result.get(field) or "?"), {"files": 0, "bytes": 0})
        row["files"] += 1
        row["bytes"] += int(result.get("size") or 0)
    return dict(sorted(table.items(), key=lambda item: (-item[1]["bytes"], item[0])))


def run_report(
    done: Sequence[Mapping[str, Any]],
    ledger_report: Mapping[str, Any],
    summary: Mapping[str, Any],
    *,
    started_at: datetime | None,
    now: datetime,
) -> dict[str, Any]:
    """The run's report from its archive results (``done``), ``commit``'s ledger report and discover's summary.

    Each result may carry ``file_type`` and ``host_email`` (the ``archive`` task adds them); only files with the
    outcome ``archived`` (bytes copied now) count as archived.
    """
    archived = [r for r in done if r.get("outcome") == "archived"]
    skipped = dict(summary.get("skipped") or {})
    skipped["found_in_s3_by_archive_task"] = sum(1 for r in done if r.get("outcome") != "archived")
    return {
        "files_archived": len(archived),
        "bytes_archived": sum(int(r.get("size") or 0) for r in archived),
        "by_type": _tally(archived, "file_type"),
        "by_host": _tally(archived, "host_email"),
        "skipped": {k: v for k, v in skipped.items() if v},
        "failed": ledger_report.get("failed", 0),
        "quarantined_now": list(ledger_report.get("quarantined_now") or []),
        "quarantined": len(ledger_report.get("quarantined") or []),
        "backlog_files": int(summary.get("backlog") or 0),
        "owed": list(ledger_report.get("owed") or []),
        "user_failures": list(ledger_report.get("user_failures") or []),
        "api_calls": int(summary.get("api_calls") or 0),
        "rate_limited_429": int(summary.get("rate_limited") or 0),
        "duration_seconds": round((now - started_at).total_seconds(), 1) if started_at else None,
    }


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def _largest_first(table: Mapping[str, Mapping[str, int]]) -> list[tuple[str, Mapping[str, int]]]:
    """The rows by bytes, largest first (a report read back from JSON may have its keys sorted by name)."""
    return sorted(table.items(), key=lambda item: (-item[1]["bytes"], item[0]))


def _shown(table: Mapping[str, Mapping[str, int]]) -> list[tuple[str | int, int, int]]:
    """``(name, files, bytes)`` of the :data:`MAX_ROWS` largest rows, then (by the count of rows left out, as an
    ``int``) the rest summed up in one row."""
    items = _largest_first(table)
    shown: list[tuple[str | int, int, int]] = [(n, r["files"], r["bytes"]) for n, r in items[:MAX_ROWS]]
    rest = items[MAX_ROWS:]
    if rest:
        shown.append((len(rest), sum(r["files"] for _, r in rest), sum(r["bytes"] for _, r in rest)))
    return shown


def _rows(title: str, table: Mapping[str, Mapping[str, int]]) -> list[str]:
    if not table:
        return []
    lines = [f"{title}:"]
    for name, files, size in _shown(table):
        label = f"... {name} more" if isinstance(name, int) else name
        lines.append(f"  {label:<40} {files:>6} files {human_bytes(size):>11}")
    return lines


def render_report(report: Mapping[str, Any]) -> str:
    """The report as plain text (what the log and the UI show)."""
    duration = report.get("duration_seconds")
    lines = [
        f"Archived {report['files_archived']} files, {human_bytes(report['bytes_archived'])}"
        + (f" in {duration:.0f} s" if duration is not None else ""),
        *_rows("By type", report["by_type"]),
        *_rows("By host", report["by_host"]),
        "Skipped: " + (", ".join(f"{n} {why.replace('_', ' ')}" for why, n in report["skipped"].items()) or "nothing"),
        f"Failed: {report['failed']}; quarantined now: {len(report['quarantined_now'])}"
        + (f" ({', '.join(report['quarantined_now'][:10])})" if report["quarantined_now"] else "")
        + f"; in quarantine: {report['quarantined']}",
        f"Left for later runs: {report['backlog_files']} files; owed dates: "
        + (", ".join(f"{a}..{b}" for a, b in report["owed"][:10]) or "none"),
        f"Zoom API calls: {report['api_calls']}, of which answered 429: {report['rate_limited_429']}",
    ]
    if report["user_failures"]:
        lines.append("Listing failed for: " + ", ".join(report["user_failures"][:20]))
    return "\n".join(lines)


def _cell(value: object) -> str:
    """A Markdown table cell: ``|`` and line breaks cannot end the cell early."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_table(title: str, table: Mapping[str, Mapping[str, int]]) -> list[str]:
    if not table:
        return []
    lines = ["", f"**{title}**", "", f"| {title.split()[-1]} | files | bytes |", "|---|---:|---:|"]
    for name, files, size in _shown(table):
        label = f"… {name} more" if isinstance(name, int) else _cell(name)
        lines.append(f"| {label} | {files} | {human_bytes(size)} |")
    return lines


def render_markdown(report: Mapping[str, Any]) -> str:
    """The report as Markdown: a headline, a table of the run's figures, the by-type and by-host tables."""
    duration = report.get("duration_seconds")
    skipped = ", ".join(f"{n} {why.replace('_', ' ')}" for why, n in report["skipped"].items()) or "nothing"
    quarantined_now = report["quarantined_now"]
    owed = ", ".join(f"{a}..{b}" for a, b in report["owed"][:10]) or "none"
    rows = [
        ("Files archived", report["files_archived"]),
        ("Bytes archived", human_bytes(report["bytes_archived"])),
        ("Duration", f"{duration:.0f} s" if duration is not None else "—"),
        ("Skipped", skipped),
        ("Failed", report["failed"]),
        ("Quarantined by this run", len(quarantined_now)),
        ("In quarantine", report["quarantined"]),
        ("Left for later runs (files)", report["backlog_files"]),
        ("Owed dates", owed),
        ("Zoom API calls (429s)", f"{report['api_calls']} ({report['rate_limited_429']})"),
    ]
    if quarantined_now:
        rows.insert(6, ("Quarantined files", ", ".join(quarantined_now[:10])))
    if report["user_failures"]:
        rows.append(("Listing failed for", ", ".join(report["user_failures"][:20])))
    lines = [
        f"### Archived {report['files_archived']} files, {human_bytes(report['bytes_archived'])}",
        "",
        "| | |",
        "|---|---|",
        *(f"| {name} | {_cell(value)} |" for name, value in rows),
        *_md_table("By type", report["by_type"]),
        *_md_table("By host", report["by_host"]),
    ]
    return "\n".join(lines)
