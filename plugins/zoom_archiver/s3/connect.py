"""The ways into S3 through the Amazon provider's connection: the archive bucket (:class:`ArchiveBucket` over
``S3Hook``'s client) and the ``S3Hook`` that writes one object with our metadata and transfer settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from zoom_archiver.s3.bucket import ArchiveBucket

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    from zoom_archiver.settings import TransferSettings


def archive_bucket(bucket: str, aws_conn_id: str) -> ArchiveBucket:
    """The archive ``bucket`` through the Amazon provider's connection ``aws_conn_id`` (``S3Hook``'s client)."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    return ArchiveBucket(S3Hook(aws_conn_id=aws_conn_id).get_conn(), bucket)


def s3_hook_for(
    transfer: TransferSettings, aws_conn_id: str, *, content_type: str, metadata: Mapping[str, str]
) -> S3Hook:
    """The ``S3Hook`` that writes one object: its content type and user ``metadata``, our transfer settings.

    Parts held in memory at once are bounded by the concurrency, never by the file's size.
    """
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    hook = S3Hook(
        aws_conn_id=aws_conn_id,
        transfer_config_args=transfer.transfer_config_args(),
        extra_args=transfer.extra_args(content_type, dict(metadata)),
    )
    hook.transfer_config.max_in_memory_upload_chunks = transfer.max_concurrency + 1
    return hook
