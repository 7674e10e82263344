"""The Airflow plugin of the archive page: the FastAPI app mounted in the api-server at ``/zoom-archive`` and, where
the UI supports it, an entry in the UI's navigation.

What each Airflow version offers (the page itself is the same everywhere):

* 3.0: ``fastapi_apps`` only: the page answers at ``/zoom-archive/``; the React UI has no plugin menu entry
  (``appbuilder_menu_items`` need the FAB provider's legacy views), so link it yourself (bookmark, the README).
* 3.1, 3.2, 3.3: ``external_views`` (AIP-68): *Zoom archive* in the UI's navigation (``destination`` ``nav``),
  opened inside the UI at ``/plugin/zoom-archive`` (an iframe of the same origin, so the login cookie goes along).
  ``react_apps`` are not used: the page is server-rendered HTML, no JavaScript bundle to build.

Loaded from the plugins folder by ``plugins/zoom_page_plugin.py`` (no entry point, as for the webhook).
"""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin

from zoom_archiver.page.app import create_app
from zoom_archiver.publish.report import REPORT_PAGE_PREFIX

URL_PREFIX = REPORT_PAGE_PREFIX
EXTERNAL_VIEW: dict[str, Any] = {
    "name": "Zoom archive",
    "href": URL_PREFIX + "/",
    "destination": "nav",
    "url_route": "zoom-archive",
    "category": "browse",
}


class ZoomArchivePagePlugin(AirflowPlugin):
    name = "zoom_page"
    fastapi_apps = [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "Zoom archive page"}]
    external_views = [EXTERNAL_VIEW]
