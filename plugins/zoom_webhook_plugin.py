"""Airflow's plugins manager imports this file from its plugins folder (``[core] plugins_folder``:
``/opt/airflow/plugins``, where the Dockerfile copies it and docker-compose bind-mounts ``./plugins``); the api-server
then mounts the Zoom webhook receiver at ``/zoom`` (``POST /zoom/webhook``). The plugin itself is
:class:`zoom_archiver.webhook.plugin.ZoomWebhookPlugin`.

This file is the only way the plugin is loaded: pyproject.toml declares no ``airflow.plugins`` entry point (its one
entry point, ``apache_airflow_provider``, registers the ``zoom`` connection type). Such an entry point would register
the plugin twice whenever the plugins folder is on ``PYTHONPATH`` with a development install's ``*.egg-info`` in it
(as in docker-compose), and Airflow reports the second registration of a plugin's name as an import error.
"""

from zoom_archiver.webhook.plugin import ZoomWebhookPlugin

__all__ = ["ZoomWebhookPlugin"]
