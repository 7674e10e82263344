"""The Airflow UI in a real browser (Playwright, headless Debian Chromium), against the full stack's api-server.

Logs in through SimpleAuthManager's login form (``conftest.ui_context``), opens the trigger form of
``zoom_recordings_to_s3`` and checks that our params render as intended (date pickers for the dates, switches for
dry run and force, ...), fills it in and triggers a dry run from it. Before that, it opens the grid of the archive
run of ``conftest.archived_run``, whose mapped task instances carry readable names (host · topic · type · start).

Screenshots go to the test's temporary directory, and also to ``$ZOOM_SCREENSHOTS_DIR`` when set
(``ZOOM_SCREENSHOTS_DIR=docs/screenshots pytest tests/fullstack`` refreshes the README's screenshots).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.fullstack.conftest import ArchivedRun, clip_of
from tests.fullstack.stack import Stack
from tests.fullstack.stack_config import DAG_ID

pytestmark = pytest.mark.fullstack

FORM = "[data-scope=dialog][data-part=content]"


def type_date(page: Page, element_id: str, day: str) -> None:
    """Type an ISO date into an ``<input type=date>`` the way a user does (en-US segments: MM DD YYYY)."""
    date_input = page.locator(f"#{element_id}")
    date_input.click()
    year, month, dom = day.split("-")
    page.keyboard.type(month + dom + year)
    value = date_input.input_value()
    assert value == day, f"{element_id}: typed {day}, the date picker holds {value!r}"


def test_grid_shows_readable_mapped_task_names(
    ui: Page, stack: Stack, archived_run: ArchivedRun, save_screenshot: Callable[..., Path]
) -> None:
    assert archived_run.state == "success"
    labels = sorted(
        ti["rendered_map_index"]
        for ti in stack.api.task_instances(archived_run.run_id)
        if ti["task_id"] == "archive" and ti["map_index"] >= 0
    )
    run = quote(archived_run.run_id, safe="")
    ui.goto(f"/dags/{DAG_ID}/runs/{run}/tasks/archive/mapped")
    body = ui.locator("body")
    # the mapped task instances of archive
    expect(body).to_contain_text(f"Task Instances [{len(labels)}]", use_inner_text=True, timeout=60_000)
    rows = ui.locator("table tbody tr")
    expect(rows.filter(has_text="·").first).to_be_visible()  # rows named host · topic · type · start
    shown = [row for row in rows.all_inner_texts() if " · " in row]
    # The table shows the first page; every row is one of the run's mapped instances, by its readable name.
    assert len(shown) >= min(len(labels), 10)
    for row in shown:
        assert any(label in row for label in labels), f"unexpected row {row!r}"
    # The grid on the left shows the run and our four tasks.
    grid = body.inner_text()
    for task in ("discover", "housekeeping", "archive", "commit"):
        assert task in grid
    ui.wait_for_timeout(1000)
    save_screenshot(ui, "grid-after-run.png")


def test_trigger_form_renders_our_params_and_triggers_a_dry_run(
    ui: Page, stack: Stack, save_screenshot: Callable[..., Path]
) -> None:
    runs_before = {r["dag_run_id"] for r in stack.api.dag_runs()}
    ui.set_viewport_size({"width": 1440, "height": 1500})
    ui.goto(f"/dags/{DAG_ID}")
    ui.locator('button[aria-label="Trigger Dag"]').click()
    ui.locator("#element_from_date").wait_for()  # the Run Parameters of the trigger form

    form = ui.evaluate(
        """() => {
          const field = name => {
            const el = document.querySelector(`[name=element_${name}]`) || document.getElementById(`element_${name}`);
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
        }"""
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

    today = datetime.now(timezone.utc).date()
    from_date, to_date = (today - timedelta(days=8)).isoformat(), today.isoformat()
    type_date(ui, "element_from_date", from_date)
    type_date(ui, "element_to_date", to_date)
    dry_run = ui.locator("input[name=element_dry_run]")
    ui.locator("[data-scope=switch]", has=dry_run).locator("[data-part=control]").click()  # the dry-run switch
    expect(dry_run).to_be_checked()
    ui.wait_for_timeout(500)  # let the switch finish its transition before the screenshot
    save_screenshot(ui, "trigger-form.png", clip=clip_of(ui, FORM, margin=12))

    ui.locator("[data-testid=trigger-dag-submit]").click()
    ui.wait_for_url(lambda url: "/runs/" in urlsplit(url).path, timeout=60_000)  # the new run's page

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
    assert summary["windows"] == [[from_date, to_date]]
    assert summary["dry_run"] is True
