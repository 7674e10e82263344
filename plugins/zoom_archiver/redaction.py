"""Keep secrets out of logs, XComs and exception texts."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

log = logging.getLogger(__name__)


def mask(secret: str | None) -> None:
    """Register ``secret`` with Airflow's secrets masker so it is replaced by ``***`` in every log line."""
    if not secret:
        return
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # pragma: no cover - the package always runs with Airflow installed
        return
    mask_secret(secret)


def safe_url(url: str) -> str:
    """Return ``url`` without query string, fragment or credentials (signed URLs carry their secret there).

    Never raises: a port that is not a number or out of range is kept as written (it is no secret), a URL that does
    not split at all is ``<unparseable url>``.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable url>"
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:  # urllib checks the port only when it is read
        host = parts.netloc.rpartition("@")[2]  # the credentials end at the last "@"
    else:
        if port:
            host = f"{host}:{port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def describe_exception(exc: BaseException) -> str:
    """A one-line description of ``exc`` that is safe to log: no URLs with queries, no tokens.

    ``requests``/``urllib3`` put the full URL (with a signed query) into their messages, so for those
    only the class name is kept.
    """
    module = type(exc).__module__ or ""
    if module.startswith(("requests", "urllib3", "http.client", "botocore.vendored")):
        return type(exc).__name__
    return f"{type(exc).__name__}: {exc}"


def redact(text: str) -> str:
    """Replace every secret registered with Airflow's masker by ``***``."""
    try:
        from airflow.sdk._shared.secrets_masker import redact as airflow_redact
    except ImportError:  # pragma: no cover
        return text
    return str(airflow_redact(text))
