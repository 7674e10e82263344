"""The Airflow plugin mounting the receiver in the api-server at ``/zoom`` (``POST /zoom/webhook``).

Loaded from the plugins folder by ``plugins/zoom_webhook_plugin.py`` (no entry point: see that file). Airflow does not
authenticate plugin routes: every delivery's signature is checked by the receiver itself.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from zoom_archiver.webhook.deliveries import DeliveryCounts
from zoom_archiver.webhook.receiver import create_app

URL_PREFIX = "/zoom"


class ZoomWebhookPlugin(AirflowPlugin):
    name = "zoom_webhook"
    fastapi_apps = [
        {"app": create_app(counts=DeliveryCounts()), "url_prefix": URL_PREFIX, "name": "Zoom recording webhooks"}
    ]
