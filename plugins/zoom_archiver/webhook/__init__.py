"""Zoom's recording webhooks, received in Airflow's api-server (this package runs there only, never in a worker):
verified, deduplicated, turned into one DAG run per meeting (never work done in the request). ``signature`` checks a
delivery, ``events`` reads it, ``dedupe`` answers copies from memory, ``trigger`` queues the run, ``receiver`` is the
FastAPI app and ``plugin`` mounts it at ``/zoom``. The run itself is :mod:`zoom_archiver.tasks.webhook`."""
