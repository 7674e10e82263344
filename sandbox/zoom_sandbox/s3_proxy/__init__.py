"""A seeded, fault-injecting HTTP proxy in front of an S3 endpoint (moto's server in the sandbox).

Point a boto3 client (or the ``aws_default`` connection's ``endpoint_url``) at the proxy instead of the S3
server. Every request is forwarded unchanged (path-style addressing, as boto3 uses for an IP endpoint), except
that a configurable share of chosen operations is answered with a fault:

=============  ===========================================================================================
kind           what the client sees
=============  ===========================================================================================
``500``        ``500 InternalError`` (S3's XML error document); the request never reaches S3
``503``        ``503 SlowDown``; the request never reaches S3
``drop``       the request body is read, then the connection is closed without any response
``drop_after`` the request **is** forwarded (S3 applies it), then the connection is closed without the
               response: a lost acknowledgement
=============  ===========================================================================================

Modules: ``config`` (the ``--config`` / ``POST /_proxy/config`` JSON, validated), ``operations`` (which S3
operation a request is), ``faults`` (the seeded fault plan, its counters and S3's error answers), ``control``
(the ``/_proxy/`` control plane), ``handler`` (the HTTP server and handler, on ``zoom_emulator.httpbase``),
``server`` (:class:`S3FaultProxy` in a thread, :func:`start_s3_proxy` as a process) and ``__main__`` (the
command line: ``python -m zoom_sandbox.s3_proxy --upstream http://127.0.0.1:5000 --port 0 --config '{...}'
--ready-file ready.json``). Access lines never contain query strings.

>>> with S3FaultProxy("http://127.0.0.1:5000", {"faults": {"PutObject": {"rate": 0.5}}}) as proxy:
...     proxy.url, proxy.stats()["faults_total"]
"""

from __future__ import annotations

from zoom_sandbox.s3_proxy.config import FAULT_KINDS, FaultRule, ProxyConfig, StickyRule
from zoom_sandbox.s3_proxy.faults import FaultPlan
from zoom_sandbox.s3_proxy.operations import classify
from zoom_sandbox.s3_proxy.server import S3FaultProxy, start_s3_proxy

__all__ = [
    "FAULT_KINDS",
    "FaultPlan",
    "FaultRule",
    "ProxyConfig",
    "S3FaultProxy",
    "StickyRule",
    "classify",
    "start_s3_proxy",
]
