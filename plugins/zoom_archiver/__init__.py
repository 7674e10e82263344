"""Airflow-native archiver of Zoom cloud recordings to S3.

The package is both an Airflow plugin-folder package and an installable provider: the
``apache_airflow_provider`` entry point below makes Airflow show a proper *Zoom* connection form.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def get_provider_info() -> dict[str, Any]:
    """Describe this package to Airflow's ProvidersManager (connection type ``zoom``, every extra a form field)."""
    from zoom_archiver.zoom.connection import conn_fields

    return {
        "package-name": "airflow-zoom-archiver",
        "name": "Zoom recordings archiver",
        "description": "Archive Zoom cloud recordings to S3 (Server-to-Server OAuth client, hook, notifier).",
        "versions": [__version__],
        "connection-types": [
            {
                "connection-type": "zoom",
                "hook-class-name": "zoom_archiver.hooks.zoom.ZoomHook",
                "hook-name": "Zoom",
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "port"],
                    "relabeling": {
                        "login": "Client ID",
                        "password": "Client Secret",
                        "host": "API base URL",
                    },
                    "placeholders": {
                        "host": "https://api.zoom.us/v2",
                        "extra": '{"account_id": "...", "oauth_token_url": "https://zoom.us/oauth/token"}',
                    },
                },
                "conn-fields": conn_fields(),
            }
        ],
    }
