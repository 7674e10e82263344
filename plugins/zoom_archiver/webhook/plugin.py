"""The Airflow plugin mounting the receiver in the api-server at ``/zoom`` (``POST /zoom/webhook``).

How it is loaded: Airflow's plugins manager imports every module of its plugins folder (``[core] plugins_folder``,
``/opt/airflow/plugins`` in the image and in docker-compose), and ``plugins/zoom_webhook_plugin.py`` there imports
this class. The package declares no ``airflow.plugins`` entry point: its only entry point, ``apache_airflow_provider``
in pyproject.toml, registers the ``zoom`` connection type. Airflow does not authenticate plugin routes: every
delivery's signature is checked by the receiver itself.
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
