"""Fixtures shared by the sandbox's own tests (the Zoom emulator, the S3 fault proxy)."""

from __future__ import annotations

from tests.support.buckets import make_bucket  # noqa: F401 - a fixture (test_s3_proxy)
