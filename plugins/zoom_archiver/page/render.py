"""The archive page as HTML (one self-contained document, no script): every figure carries ``data-figure`` (what the
browser tests read) and links to the runs behind it in Airflow's UI (``target=_top``: the page may be shown in the
UI's frame)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from urllib.parse import quote

from zoom_archiver.names import (
    ARCHIVE_DAG_ID,
    AUDIT_DAG_ID,
    RECLAIM_DAG_ID,
    WEBHOOK_DAG_ID,
    WEBHOOK_DELIVERIES_EVENT,
)
from zoom_archiver.page.summary import ArchivePage, Tally
from zoom_archiver.publish.report import human_bytes

STYLE = " ".join(
    [
        "body{font-family:system-ui,sans-serif;margin:24px;color:#1a202c;background:#fff}",
        "h1{font-size:22px;margin:0 0 4px}",
        "h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e2e8f0;padding-bottom:4px}",
        ".muted{color:#718096;font-size:13px}",
        ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:12px}",
        ".card{border:1px solid #e2e8f0;border-radius:8px;padding:12px} .card b{display:block;font-size:24px}",
        "table{border-collapse:collapse;font-size:14px;margin:6px 0}",
        "td,th{border-bottom:1px solid #edf2f7;padding:4px 10px;text-align:left} td.n,th.n{text-align:right}",
        "a{color:#2b6cb0;text-decoration:none} a:hover{text-decoration:underline}",
        ".ok{color:#276749} .bad{color:#c53030} .cols{display:flex;gap:32px;flex-wrap:wrap}",
        "button{background:#2b6cb0;color:#fff;border:0;border-radius:6px;padding:6px 12px;cursor:pointer}",
    ]
)


class Links:
    """Airflow UI addresses under the api-server's ``root`` path."""

    def __init__(self, root: str) -> None:
        self.root = root.rstrip("/")

    def runs(self, dag_id: str) -> str:
        return f"{self.root}/dags/{dag_id}/runs"

    def run(self, dag_id: str, run_id: str) -> str:
        return f"{self.root}/dags/{dag_id}/runs/{quote(run_id, safe='')}"

    def audit_log(self, event: str) -> str:
        return f"{self.root}/events?event_type={quote(event, safe='')}"

    def page(self, path: str) -> str:
        return f"{self.root}/zoom-archive/{path.lstrip('/')}"


def figure(name: str, value: object, href: str | None) -> str:
    text = f'<span data-figure="{escape(name)}">{escape(str(value))}</span>'
    return f'<a href="{escape(href)}" target="_top">{text}</a>' if href else text


def card(label: str, name: str, value: object, href: str | None) -> str:
    return f"<div class=card>{escape(label)}<b>{figure(name, value, href)}</b></div>"


def table(head: Sequence[str], rows: Iterable[Sequence[str]], empty: str) -> str:
    body = "".join("<tr>" + "".join(f"<td{_n(c)}>{c}</td>" for c in row) + "</tr>" for row in rows)
    if not body:
        return f'<p class="muted">{escape(empty)}</p>'
    heads = "".join(f"<th{_n(h)}>{escape(h)}</th>" for h in head)
    return f"<table><tr>{heads}</tr>{body}</table>"


def _n(cell: str) -> str:
    return ' class="n"' if cell[:1].isdigit() or cell.startswith("<a") or cell in ("files", "bytes", "runs") else ""


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def render_page(page: ArchivePage, links: Links, *, bucket: str, prefix: str, cache_seconds: int) -> str:
    sections = [
        _header(page, bucket, prefix, cache_seconds),
        _totals(page, links),
        _owed(page, links),
        _deadlines(page),
        _quarantine(page, links),
        _reclaim(page, links),
        _audit(page, links),
        _webhooks(page, links),
    ]
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Zoom archive</title>'
        f"<style>{STYLE}</style></head><body>{''.join(sections)}</body></html>"
    )


def _header(page: ArchivePage, bucket: str, prefix: str, cache_seconds: int) -> str:
    where = escape(f"s3://{bucket}/{prefix}/") if bucket else "bucket not configured"
    return (
        f"<h1>Zoom archive</h1><p class=muted>{where} · as of {when(page.built_at)} "
        f"(refreshed at most every {cache_seconds // 60} min)</p>"
    )


def _tally_rows(rows: Sequence[Tally], href: str) -> list[list[str]]:
    return [
        [escape(t.name), figure(f"files:{t.name}", t.files, href), escape(human_bytes(t.bytes))]
        + ([str(t.runs)] if t.runs else [])
        for t in rows
    ]


def _totals(page: ArchivePage, links: Links) -> str:
    runs = links.runs(ARCHIVE_DAG_ID)
    cards = [
        card("files in the ledger", "files", page.files, runs),
        card("bytes streamed (ledger)", "bytes", human_bytes(page.bytes), runs),
        card("runs reported", "runs_reported", page.runs_reported, runs),
    ]
    by_day = table(["archived on", "files", "bytes"], _tally_rows(page.by_day, runs), "Nothing archived yet.")
    by_type = table(["type", "files", "bytes", "runs"], _tally_rows(page.by_type, runs), "No run report yet.")
    by_host = table(["host", "files", "bytes", "runs"], _tally_rows(page.by_host, runs), "No run report yet.")
    return (
        f"<h2 id=totals>Archived</h2><div class=grid>{''.join(cards)}</div><div class=cols><div><h3>By day</h3>"
        f"{by_day}</div><div><h3>By type</h3>{by_type}</div><div><h3>By host</h3>{by_host}</div></div>"
        "<p class=muted>By day: the ledger (files kept for its retention). By type and host: the run reports of the "
        "runs the metadata DB holds.</p>"
    )


def _owed(page: ArchivePage, links: Links) -> str:
    owed = page.owed
    latest = links.run(ARCHIVE_DAG_ID, owed.backlog_run) if owed.backlog_run else links.runs(ARCHIVE_DAG_ID)
    ranges = ", ".join(f"{a}..{b}" for a, b in owed.ranges[:10]) or "none"
    end = owed.estimated_end.isoformat() if owed.estimated_end else _no_estimate(page)
    cards = [
        card("files left for later runs", "backlog", owed.backlog_files, latest),
        card("owed meeting days", "owed_days", owed.days, latest),
        card("files failing (not yet quarantined)", "failing", owed.failing, latest),
        card("pace (files/day, last 7 days)", "pace", owed.pace_per_day, None),
        card("estimated end", "estimated_end", end, None),
    ]
    owed_dates = f"<p class=muted>Owed dates: {escape(ranges)}</p>"
    return f"<h2 id=owed>Owed work</h2><div class=grid>{''.join(cards)}</div>{owed_dates}"


def _no_estimate(page: ArchivePage) -> str:
    """What the estimated end says when there is no backlog to divide by the pace."""
    owed = page.owed
    if owed.backlog_files:
        return "— (no pace yet)"
    return "with the next runs" if owed.days or owed.failing else "nothing left"


def _deadlines(page: ArchivePage) -> str:
    rows = [[escape(when(d.at)), escape(d.what), f"<code>{escape(d.file_id)}</code>"] for d in page.deadlines]
    return "<h2 id=deadlines>Nearest Zoom deletion deadlines</h2>" + table(
        ["when", "what", "file"], rows, "No deletion deadline known (nothing trashed by the reclaim, no plan)."
    )


def _quarantine(page: ArchivePage, links: Links) -> str:
    action = escape(links.page("release"))
    button = '<form method=post action="{a}" style="display:inline"><input type=hidden name=file_id value="{v}">'
    button += '<button type=submit data-release="{v}">{t}</button></form>'
    rows = [
        [f"<code>{escape(q['file_id'])}</code>", escape(q["since"]), escape(q["day"]), escape(q["reason"]),
         button.format(a=action, v=escape(q["file_id"]), t="Release")]
        for q in page.quarantine
    ]  # fmt: skip
    release_all = button.format(a=action, v="all", t=f"Release all {len(page.quarantine)}") if rows else ""
    count = figure("quarantined", len(page.quarantine), links.runs(ARCHIVE_DAG_ID))
    return (
        f"<h2 id=quarantine>Quarantine ({count})</h2>"
        + table(["file", "since", "meeting day", "last error", ""], rows, "Nothing in quarantine.")
        + release_all
    )


def _reclaim(page: ArchivePage, links: Links) -> str:
    r, runs = page.reclaim, links.runs(RECLAIM_DAG_ID)
    cards = [
        card("bytes freed", "reclaim_bytes", human_bytes(r["bytes"]), runs),
        card("files trashed", "reclaim_files", r["files"], runs),
        card("meetings trashed (last 90 days)", "reclaim_meetings", r["meetings_recent"], runs),
        card("next reclaim run", "reclaim_next", when(r["next_due"]), runs),
    ]
    return f"<h2 id=reclaim>Zoom storage reclaimed</h2><div class=grid>{''.join(cards)}</div>"


def _audit(page: ArchivePage, links: Links) -> str:
    audit = page.audit
    if audit is None:
        return '<h2 id=audit>Last audit</h2><p class="muted">No audit has run yet.</p>'
    run = links.run(AUDIT_DAG_ID, audit["run_id"])
    verdict = {True: "passed", False: "failed", None: audit["state"] or "unknown"}[audit["passed"]]
    css = {True: "ok", False: "bad", None: "muted"}[audit["passed"]]
    report = audit.get("report")
    link = f' · <a href="{escape(links.page("audit/report"))}">report.json</a> ({escape(report)})' if report else ""
    reason = f"<p class=bad>{escape(audit['reason'])}</p>" if audit["passed"] is False else ""
    return (
        f"<h2 id=audit>Last audit</h2><p><b class={css}>{figure('audit', verdict, run)}</b> · "
        f"meetings {escape(str(audit.get('range', '?')))} · {audit.get('intact', 0)} intact{link}</p>{reason}"
    )


def _webhooks(page: ArchivePage, links: Links) -> str:
    hooks, runs = page.webhooks, links.runs(WEBHOOK_DAG_ID)
    counted = links.audit_log(WEBHOOK_DELIVERIES_EVENT)
    states = ", ".join(f"{n} {escape(s)}" for s, n in sorted(hooks["by_state"].items())) or "none"
    return (
        "<h2 id=webhooks>Webhook deliveries, last 24 hours</h2>"
        f"<p>{figure('webhooks_accepted', hooks['accepted'], runs)} accepted (each queued one run of "
        f"{WEBHOOK_DAG_ID}; its runs: {states}) · {figure('webhooks_duplicate', hooks['duplicate'], counted)} "
        f"duplicates · {figure('webhooks_refused', hooks['refused'], counted)} refused · "
        f"{figure('webhooks_unavailable', hooks['unavailable'], counted)} answered 503 (Zoom retries).</p>"
        "<p class=muted>Duplicates, refused and 503 deliveries queue no run: each api-server process counts them and "
        "writes its counts to Airflow's audit log at most once a minute (the newest minute may be missing).</p>"
    )


def render_run_report(dag_id: str, run_id: str, markdown: str, links: Links) -> str:
    """One run's report, its Markdown tables drawn (CommonMark with tables; raw HTML in the report is escaped)."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    back = f'<a href="{escape(links.run(dag_id, run_id))}" target="_top">{escape(run_id)}</a>'
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Run report</title>'
        f'<style>{STYLE}</style></head><body><p class=muted><a href="{escape(links.page(""))}">Zoom archive</a> · '
        f"run report of {escape(dag_id)} {back}</p><div data-report>{body}</div></body></html>"
    )
