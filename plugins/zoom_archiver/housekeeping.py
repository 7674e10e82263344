"""Housekeeping: abort multipart uploads under the archive prefix that were left behind (a killed worker)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_MAX_AGE_HOURS = 24.0


def abort_stale_uploads(s3: Any, bucket: str, prefix: str, *, max_age: timedelta, now: datetime | None = None) -> int:
    """Abort incomplete multipart uploads below ``prefix/`` initiated more than ``max_age`` ago.

    A transfer that fails aborts its own upload; only a process killed mid-upload leaves one behind. Younger
    uploads may belong to a running transfer and are left alone. The S3 lifecycle rule
    ``AbortIncompleteMultipartUpload`` is the recommended second line of defence.
    """
    cutoff = (now or datetime.now(UTC)) - max_age
    aborted = 0
    for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket, Prefix=prefix + "/"):
        for upload in page.get("Uploads", []):
            if upload["Initiated"] < cutoff:
                s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
                log.warning("Aborted a stale multipart upload of %s (started %s)", upload["Key"], upload["Initiated"])
                aborted += 1
    return aborted


def abort_uploads_of_key(s3: Any, bucket: str, key: str) -> int:
    """Abort every incomplete multipart upload of exactly ``key`` (after a transfer of that key failed).

    Best effort: the transfer manager normally aborts its own upload already, and ``housekeeping`` plus the
    bucket's lifecycle rule catch whatever this cannot (a failure here is logged, never raised).
    """
    from botocore.exceptions import BotoCoreError, ClientError

    aborted = 0
    try:
        for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket, Prefix=key):
            for upload in page.get("Uploads", []):
                if upload["Key"] == key:
                    s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload["UploadId"])
                    aborted += 1
    except (BotoCoreError, ClientError) as exc:
        log.warning("Could not check for incomplete multipart uploads of %s: %s", key, type(exc).__name__)
        return aborted
    if aborted:
        log.warning("Aborted %d incomplete multipart upload(s) of %s left by the failed transfer", aborted, key)
    return aborted
