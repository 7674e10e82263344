"""Assertions shared by the end-to-end tests: what is in S3 compared with what the emulator holds."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from zoom_sandbox.services import SANDBOX_CLIENT_SECRET


@dataclass
class StoredObject:
    key: str
    size: int
    file_id: str
    meeting_uuid: str
    sha256_tag: str | None
    sha256_bytes: str
    versions: int


def stored_objects(s3, bucket: str, *, read_bytes: bool = True) -> dict[str, StoredObject]:
    """Every object in the bucket by its ``zoom-file-id`` (asserting there is one object per id)."""
    versions: dict[str, int] = {}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for version in page.get("Versions", []):
            versions[version["Key"]] = versions.get(version["Key"], 0) + 1
    objects: dict[str, StoredObject] = {}
    for key in versions:
        if key.endswith("/manifest.json"):  # a meeting's manifest, not a recording (see manifest_objects)
            continue
        head = s3.head_object(Bucket=bucket, Key=key)
        tags = {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]}
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read() if read_bytes else b""
        file_id = head["Metadata"]["zoom-file-id"]
        assert file_id not in objects, f"two objects for file {file_id}: {objects[file_id].key} and {key}"
        objects[file_id] = StoredObject(
            key, head["ContentLength"], file_id, head["Metadata"]["zoom-meeting-uuid"], tags.get("sha256"),
            hashlib.sha256(body).hexdigest(), versions[key],
        )  # fmt: skip
    return objects


def emulator_files(stack) -> list[dict[str, Any]]:
    return stack.emulator("GET", "files")["files"]


def match_key(obj: StoredObject, expected: dict[str, Any]) -> bool:
    return obj.meeting_uuid == expected["meeting_uuid"] and (
        expected.get("file_id") is None or obj.file_id == expected["file_id"]
    )


def incomplete_uploads(s3, bucket: str) -> list[dict]:
    return s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])


def secrets_in(text: str, stack) -> list[str]:
    """Secrets that must never be logged: the client secret, every minted token, every signed-URL signature."""
    found = []
    if SANDBOX_CLIENT_SECRET in text:
        found.append("client secret")
    for token in stack.emulator("GET", "secrets").get("access_tokens", []):
        if token in text:
            found.append(f"access token {token[:6]}…")
    for signature in stack.emulator("GET", "secrets").get("signatures", []):
        if signature in text:
            found.append(f"signature {signature[:6]}…")
    for match in re.findall(r"Signature=([A-Za-z0-9%_\-]{8,})", text):
        found.append(f"Signature= in text ({match[:6]}…)")
    return found
