"""Fixtures of the full-stack tests: the CeleryExecutor stack (``stack.py``) for the session, and one archive
run through it that several tests look at.

Order: ``test_demo.py`` (its own ``airflow standalone``) runs before the tests that share the Celery stack, so
that the two Airflow installations never run at the same time on this small machine; the browser tests come
next, so that the grid they photograph shows the archive run alone.

Browser tests use Playwright (``pytest-playwright``) driving Debian's ``/usr/bin/chromium``, headless, with no
browser download: one browser and one logged-in context for the session (:func:`ui_context`), a new page per
test (:func:`ui`).
"""

from __future__ import annotations

import os
import shutil
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.fullstack.stack import Stack
from tests.fullstack.stack_config import ADMIN_USER, DAG_ID

FULLSTACK_DIR = Path(__file__).resolve().parent
#: Module order inside tests/fullstack (others keep their place after these).
MODULE_ORDER = [
    "test_demo.py",
    "test_trigger_form_browser.py",
    "test_connection_form_browser.py",
    "test_celery_stack.py",
]
LEDGER = "zoom_archive_ledger"


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Reorder this directory's tests (only among the slots they already occupy)."""
    slots = [i for i, item in enumerate(items) if FULLSTACK_DIR in Path(str(item.path)).parents]
    if not slots:
        return

    def rank(item: pytest.Item) -> int:
        name = Path(str(item.path)).name
        return MODULE_ORDER.index(name) if name in MODULE_ORDER else len(MODULE_ORDER)

    ordered = sorted((items[i] for i in slots), key=rank)  # stable: keeps the order inside a module
    for slot, item in zip(slots, ordered, strict=True):
        items[slot] = item


def window(days: int = 8) -> dict[str, str]:
    """``from_date``/``to_date`` covering the last ``days`` days (the demo seed's meetings are in the last week)."""
    today = datetime.now(timezone.utc).date()
    return {"from_date": (today - timedelta(days=days)).isoformat(), "to_date": today.isoformat()}


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    started = time.monotonic()
    with Stack(tmp_path_factory.mktemp("fullstack")).running() as running:
        print(f"\nCeleryExecutor stack up in {time.monotonic() - started:.0f}s; logs in {running.log_dir}")
        yield running


def start_scenario(stack: Stack, prefix: str) -> None:
    """Each scenario archives under its own prefix, starting from an empty ledger (both Variables in the DB)."""
    stack.api.set_variable("zoom_archive_prefix", prefix)
    stack.api.delete_variable(LEDGER)
    stack.emulator("POST", "config", json={"cdn_throttle_bytes_per_second": None})
    stack.emulator("POST", "stats/reset")


@dataclass
class ArchivedRun:
    run_id: str
    prefix: str
    conf: dict[str, Any]
    state: str
    seconds: float


@pytest.fixture(scope="session")
def archived_run(stack: Stack) -> ArchivedRun:
    """One run triggered through the REST API with ``from_date``/``to_date``, archiving the whole demo seed."""
    prefix = "happy"
    start_scenario(stack, prefix)
    conf = window()
    started = time.monotonic()
    run_id = stack.api.trigger(conf)
    state = stack.api.wait_for_run(run_id, timeout=600)
    return ArchivedRun(run_id, prefix, conf, state, time.monotonic() - started)


# --------------------------------------------------------------------------------------------------------------
# The browser (pytest-playwright)
# --------------------------------------------------------------------------------------------------------------
#: Debian's Chromium (``apt-get install chromium``; ``.ci/run`` installs it): Playwright downloads no browser.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]  # fmt: skip
VIEWPORT = {"width": 1440, "height": 1000}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], browser_name: str) -> dict[str, Any]:
    """pytest-playwright's launch options (``--headed``, ``--slowmo``), for Debian's Chromium, headless by default."""
    if browser_name != "chromium":
        pytest.skip(f"only Chromium is installed ({CHROMIUM}), not {browser_name}")
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"headless Chromium is needed at {CHROMIUM}: apt-get install chromium")
    return {"headless": True, **browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def ui_context(browser: Browser, stack: Stack) -> Iterator[BrowserContext]:
    """One browser context for the session, logged in to the stack's UI through SimpleAuthManager's login form.

    Relative URLs (``page.goto("/connections")``) go to the stack's api-server.
    """
    context = browser.new_context(base_url=stack.config.api_url, viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(f"/dags/{DAG_ID}")
    # Not logged in: the UI sends us to SimpleAuthManager's login page.
    page.wait_for_url(lambda url: urlsplit(url).path.startswith("/auth/login"))
    page.locator("input[name=username]").fill(ADMIN_USER)
    page.locator("input[name=password]").fill(stack.config.admin_password)
    page.locator("button[type=submit]:not([disabled])").click()
    page.wait_for_url(lambda url: urlsplit(url).path == f"/dags/{DAG_ID}", timeout=60_000)
    expect(page.locator("body")).to_contain_text("archive", timeout=60_000)  # the DAG's tasks (slow on a busy machine)
    page.close()
    yield context
    context.close()


@pytest.fixture
def ui(ui_context: BrowserContext) -> Iterator[Page]:
    """A new page of the logged-in session (1440x1000, en-US), closed after the test."""
    page = ui_context.new_page()
    yield page
    page.close()


@pytest.fixture
def save_screenshot(tmp_path: Path) -> Callable[..., Path]:
    """``save_screenshot(page, name, clip=None)``: a PNG in the test's temporary directory, checked not to be empty,
    and copied to ``$ZOOM_SCREENSHOTS_DIR`` when set (``ZOOM_SCREENSHOTS_DIR=docs/screenshots`` refreshes the
    README's screenshots)."""

    def save(page: Page, name: str, *, clip: dict[str, float] | None = None) -> Path:
        path = tmp_path / name
        page.screenshot(path=path, clip=clip, type="png")
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

    return save


def clip_of(page: Page, selector: str, margin: float = 0) -> dict[str, float]:
    """The box of ``selector`` on ``page`` plus ``margin`` on every side, for ``save_screenshot(clip=...)``."""
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not visible"
    x, y = max(0.0, box["x"] - margin), max(0.0, box["y"] - margin)
    return {"x": x, "y": y, "width": box["width"] + 2 * margin, "height": box["height"] + 2 * margin}
