from __future__ import annotations

import importlib
import importlib.metadata
import warnings

import pytest

import zoom_archiver
from zoom_archiver import get_provider_info


@pytest.fixture(scope="module")
def zoom_connection_type() -> dict:
    [conn_type] = [c for c in get_provider_info()["connection-types"] if c["connection-type"] == "zoom"]
    return conn_type


class TestProviderInfo:
    def test_package(self):
        info = get_provider_info()
        assert info["package-name"] == "airflow-zoom-archiver"
        assert info["versions"] == [zoom_archiver.__version__]
        assert importlib.metadata.version("airflow-zoom-archiver") == zoom_archiver.__version__

    def test_hook_class_is_importable(self, zoom_connection_type):
        module, _, name = zoom_connection_type["hook-class-name"].rpartition(".")
        hook_class = getattr(importlib.import_module(module), name)
        assert hook_class.conn_type == "zoom"
        assert hook_class.default_conn_name == "zoom_default"
        assert hook_class.conn_name_attr == "zoom_conn_id"

    def test_form_relabels_the_oauth_fields(self, zoom_connection_type):
        behaviour = zoom_connection_type["ui-field-behaviour"]
        assert behaviour["relabeling"] == {
            "login": "Client ID",
            "password": "Client Secret",
            "host": "API base URL",
        }

    def test_account_id_field(self, zoom_connection_type):
        assert zoom_connection_type["conn-fields"]["account_id"]["label"] == "Account ID"
        assert zoom_connection_type["conn-fields"]["account_id"]["schema"]["type"] == "string"

    def test_entry_point_is_registered(self):
        [entry_point] = [
            ep
            for ep in importlib.metadata.entry_points(group="apache_airflow_provider")
            if ep.value.startswith("zoom_archiver")
        ]
        assert entry_point.value == "zoom_archiver:get_provider_info"
        assert entry_point.load() is get_provider_info

    def test_airflow_discovers_the_zoom_connection_type(self):
        from airflow.providers_manager import ProvidersManager

        manager = ProvidersManager()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hook = manager.hooks.get("zoom")
        assert hook is not None
        assert hook.hook_class_name == "zoom_archiver.hooks.zoom.ZoomHook"
        assert hook.package_name == "airflow-zoom-archiver"
        assert manager.field_behaviours["zoom"]["relabeling"]["password"] == "Client Secret"
        assert "extra__zoom__account_id" in manager.connection_form_widgets
