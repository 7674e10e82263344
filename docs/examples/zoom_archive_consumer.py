"""Example consumer of the archive's asset events (not deployed by default: copy it into your DAGs folder).

``zoom_recordings_to_s3`` emits an event on the asset ``zoom_recordings_archive`` after every run that archived
something; its ``extra`` names the bucket and every new object (key, meeting uuid, file id, file type, size,
sha256, participant). This DAG runs once per such event (events that arrive while it waits are coalesced into one
run) and returns the new objects: replace the task's body with your transcription, indexing or analytics step.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, dag, task

# The archive's asset, as the archive DAG declares it. With ZOOM_ARCHIVE_ASSET_URI set, give the same URI:
# Asset(name="zoom_recordings_archive", uri="s3://my-bucket/zoom"). (Airflow 3.3 queues a DAG scheduled on
# Asset.ref(name=...) but hands it no triggering_asset_events: declare the asset itself.)
ZOOM_ARCHIVE = Asset(name="zoom_recordings_archive")


@dag(
    dag_id="zoom_archive_consumer_example",
    schedule=[ZOOM_ARCHIVE],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    tags=["zoom", "example"],
)
def zoom_archive_consumer_example() -> None:
    @task
    def new_recordings(**context: Any) -> list[dict[str, Any]]:
        """Every object the triggering archive runs wrote, as ``s3://`` URIs with their type and sha256."""
        found = []
        for events in context["triggering_asset_events"].values():
            for event in events:
                bucket = event.extra.get("bucket", "")
                for item in event.extra.get("files", []):
                    found.append({**item, "uri": f"s3://{bucket}/{item['key']}"})
                    print(f"new {item.get('file_type')}: s3://{bucket}/{item['key']} sha256={item.get('sha256')}")
        return found

    new_recordings()


zoom_archive_consumer_example()
