"""Zoom's recording webhooks, received in Airflow's api-server: verified, deduplicated, turned into one DAG run per
meeting (never work done in the request). ``signature`` checks a delivery, ``events`` reads it, ``trigger`` queues
the run, ``receiver`` is the FastAPI app and ``plugin`` mounts it at ``/zoom``."""
