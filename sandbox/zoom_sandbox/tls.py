"""A throwaway certificate authority for the sandbox's HTTPS endpoints (``trustme``), verification on.

:func:`make_tls` creates a CA and a server certificate for ``127.0.0.1`` and ``localhost`` in a directory and
returns their PEM paths: a server loads ``cert_path``/``key_path`` (:meth:`SandboxTLS.server_context`), a client
trusts ``ca_path`` only (the ``aws_default`` connection's extra ``verify``, boto3's ``verify=``, requests'
``verify=``). Nothing is ever made to skip verification.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

#: The names the sandbox's services are reached by.
SERVER_NAMES = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class SandboxTLS:
    """PEM files of one sandbox CA and the server certificate it issued."""

    ca_path: Path
    cert_path: Path
    key_path: Path

    def server_context(self) -> ssl.SSLContext:
        """A server-side TLS context with the sandbox certificate."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.cert_path), str(self.key_path))
        return context

    def aws_extra(self) -> dict[str, str]:
        """What the ``aws_default`` connection's extra needs to trust the sandbox (and only it)."""
        return {"verify": str(self.ca_path)}


def make_tls(directory: Path) -> SandboxTLS:
    """Create a new CA and a server certificate for :data:`SERVER_NAMES` under ``directory``."""
    import trustme

    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="zoom-archiver sandbox CA")
    server = ca.issue_cert(*SERVER_NAMES)
    tls = SandboxTLS(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    ca.cert_pem.write_to_path(str(tls.ca_path))
    server.private_key_pem.write_to_path(str(tls.key_path))
    tls.cert_path.write_bytes(b"".join(blob.bytes() for blob in server.cert_chain_pems))
    return tls
