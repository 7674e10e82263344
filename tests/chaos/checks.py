"""What the chaos tests check after a run: S3 against the emulator's files, the ledger, leftovers, secrets."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from zoom_sandbox.services import SANDBOX_CLIENT_SECRET


@dataclass
class ArchiveState:
    """The bucket compared with the files Zoom (the emulator) holds."""

    expected: int
    archived_ok: list[str] = field(default_factory=list)  # file keys archived byte-identical
    missing: list[str] = field(default_factory=list)  # expected files with no object
    corrupt: list[str] = field(default_factory=list)  # objects whose bytes or sha256 tag are wrong
    duplicates: list[str] = field(default_factory=list)  # files stored under more than one key
    strays: list[str] = field(default_factory=list)  # objects that are no expected file (or outside the prefix)
    extra_versions: int = 0  # object versions beyond the first (same key written again)
    incomplete_uploads: list[dict] = field(default_factory=list)
    file_ids_in_s3: set[str] = field(default_factory=set)

    @property
    def converged(self) -> bool:
        return not (self.missing or self.corrupt or self.duplicates or self.strays or self.incomplete_uploads)


def _objects(s3, bucket: str) -> dict[str, dict[str, Any]]:
    """Every key with its version count, size, metadata, sha256 tag and the sha256 of its bytes."""
    versions: dict[str, int] = {}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for version in page.get("Versions", []):
            versions[version["Key"]] = versions.get(version["Key"], 0) + 1
    objects = {}
    for key, count in versions.items():
        if key.endswith("/manifest.json"):  # a meeting's manifest, not a recording
            continue
        head = s3.head_object(Bucket=bucket, Key=key)
        tags = {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]}
        sha = hashlib.sha256()
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
        for chunk in iter(functools.partial(body.read, 1 << 20), b""):
            sha.update(chunk)
        objects[key] = {
            "versions": count, "size": head["ContentLength"], "meta": head["Metadata"],
            "tag": tags.get("sha256"), "sha": sha.hexdigest(),
        }  # fmt: skip
    return objects


def archive_state(s3, bucket: str, prefix: str, expected_files: list[dict]) -> ArchiveState:
    """Compare the bucket with ``expected_files`` (``/_emulator/files`` entries of completed files)."""
    objects = _objects(s3, bucket)
    state = ArchiveState(expected=len(expected_files))
    state.extra_versions = sum(o["versions"] - 1 for o in objects.values())
    by_file_id: dict[str, list[str]] = {}
    for key, obj in objects.items():
        file_id = obj["meta"].get("zoom-file-id", "")
        by_file_id.setdefault(file_id, []).append(key)
        state.file_ids_in_s3.add(file_id)
        if not key.startswith(prefix + "/"):
            state.strays.append(key)
    claimed: set[str] = set()
    for f in expected_files:
        if f["file_id"]:
            keys = by_file_id.get(f["file_id"], [])
        else:  # id-less old-shape file: derived id, found by meeting and size
            keys = [
                k for k, o in objects.items()
                if o["meta"].get("zoom-meeting-uuid") == f["meeting_uuid"] and o["meta"].get("zoom-file-id", "")
                .startswith("d-") and o["size"] == f["size"] and o["meta"].get("zoom-file-type") == f["file_type"]
            ]  # fmt: skip
        claimed.update(keys)
        if not keys:
            state.missing.append(f["file_key"])
            continue
        if len(keys) > 1:
            state.duplicates.append(f["file_key"])
        for key in keys:
            obj = objects[key]
            if obj["sha"] != f["sha256"] or obj["tag"] != obj["sha"] or obj["size"] != f["size"]:
                state.corrupt.append(key)
        if len(keys) == 1 and keys[0] not in state.corrupt:
            state.archived_ok.append(f["file_key"])
    state.strays += [k for k in objects if k not in claimed and k not in state.strays]
    uploads: list[dict] = []
    for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        uploads += page.get("Uploads", [])
    state.incomplete_uploads = [{"Key": u["Key"], "UploadId": u["UploadId"]} for u in uploads]
    return state


def ledger_ids(raw: str | None) -> set[str]:
    """The file ids a ledger Variable lists as archived (its ``archived`` groups them by archive date)."""
    return {fid for ids in json.loads(raw)["archived"].values() for fid in ids} if raw else set()


def secrets_found(text: str, secrets: dict[str, Any]) -> list[str]:
    """Every client secret, minted token and signed-URL signature that appears in ``text``."""
    found = []
    if SANDBOX_CLIENT_SECRET in text or (secrets.get("client_secret") and secrets["client_secret"] in text):
        found.append("client secret")
    for token in secrets.get("access_tokens", []):
        if token in text:
            found.append(f"access token {token[:6]}…")
    for signature in secrets.get("signatures", []):
        if signature in text:
            found.append(f"signature {signature[:6]}…")
    for match in re.findall(r"Signature=([A-Za-z0-9%_\-]{8,})", text):
        found.append(f"Signature= in text ({match[:6]}…)")
    return found


def count_lines(text: str, pattern: str) -> int:
    return len(re.findall(pattern, text))


def wait_until(what: str, check, timeout: float, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout}s")
        time.sleep(interval)
