"""The names the product gives things in Airflow, declared once for every module that writes or reads them: the DAG
ids (a user contract: ``zoom_recordings_to_s3`` is named in the README) and the audit-log event of the webhook
receiver's delivery counts."""

from __future__ import annotations

ARCHIVE_DAG_ID = "zoom_recordings_to_s3"
WEBHOOK_DAG_ID = "zoom_meeting_to_s3"
AUDIT_DAG_ID = "zoom_recordings_audit"
RECLAIM_DAG_ID = "zoom_recordings_reclaim"

#: The ``event`` of the rows the webhook receiver adds to Airflow's audit log (the ``log`` table, *Browse → Audit
#: Log*): each row counts the deliveries one api-server process answered since its previous row, by outcome, in
#: ``extra`` (JSON). The archive page sums the rows of the last day.
WEBHOOK_DELIVERIES_EVENT = "zoom_webhook_deliveries"
#: The outcomes counted (``accepted``: queued a run; ``duplicate``; ``refused``: 4xx; ``unavailable``: 503; ``other``).
WEBHOOK_OUTCOMES = ("accepted", "duplicate", "refused", "unavailable", "other")
