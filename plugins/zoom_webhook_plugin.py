"""Airflow loads this file from the plugins folder: it mounts the Zoom webhook receiver in the api-server at
``/zoom`` (``POST /zoom/webhook``). The plugin itself is :class:`zoom_archiver.webhook.plugin.ZoomWebhookPlugin`.

Registered here rather than by an ``airflow.plugins`` entry point: with the plugins folder on ``PYTHONPATH`` (as in
docker-compose) a development install's ``*.egg-info`` there makes the package's distribution appear twice, and
Airflow reports the second registration of a plugin as an import error.
"""

from zoom_archiver.webhook.plugin import ZoomWebhookPlugin

__all__ = ["ZoomWebhookPlugin"]
