"""Airflow loads this file from the plugins folder: it mounts the archive page in the api-server at ``/zoom-archive``
and adds *Zoom archive* to the UI's navigation (Airflow 3.1+). The plugin itself is
:class:`zoom_archiver.page.plugin.ZoomArchivePagePlugin`; registered here, not by an entry point, for the reason
given in ``zoom_webhook_plugin.py``.
"""

from zoom_archiver.page.plugin import ZoomArchivePagePlugin

__all__ = ["ZoomArchivePagePlugin"]
