"""Zoom, as the archiver talks to it: the API client and its pacing, the OAuth token, downloads and where they may
go, the ``zoom`` connection's extras, reading Zoom's records, and Zoom's window rule. Nothing here knows S3 or
Airflow's tasks."""
