"""The Airflow UI in a real browser (headless Debian Chromium over CDP), against the full stack's api-server.

Logs in through SimpleAuthManager's login form, opens the trigger form of ``zoom_recordings_to_s3`` and checks
that our params render as intended (date pickers for the dates, switches for dry run and force, ...), fills it in
and triggers a dry run from it. Before that, it opens the grid of the archive run of ``conftest.archived_run``,
whose mapped task instances carry readable names (host · topic · type · start).

Screenshots go to the test's temporary directory, and also to ``$ZOOM_SCREENSHOTS_DIR`` when set
(``ZOOM_SCREENSHOTS_DIR=docs/screenshots pytest tests/fullstack`` refreshes the README's screenshots).
"""

from __future__ import annotations

import os
import shutil
import struct
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.fullstack.browser import Browser, find_chromium
from tests.fullstack.conftest import ArchivedRun
from tests.fullstack.stack import ADMIN_USER, DAG_ID, Stack

pytestmark = pytest.mark.fullstack

FORM = "document.querySelector('[data-scope=dialog][data-part=content]')"


def save_screenshot(browser: Browser, tmp_dir: Path, name: str, **kwargs) -> Path:
    path = browser.screenshot(tmp_dir / name, **kwargs)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 800, (width, height)
    assert height >= 600, (width, height)
    assert len(data) > 30_000, f"{name} looks empty ({len(data)} bytes)"
    if target := os.environ.get("ZOOM_SCREENSHOTS_DIR"):
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / name)
    return path


@pytest.fixture(scope="module")
def ui(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """A headless Chromium logged in to the stack's UI through the login form."""
    assert find_chromium(), "headless Chromium is needed: apt-get install chromium"
    log = tmp_path_factory.mktemp("chromium") / "chromium.log"
    with Browser(log, width=1440, height=1000) as browser:
        base = stack.config.api_url
        browser.navigate(f"{base}/dags/{DAG_ID}")
        # Not logged in: the UI sends us to SimpleAuthManager's login page.
        browser.wait_for("location.pathname.startsWith('/auth/login')", what="the login page")
        browser.click("document.querySelector('input[name=username]')")
        browser.type_text(ADMIN_USER)
        browser.click("document.querySelector('input[name=password]')")
        browser.type_text(stack.config.admin_password)
        browser.click("document.querySelector('button[type=submit]:not([disabled])')", what="Sign in")
        browser.wait_for(f"location.pathname === '/dags/{DAG_ID}'", timeout=60, what="the DAG page after login")
        browser.wait_for("document.body.innerText.includes('archive')", what="the DAG's tasks")
        yield browser


def type_date(browser: Browser, element_id: str, day: str) -> None:
    """Type an ISO date into an ``<input type=date>`` the way a user does (en-US segments: MM DD YYYY)."""
    browser.click(f"document.getElementById('{element_id}')", what=element_id)
    year, month, dom = day.split("-")
    browser.type_keys(month + dom + year)
    value = browser.evaluate(f"document.getElementById('{element_id}').value")
    assert value == day, f"{element_id}: typed {day}, the date picker holds {value!r}"


def test_grid_shows_readable_mapped_task_names(
    ui: Browser, stack: Stack, archived_run: ArchivedRun, tmp_path: Path
) -> None:
    assert archived_run.state == "success"
    labels = sorted(
        ti["rendered_map_index"]
        for ti in stack.api.task_instances(archived_run.run_id)
        if ti["task_id"] == "archive" and ti["map_index"] >= 0
    )
    run = quote(archived_run.run_id, safe="")
    ui.navigate(f"{stack.config.api_url}/dags/{DAG_ID}/runs/{run}/tasks/archive/mapped")
    ui.wait_for(f"document.body.innerText.includes('Task Instances [{len(labels)}]')", timeout=60,
                what="the mapped task instances of archive")  # fmt: skip
    shown = ui.wait_for(
        """(() => { const cells = Array.from(document.querySelectorAll('table tbody tr'))
             .map(tr => tr.innerText).filter(t => t.includes(' · '));
           return cells.length ? cells : null; })()""",
        what="rows named host · topic · type · start",
    )
    # The table shows the first page; every row is one of the run's mapped instances, by its readable name.
    assert len(shown) >= min(len(labels), 10)
    for row in shown:
        assert any(label in row for label in labels), f"unexpected row {row!r}"
    # The grid on the left shows the run and our four tasks.
    grid = ui.evaluate("document.body.innerText")
    for task in ("discover", "housekeeping", "archive", "commit"):
        assert task in grid
    time.sleep(1)
    save_screenshot(ui, tmp_path, "grid-after-run.png")


def test_trigger_form_renders_our_params_and_triggers_a_dry_run(ui: Browser, stack: Stack, tmp_path: Path) -> None:
    base = stack.config.api_url
    runs_before = {r["dag_run_id"] for r in stack.api.dag_runs()}
    ui.send("Emulation.setDeviceMetricsOverride", width=1440, height=1500, deviceScaleFactor=1, mobile=False)
    try:
        ui.navigate(f"{base}/dags/{DAG_ID}")
        ui.click("document.querySelector('button[aria-label=\"Trigger Dag\"]')", what="the Trigger button")
        ui.wait_for("document.getElementById('element_from_date')", what="the Run Parameters of the trigger form")

        form = ui.evaluate(
            """(() => {
              const field = name => {
                const el = document.querySelector(`[name=element_${name}]`)
                  || document.getElementById(`element_${name}`);
                if (!el) return null;
                const row = el.closest('[data-scope=field]') || el.parentElement;
                return {tag: el.tagName, type: el.type || null, checked: el.checked ?? null, value: el.value ?? null,
                        inSwitch: !!el.closest('[data-scope=switch]'), text: row ? row.innerText : ''};
              };
              const dialog = document.querySelector('[data-scope=dialog][data-part=content]');
              return {title: dialog.innerText.split('\\n')[0], text: dialog.innerText,
                      from_date: field('from_date'), to_date: field('to_date'), dry_run: field('dry_run'),
                      force: field('force'), user_emails: field('user_emails'),
                      file_types: !!document.querySelector('input[type=hidden][name=element_file_types]')};
            })()"""
        )  # fmt: skip
        assert DAG_ID in form["title"]
        for name, title in (("from_date", "From date (UTC)"), ("to_date", "To date (UTC)")):
            assert (form[name]["tag"], form[name]["type"]) == ("INPUT", "date"), f"{name} is no date picker: {form}"
            assert form[name]["value"] == "", f"{name} has no default"
            assert title in form["text"]
        assert form["dry_run"]["type"] == "checkbox", f"dry_run: {form['dry_run']}"
        assert form["dry_run"]["inSwitch"], f"dry_run is no switch: {form['dry_run']}"
        assert form["dry_run"]["checked"] is False, "dry run is off by default"
        assert form["force"]["inSwitch"]
        assert form["force"]["checked"] is False
        assert form["user_emails"]["tag"] == "TEXTAREA"
        assert form["file_types"]
        for text in ("Dry run", "List what would be archived; copy nothing.", "File types", "Hosts", "Force"):
            assert text in form["text"], f"{text!r} missing from the trigger form"

        today = datetime.now(UTC).date()
        from_date, to_date = (today - timedelta(days=8)).isoformat(), today.isoformat()
        type_date(ui, "element_from_date", from_date)
        type_date(ui, "element_to_date", to_date)
        ui.click("document.querySelector('input[name=element_dry_run]').closest('[data-scope=switch]')"
                 ".querySelector('[data-part=control]')", what="the dry-run switch")  # fmt: skip
        ui.wait_for("document.querySelector('input[name=element_dry_run]').checked", what="dry run switched on")
        time.sleep(0.5)  # let the switch finish its transition before the screenshot
        save_screenshot(ui, tmp_path, "trigger-form.png", clip=ui.bounding_box(FORM, margin=12))

        ui.click("document.querySelector('[data-testid=trigger-dag-submit]')", what="the Trigger submit button")
        ui.wait_for("location.pathname.includes('/runs/')", timeout=60, what="the new run's page")
    finally:
        ui.send("Emulation.setDeviceMetricsOverride", width=1440, height=1000, deviceScaleFactor=1, mobile=False)

    new = [r for r in stack.api.dag_runs() if r["dag_run_id"] not in runs_before]
    assert len(new) == 1, new
    run = new[0]
    assert quote(run["dag_run_id"], safe="") in ui.url or run["dag_run_id"] in ui.url
    assert run["conf"]["from_date"] == from_date
    assert run["conf"]["to_date"] == to_date
    assert run["conf"]["dry_run"] is True
    assert run["conf"]["force"] is False
    assert stack.api.wait_for_run(run["dag_run_id"], timeout=600) == "success", stack.diagnostics()
    assert stack.api.xcom(run["dag_run_id"], "commit")["dry_run"] is True
    summary = stack.api.xcom(run["dag_run_id"], "discover", key="plan_summary")
    assert summary["window"] == [from_date, to_date]
    assert summary["dry_run"] is True
