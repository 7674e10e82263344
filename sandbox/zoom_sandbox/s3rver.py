"""s3rver (npm), a second S3 implementation that is not moto, as a sandbox process serving HTTPS.

``make install`` installs it (``npm ci`` in ``sandbox/s3rver``, pinned by its ``package-lock.json``). It keeps
objects in a directory, checks SigV4 signatures against its one account (``S3RVER``/``S3RVER``), and does
path-style requests, multipart uploads, user metadata and object tags. What it lacks, and how the archiver copes:

* no ``aws-chunked`` decoding: with botocore's default checksum mode (a CRC32 trailer over HTTPS) it stores the
  chunk framing as the object's bytes; the connection must set ``request_checksum_calculation`` /
  ``response_checksum_validation`` to ``when_required`` (the setting R2, B2, GCS and older MinIO/Ceph need too);
* no versioning (no ``VersionId``), no ``ListMultipartUploads`` (``housekeeping`` reports that it cannot list
  incomplete uploads and leaves them to the store's lifecycle rule), no Object Lock.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from zoom_sandbox.services import Service, _spawn, free_port, stop_process_group, wait_http
from zoom_sandbox.tls import SandboxTLS

S3RVER_DIR = Path(__file__).resolve().parents[1] / "s3rver"
S3RVER_BIN = S3RVER_DIR / "node_modules" / ".bin" / "s3rver"
#: s3rver's one account.
S3RVER_ACCESS_KEY = "S3RVER"
S3RVER_SECRET_KEY = "S3RVER"


def s3rver_connection_extra(tls: SandboxTLS, url: str) -> dict[str, object]:
    """The ``aws_default`` extra for s3rver: endpoint, CA, path-style, checksums only when required."""
    return {
        "endpoint_url": url,
        "region_name": "us-east-1",
        "verify": str(tls.ca_path),
        "config_kwargs": {
            "s3": {"addressing_style": "path"},
            "request_checksum_calculation": "when_required",
            "response_checksum_validation": "when_required",
        },
    }


def start_s3rver(log_dir: Path, tls: SandboxTLS, *, port: int = 0) -> Service:
    """s3rver over HTTPS on 127.0.0.1 with the sandbox certificate; its data in ``log_dir/s3rver-data``."""
    if not S3RVER_BIN.exists():
        raise RuntimeError(f"s3rver is not installed ({S3RVER_BIN} is missing): run make install")
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("s3rver needs node on the PATH")
    port = port or free_port()
    data = log_dir / "s3rver-data"
    data.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / "s3rver.log"
    cmd = [
        node, str(S3RVER_BIN), "--directory", str(data), "--address", "127.0.0.1", "--port", str(port),
        "--key", str(tls.key_path), "--cert", str(tls.cert_path), "--no-vhost-buckets", "--silent",
    ]  # fmt: skip
    proc = _spawn(cmd, log_path)
    url = f"https://127.0.0.1:{port}"
    try:
        wait_http(url, proc=proc, verify=str(tls.ca_path))
    except BaseException:
        stop_process_group(proc)
        raise
    return Service("s3rver", proc, url, log_path)
