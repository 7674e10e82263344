"""The archive page in a real browser (Playwright, headless Debian Chromium) against the full stack's api-server.

A visitor who is not logged in is sent to Airflow's login page and comes back to the page; the page's numbers are
those of the ledger and reclaim record this test wrote (through Airflow's REST API) and of the runs in the metadata
DB; the **Release** button of a quarantined file starts a run of the archive DAG that releases it; the run report of
``conftest.archived_run`` is drawn as tables. Screenshots go to the test's temporary directory, and to
``$ZOOM_SCREENSHOTS_DIR`` when set (``docs/screenshots/archive-page.png``, ``run-report.png``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.fullstack.conftest import VIEWPORT, ArchivedRun
from tests.fullstack.stack import Stack
from tests.fullstack.stack_config import ADMIN_USER, DAG_ID

pytestmark = pytest.mark.fullstack

PAGE = "/zoom-archive/"
TODAY = datetime.now(timezone.utc).date()
#: What this test writes: 3 files archived today, 2 yesterday (3 with their streamed sizes), one failing file,
#: two quarantined ones, one owed range; the reclaim trashed 2 files of one meeting, 3 MiB.
ARCHIVED = {TODAY.isoformat(): ["pg-a", "pg-b", "pg-c"], (TODAY - timedelta(days=1)).isoformat(): ["pg-d", "pg-e"]}
QUARANTINE = {
    "pg-q1": {"since": TODAY.isoformat(), "day": (TODAY - timedelta(days=3)).isoformat(), "key": "page/q1.mp4",
              "reason": "permanent error: Zoom answered 404 for the download"},
    "pg-q2": {"since": TODAY.isoformat(), "day": (TODAY - timedelta(days=2)).isoformat(), "key": "page/q2.mp4",
              "reason": "failed in 3 runs: read timed out"},
}  # fmt: skip
LEDGER = {
    "version": 2,
    "archived": ARCHIVED,
    "owed": [[(TODAY - timedelta(days=10)).isoformat(), (TODAY - timedelta(days=9)).isoformat()]],
    "failures": {"pg-f": {"runs": 1, "day": TODAY.isoformat(), "error": "timeout"}},
    "quarantine": QUARANTINE,
    "hashes": {"pg-a": "a" * 64 + ":1048576", "pg-b": "b" * 64 + ":1048576", "pg-d": "d" * 64 + ":1048576"},
}
TRASHED_AT = datetime.now(timezone.utc) - timedelta(days=2)
RECLAIM = {
    "version": 1,
    "trashed": {f"pg-t{i}": {"at": TRASHED_AT.isoformat(), "meeting": "m1", "size": 1572864} for i in (1, 2)},
    "recovered": {},
    "hashes": {},
    "totals": {"files": 2, "bytes": 3145728},
}


@pytest.fixture(scope="module")
def page_state(stack: Stack, archived_run: ArchivedRun) -> Iterator[None]:
    """The ledger and reclaim record the page must show (after the archive run, which wrote its own ledger)."""
    assert archived_run.state == "success"
    ledger = stack.api.get_variable("zoom_archive_ledger")
    stack.api.set_variable("zoom_archive_ledger", json.dumps(LEDGER))
    stack.api.set_variable("zoom_archive_reclaim", json.dumps(RECLAIM))
    yield
    # the other tests of the shared stack read the archive run's ledger: it goes back as it was
    if ledger is None:
        stack.api.delete_variable("zoom_archive_ledger")
    else:
        stack.api.set_variable("zoom_archive_ledger", ledger)
    stack.api.delete_variable("zoom_archive_reclaim")


def figure(page: Page, name: str) -> str:
    return page.locator(f'[data-figure="{name}"]').inner_text().strip()


def test_logged_out_visitor_logs_in_and_comes_back(browser: Browser, stack: Stack, page_state: None) -> None:
    context = browser.new_context(base_url=stack.config.api_url, viewport=VIEWPORT, locale="en-US")
    try:
        page = context.new_page()
        page.goto(PAGE)
        page.wait_for_url(lambda url: urlsplit(url).path.startswith("/auth/login"))
        page.locator("input[name=username]").fill(ADMIN_USER)
        page.locator("input[name=password]").fill(stack.config.admin_password)
        page.locator("button[type=submit]:not([disabled])").click()
        page.wait_for_url(lambda url: urlsplit(url).path == PAGE, timeout=60_000)
        expect(page.locator("h1")).to_have_text("Zoom archive")
    finally:
        context.close()


def test_the_page_shows_the_state_the_test_created(
    ui: Page, stack: Stack, page_state: None, save_screenshot: Callable[..., Path]
) -> None:
    ui.goto(PAGE)
    expect(ui.locator("h1")).to_have_text("Zoom archive")
    assert figure(ui, "files") == "5"
    assert figure(ui, "bytes") == "3.0 MiB"
    assert figure(ui, f"files:{TODAY.isoformat()}") == "3"
    assert figure(ui, "owed_days") == "2"
    assert figure(ui, "failing") == "1"
    assert figure(ui, "quarantined") == "2"
    assert figure(ui, "reclaim_bytes") == "3.0 MiB"
    assert figure(ui, "reclaim_files") == "2"
    assert figure(ui, "reclaim_meetings") == "1"
    body = ui.locator("body").inner_text()
    assert "Zoom answered 404 for the download" in body  # each quarantined file's last error
    assert (TRASHED_AT + timedelta(days=30)).strftime("%Y-%m-%d") in body  # the nearest deletion deadline
    # By type and host: the run reports of the runs in the metadata DB (the archive run of conftest among them).
    reported = stack.api.dag_runs()
    assert 1 <= int(figure(ui, "runs_reported")) <= len(reported)
    # Each number links to the runs behind it, in the UI's top frame.
    link = ui.locator('a:has([data-figure="files"])')
    assert link.get_attribute("href") == f"/dags/{DAG_ID}/runs"
    assert link.get_attribute("target") == "_top"
    save_screenshot(ui, "archive-page.png", clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": 1000})


def counted_refusals(stack: Stack) -> int:
    """Refused deliveries in the receivers' rows of Airflow's audit log (its REST API)."""
    rows = stack.api.call("GET", "eventLogs", params={"event": "zoom_webhook_deliveries", "limit": 1000})
    return sum(json.loads(row["extra"] or "{}").get("refused", 0) for row in rows["event_logs"])


def test_refused_webhook_deliveries_are_counted_on_the_page(ui: Page, stack: Stack, page_state: None) -> None:
    before = counted_refusals(stack)
    forged = {"x-zm-request-timestamp": str(int(time.time())), "x-zm-signature": "v0=" + "0" * 64}
    for _ in range(3):
        answer = requests.post(f"{stack.config.api_url}/zoom/webhook", data=b"{}", headers=forged, timeout=30)
        assert answer.status_code == 401
    deadline = time.monotonic() + 150  # a receiver writes its counts at most once a minute
    while (counted := counted_refusals(stack)) < before + 3 and time.monotonic() < deadline:
        time.sleep(3)
    assert counted >= before + 3, "the receiver wrote its counts to the audit log"
    ui.goto(PAGE)
    assert figure(ui, "webhooks_refused") == str(counted)
    link = ui.locator('a:has([data-figure="webhooks_refused"])')
    assert link.get_attribute("href") == "/events?event_type=zoom_webhook_deliveries"


def test_the_release_button_starts_a_run_that_releases_the_file(ui: Page, stack: Stack, page_state: None) -> None:
    before = {r["dag_run_id"] for r in stack.api.dag_runs()}
    ui.goto(PAGE)
    ui.locator('button[data-release="pg-q1"]').click()
    ui.wait_for_url(lambda url: f"/dags/{DAG_ID}/runs/" in urlsplit(url).path, timeout=60_000)
    new = [r for r in stack.api.dag_runs() if r["dag_run_id"] not in before]
    assert len(new) == 1, new
    assert quote(new[0]["dag_run_id"], safe="") in ui.url or new[0]["dag_run_id"] in ui.url
    day = QUARANTINE["pg-q1"]["day"]
    assert new[0]["conf"] == {"release_quarantine": ["pg-q1"], "from_date": day, "to_date": day}
    assert stack.api.wait_for_run(new[0]["dag_run_id"], timeout=600) == "success", stack.diagnostics()


def test_the_run_report_is_drawn_as_tables(
    ui: Page, archived_run: ArchivedRun, save_screenshot: Callable[..., Path]
) -> None:
    ui.goto(f"/zoom-archive/runs/{quote(archived_run.run_id, safe='')}/report")
    report = ui.locator("[data-report]")
    expect(report.locator("h3")).to_contain_text("Archived")
    expect(report.locator("table").first).to_be_visible()
    assert report.locator("table").count() == 3  # the figures, by type, by host
    assert "```" not in report.inner_text()
    save_screenshot(ui, "run-report.png", clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": 900})
