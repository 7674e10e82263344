"""One streaming case in a fresh interpreter: ``python -m benchmarks.stream_child SPEC_JSON``.

``SPEC_JSON`` = ``{"mode": ..., "file": <PlannedFile dict>}``; modes:

* ``archive``  — the product path: ``archive_file`` with a ``ZoomHook`` and an ``S3Hook`` built like
  ``zoom_archiver.tasks.archive.archive`` builds it (including ``max_in_memory_upload_chunks``);
* ``download`` — ``ZoomHook.open_download`` read to ``/dev/null`` (the download leg alone);
* ``upload``   — ``S3Hook.load_file_obj`` of a generator-backed stream of the same bytes (the upload leg alone);
* ``blog``     — the blog's method: ``requests.get`` into a temp file in /tmp, then ``S3Hook.load_file``.

Every mode imports the same modules and mints the token / builds the S3 client before the clock starts, so the
modes differ only in the transfer. The last stdout line is a JSON object with ``bytes`` and ``seconds``, and for
uploads ``parts_seconds`` (until the last part is stored) and ``complete_seconds`` (``CompleteMultipartUpload``).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

from zoom_archiver.archive.archive import archive_file, file_hook
from zoom_archiver.hooks.zoom import ZoomHook
from zoom_archiver.model import PlannedFile
from zoom_archiver.settings import ArchiveSettings, load_settings

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

CHUNK = 1 << 20


class GeneratedStream:
    """A non-seekable file object over ``zoom_emulator.content.iter_file_bytes`` (the emulator's exact bytes)."""

    def __init__(self, file_id: str, size: int) -> None:
        from zoom_emulator.content import iter_file_bytes

        self._pieces = iter_file_bytes(file_id, size)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: int = -1) -> bytes:
        want = size if size is not None and size >= 0 else 1 << 62
        parts, got = [], 0
        if self._pending:
            parts.append(self._pending[:want])
            got = len(parts[0])
            self._pending = self._pending[want:]
        while got < want:
            piece = next(self._pieces, b"")
            if not piece:
                break
            take = want - got
            if len(piece) > take:
                piece, self._pending = piece[:take], piece[take:]
            parts.append(piece)
            got += len(piece)
        return b"".join(parts)


def _own_write_bytes() -> int | None:
    try:
        text = Path("/proc/self/io").read_text()
    except OSError:
        return None
    return next((int(line.split()[1]) for line in text.splitlines() if line.startswith("write_bytes:")), None)


@dataclass
class _Leg:
    """What a transfer needs, all made before the clock starts (``started``)."""

    planned: PlannedFile
    settings: ArchiveSettings
    zoom: ZoomHook
    s3_hook: S3Hook
    access_token: str
    started: float


def _archive(leg: _Leg) -> dict[str, Any]:
    result = archive_file(leg.planned, zoom=leg.zoom, s3_hook=leg.s3_hook, bucket=leg.settings.bucket,
                          settings=leg.settings.transfer)  # fmt: skip
    return {"bytes": result.size, "sha256": result.sha256, "outcome": result.outcome}


def _download(leg: _Leg) -> dict[str, Any]:
    total = 0
    with leg.zoom.open_download(leg.planned.download_url) as download, open(os.devnull, "wb") as sink:
        for chunk in iter(lambda: download.stream.read(CHUNK), b""):
            sink.write(chunk)
            total += len(chunk)
    return {"bytes": total}


def _upload(leg: _Leg) -> dict[str, Any]:
    planned = leg.planned
    stream = GeneratedStream(planned.file_id, planned.file_size or 0)
    leg.s3_hook.load_file_obj(stream, key=planned.key, bucket_name=leg.settings.bucket, replace=True)
    return {"bytes": planned.file_size}


def _blog(leg: _Leg) -> dict[str, Any]:
    out: dict[str, Any] = {}
    total = 0
    with tempfile.NamedTemporaryFile(dir="/tmp", prefix="zoom-blog-") as tmp:
        response = requests.get(leg.planned.download_url, params={"access_token": leg.access_token}, stream=True,
                                timeout=(15, 120))  # fmt: skip
        response.raise_for_status()
        for chunk in response.iter_content(CHUNK):
            tmp.write(chunk)
            total += len(chunk)
        tmp.flush()
        out["download_seconds"] = time.monotonic() - leg.started
        leg.s3_hook.load_file(tmp.name, key=leg.planned.key, bucket_name=leg.settings.bucket, replace=True)
    out.update(bytes=total)
    return out


TRANSFERS: dict[str, Callable[[_Leg], dict[str, Any]]] = {
    "archive": _archive, "download": _download, "upload": _upload, "blog": _blog,
}  # fmt: skip


def _mark_calls(s3_hook: S3Hook) -> dict[str, float]:
    """When the last part was stored and ``CompleteMultipartUpload`` ran (filled in as the S3 client calls)."""
    marks: dict[str, float] = {}
    events = s3_hook.get_conn().meta.events  # the client every call below uses (cached by the hook)
    events.register("after-call.s3.UploadPart", lambda **_: marks.__setitem__("last_part", time.monotonic()))
    events.register("before-call.s3.CompleteMultipartUpload",
                    lambda **_: marks.__setitem__("complete_start", time.monotonic()))  # fmt: skip
    events.register("after-call.s3.CompleteMultipartUpload",
                    lambda **_: marks.__setitem__("complete_end", time.monotonic()))  # fmt: skip
    return marks


def main(argv: list[str]) -> int:
    """Run the case ``argv[0]`` describes; print its figures as one JSON object (the last stdout line)."""
    spec = json.loads(argv[0])
    planned = PlannedFile.from_dict(spec["file"])
    mode = spec["mode"]
    settings = load_settings()
    # the hook zoom_archiver.tasks.archive.archive uses
    s3_hook = file_hook(planned, settings.transfer, settings.aws_conn_id)
    marks = _mark_calls(s3_hook)
    zoom = ZoomHook(settings.zoom_conn_id)
    access_token = zoom.token.get()
    out: dict[str, Any] = {"mode": mode, "size": planned.file_size}

    cpu_started = time.process_time()
    started = time.monotonic()
    if mode not in TRANSFERS:
        raise SystemExit(f"unknown mode {mode!r}")
    out.update(TRANSFERS[mode](_Leg(planned, settings, zoom, s3_hook, access_token, started)))
    out["seconds"] = time.monotonic() - started
    if "last_part" in marks:  # the upload leg's streaming part ends here; S3 then assembles the object
        out["parts_seconds"] = marks["last_part"] - started
    if "complete_end" in marks:
        out["complete_seconds"] = marks["complete_end"] - marks["complete_start"]
    out["cpu_seconds"] = time.process_time() - cpu_started
    out["self_maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out["self_write_bytes"] = _own_write_bytes()
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
