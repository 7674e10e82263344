"""The archive page's HTML (zoom_archiver.page.render): each figure linked to the runs behind it, nothing a record
holds interpreted as HTML, and empty sections said plainly."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from zoom_archiver.ledger import Ledger
from zoom_archiver.page.render import Links, render_page
from zoom_archiver.page.summary import PageInputs, RunInfo, build_page
from zoom_archiver.reclaim.record import ReclaimRecord

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)


def html(ledger: Ledger, runs: list[RunInfo] | None = None, root: str = "") -> str:
    page = build_page(PageInputs(ledger, ReclaimRecord(), runs or [], [], None, None, NOW))
    return render_page(page, Links(root), bucket="b", prefix="zoom", cache_seconds=300)


def test_an_empty_archive_reads_well():
    text = html(Ledger())
    assert '<span data-figure="files">0</span>' in text
    assert "Nothing in quarantine." in text
    assert "No deletion deadline known" in text
    assert "No audit has run yet." in text
    assert "s3://b/zoom/" in text


def test_figures_link_to_the_runs_behind_them_under_the_base_path():
    report = {"by_type": {"MP4": {"files": 2, "bytes": 9}}, "by_host": {}, "backlog_files": 3}
    text = html(
        Ledger(archived={"a": date(2026, 3, 10)}),
        [RunInfo("zoom_recordings_to_s3", "r:1", "success", NOW, report)],
        "/base",
    )
    assert (
        '<a href="/base/dags/zoom_recordings_to_s3/runs" target="_top"><span data-figure="files">1</span></a>' in text
    )
    assert (
        'href="/base/dags/zoom_recordings_to_s3/runs/r%3A1" target="_top"><span data-figure="backlog">3</span>' in text
    )
    assert '<span data-figure="files:MP4">2</span>' in text
    assert 'action="/base/zoom-archive/release"' not in text  # no quarantine: no release form


def test_quarantine_rows_escape_what_the_records_hold():
    bad = {"since": "2026-03-01", "day": "2026-02-01", "key": "k", "reason": "<script>alert(1)</script>"}
    text = html(Ledger(quarantine={'q"1': bad}))
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert 'data-release="q&quot;1"' in text
    assert re.search(r'<button type=submit data-release="all">Release all 1</button>', text)


def test_the_estimated_end_says_when_only_owed_days_or_failing_files_are_left():
    from datetime import date as day

    assert '<span data-figure="estimated_end">nothing left</span>' in html(Ledger())
    owed = Ledger(owed=[(day(2026, 3, 1), day(2026, 3, 2))])
    assert '<span data-figure="estimated_end">with the next runs</span>' in html(owed)


def test_webhook_deliveries_show_each_outcome_linked_to_the_audit_log():
    counted = {"accepted": 4, "duplicate": 7, "refused": 2, "unavailable": 1}
    page = build_page(
        PageInputs(
            Ledger(), ReclaimRecord(), [], [RunInfo("zoom_meeting_to_s3", "w", "success", NOW)], None, None, NOW,
            deliveries=counted,
        )
    )  # fmt: skip
    text = render_page(page, Links("/base"), bucket="b", prefix="zoom", cache_seconds=300)
    log = '<a href="/base/events?event_type=zoom_webhook_deliveries" target="_top">'
    assert '<a href="/base/dags/zoom_meeting_to_s3/runs" target="_top"><span data-figure="webhooks_accepted">1' in text
    assert log + '<span data-figure="webhooks_duplicate">7</span></a> duplicates' in text
    assert log + '<span data-figure="webhooks_refused">2</span></a> refused' in text
    assert log + '<span data-figure="webhooks_unavailable">1</span></a> answered 503' in text
