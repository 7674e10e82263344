"""The Airflow UI's connection form for our connection type, in a real browser (Playwright, headless Chromium).

Airflow builds the form of a connection type from the provider's ``conn-fields``
(``zoom_archiver.get_provider_info()``): each extra becomes a field of the form's *Extra Fields* section, with the
declared label and description. This adds a connection of type Zoom in the UI and checks that every declared extra
is there, labelled as declared.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

import zoom_archiver
from tests.fullstack.conftest import clip_of

pytestmark = pytest.mark.fullstack

DIALOG = "[data-scope=dialog][data-part=content]"


def zoom_connection_type() -> dict[str, Any]:
    (declared,) = (
        ct for ct in zoom_archiver.get_provider_info()["connection-types"] if ct["connection-type"] == "zoom"
    )
    return declared


def test_zoom_connection_form_shows_every_declared_extra_field(ui: Page, save_screenshot: Callable[..., Path]) -> None:
    declared = zoom_connection_type()
    fields: dict[str, dict[str, Any]] = declared["conn-fields"]
    assert len(fields) >= 8, f"the provider declares only {len(fields)} extra fields: {sorted(fields)}"

    ui.set_viewport_size({"width": 1440, "height": 1800})  # the whole form, for the screenshot
    ui.goto("/connections")
    ui.get_by_role("button", name="Add Connection").click()
    dialog = ui.locator(DIALOG)
    expect(dialog.get_by_role("heading", name="Add Connection")).to_be_visible()
    connection_type = dialog.get_by_role("combobox")
    connection_type.click()
    connection_type.press_sequentially(declared["hook-name"])
    ui.get_by_role("option", name=declared["hook-name"], exact=True).click()
    # The extras are in the "Extra Fields" section, collapsed at first.
    dialog.get_by_role("button", name="Extra Fields", exact=True).click()

    for name, field in fields.items():
        # Airflow names the input of extra ``x`` element_x; its field shows the declared label and description.
        row = dialog.locator("[data-scope=field][data-part=root]").filter(has=ui.locator(f"[name='element_{name}']"))
        expect(row, f"no field for the extra {name!r}").to_have_count(1)
        label = row.locator("label[data-part=label]")
        expect(label, f"label of {name!r}").to_be_visible()
        expect(label, f"label of {name!r}").to_have_text(re.compile(rf"^{re.escape(field['label'])}\s*\*?$"))
        if field.get("description"):
            expect(row.locator("[data-part=helper-text]"), f"description of {name!r}").to_have_text(
                field["description"]
            )
    # ... and the label of each, wherever it is, is visible on the form (an extra shown without its label fails).
    for field in fields.values():
        expect(dialog.locator("label").filter(has_text=field["label"]).first).to_be_visible()

    ui.wait_for_timeout(500)  # let the section finish opening before the screenshot
    save_screenshot(ui, "connection-form-zoom.png", clip=clip_of(ui, DIALOG, margin=12))
