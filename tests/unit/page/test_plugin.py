"""The archive page's plugin (plugins/zoom_page_plugin.py): mounted at /zoom-archive, in the UI's nav."""

from __future__ import annotations

from fastapi import FastAPI


def test_the_plugin_mounts_the_page_and_adds_a_nav_entry():
    from zoom_page_plugin import ZoomArchivePagePlugin

    [app] = ZoomArchivePagePlugin.fastapi_apps
    assert app["url_prefix"] == "/zoom-archive"
    assert isinstance(app["app"], FastAPI)
    [view] = ZoomArchivePagePlugin.external_views
    assert (view["href"], view["destination"], view["url_route"]) == ("/zoom-archive/", "nav", "zoom-archive")


def test_airflow_accepts_the_external_view():
    from airflow.api_fastapi.core_api.datamodels.plugins import ExternalViewResponse

    from zoom_archiver.page.plugin import EXTERNAL_VIEW

    assert ExternalViewResponse(**EXTERNAL_VIEW).href == "/zoom-archive/"
