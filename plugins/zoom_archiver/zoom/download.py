"""Open a recording download: Bearer auth on Zoom's host, 302 to the CDN without the token, body checks."""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, cast
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests

from zoom_archiver.errors import DownloadError, DownloadTokenRejected
from zoom_archiver.redaction import mask, safe_url
from zoom_archiver.zoom.auth import S2SToken
from zoom_archiver.zoom.download_policy import DownloadPolicy

log = logging.getLogger(__name__)

#: A 200 body this small is inspected for Zoom's JSON error shapes (``{"status":false,"errorCode":124,...}``,
#: ``{"code":124,"message":"..."}``), whatever its Content-Type.
SMALL_JSON_LIMIT = 4096
_CONTENT_RANGE = re.compile(r"bytes (\d+)-\d+/(\d+|\*)")  # bytes <first>-<last>/<total or *>


class Readable(Protocol):
    """A body to stream: ``read(n)`` returns up to ``n`` bytes, ``b""`` at the end."""

    def read(self, amt: int = -1, /) -> bytes: ...


class _PrefixedRaw:
    """A raw stream whose first bytes were already read (to inspect a small body)."""

    def __init__(self, prefix: bytes, raw: Any) -> None:
        self._prefix = prefix
        self._raw = raw

    def read(self, amt: int = -1, /) -> bytes:
        if self._prefix:
            if amt is None or amt < 0:
                data, self._prefix = self._prefix + cast(bytes, self._raw.read()), b""
                return data
            data, self._prefix = self._prefix[:amt], self._prefix[amt:]
            return data
        return cast(bytes, self._raw.read(amt))


@dataclass
class OpenedDownload:
    """A download whose body is ready to stream: ``stream.read(n)`` returns the file's bytes."""

    response: requests.Response
    stream: Readable
    content_type: str
    content_length: int | None
    source: str  # the final URL without its signed query
    #: Opens the same ``download_url`` again (``range_start=``, ``if_range=``): set by :func:`open_download`.
    opener: Callable[..., OpenedDownload] | None = field(default=None, repr=False, compare=False)

    def resume(self, offset: int, *, if_range: str | None = None) -> OpenedDownload:
        """Open the download again from byte ``offset`` (``Range``; ``If-Range`` when given); the caller checks
        the answer (a 206 with the :func:`content_range` asked for)."""
        if self.opener is None:
            raise DownloadError("this download cannot be resumed", retryable=True)
        return self.opener(range_start=offset, if_range=if_range)

    def close(self) -> None:
        self.response.close()

    def __enter__(self) -> OpenedDownload:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_download(
    session: requests.Session,
    url: str,
    token: S2SToken,
    policy: DownloadPolicy,
    *,
    timeout: float | tuple[float, float] = (15.0, 120.0),
    range_start: int = 0,
    if_range: str | None = None,
) -> OpenedDownload:
    """Start downloading ``url``: the first request carries ``Authorization: Bearer``; redirects never do.

    Zoom answers an authorised request with a 302 to a pre-signed CDN URL, and a failed one with HTTP 200 and
    an HTML page or a tiny JSON error; both of these raise :class:`DownloadError` here.

    :param range_start: ask for the bytes from this offset on (``Range``); the caller checks ``206``.
    :param if_range: with ``range_start``, the first answer's validator (:func:`range_validator`), sent as
        ``If-Range``: a file that changed since is answered whole (``200``), never as a mix of two versions.
    """
    policy.check(url)
    headers = {"Accept-Encoding": "identity"}
    if range_start:
        headers["Range"] = f"bytes={range_start}-"
        if if_range:
            headers["If-Range"] = if_range
    access_token = token.get()
    try:
        download = _open(session, url, token, access_token, policy, timeout=timeout, headers=headers)
    except DownloadTokenRejected:
        fresh = token.get()  # the rejected token was invalidated: this mints a new one
        if fresh == access_token:
            raise
        log.info("Zoom rejected the access token on a download; retrying once with a new token")
        download = _open(session, url, token, fresh, policy, timeout=timeout, headers=headers)
    download.opener = functools.partial(open_download, session, url, token, policy, timeout=timeout)
    return download


def _open(
    session: requests.Session,
    url: str,
    token: S2SToken,
    access_token: str,
    policy: DownloadPolicy,
    *,
    timeout: float | tuple[float, float],
    headers: Mapping[str, str],
) -> OpenedDownload:
    headers = {"Authorization": f"Bearer {access_token}", **headers}
    current = url
    for _hop in range(policy.max_redirects + 1):
        try:
            response = session.get(current, headers=headers, allow_redirects=False, stream=True, timeout=timeout)
        except requests.RequestException as exc:
            raise DownloadError(
                f"download request to {safe_url(current)} failed: {type(exc).__name__}", retryable=True
            ) from None
        if response.is_redirect or response.status_code in (301, 302, 303, 307, 308):
            location = response.headers.get("Location", "")
            response.close()
            if not location:
                raise DownloadError(f"redirect without Location from {safe_url(current)}", retryable=True)
            current = urljoin(current, location)
            _mask_signed_query(current)
            policy.check(current)
            # The pre-signed URL carries its own authorisation; the Zoom token must not follow it.
            headers = {k: v for k, v in headers.items() if k != "Authorization"}
            continue
        return _accept(response, current, token, access_token)
    raise DownloadError(f"more than {policy.max_redirects} redirects from {safe_url(url)}")


#: Query values at least this long are treated as secrets (signatures, policies, tokens); ``Expires`` is not.
MIN_SECRET_QUERY_VALUE = 16


def _mask_signed_query(url: str) -> None:
    """Register the secret parts of a pre-signed URL (its long query values) with the secrets masker.

    The URL itself is never logged (only :func:`safe_url` forms are); this covers libraries that would. Masking
    the values, not the whole URL, also hides a signature printed on its own, and keeps the masker's pattern
    small.
    """
    try:
        pairs = parse_qsl(urlsplit(url).query, keep_blank_values=False)
        raw_values = [v for _, _, v in (part.partition("=") for part in urlsplit(url).query.split("&"))]
    except ValueError:
        return
    for value in {v for _, v in pairs} | set(raw_values):
        if len(value) >= MIN_SECRET_QUERY_VALUE:
            mask(value)


def _accept(response: requests.Response, url: str, token: S2SToken, access_token: str) -> OpenedDownload:
    where = safe_url(url)
    status = response.status_code
    if status == 401:
        response.close()
        token.invalidate(access_token)
        raise DownloadTokenRejected(f"download from {where} answered 401 (token rejected)")
    if status not in (200, 206):
        response.close()
        raise DownloadError(f"download from {where} answered HTTP {status}", retryable=status >= 500 or status == 429)
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    length = content_length(response.headers)
    raw = response.raw
    raw.decode_content = False
    if content_type == "text/html":
        response.close()
        raise DownloadError(
            f"download from {where} answered an HTML page instead of the file (HTTP 200 text/html)",
            retryable=True,
        )
    stream: Readable = raw
    if status == 200 and (length is None or length <= SMALL_JSON_LIMIT):
        # Whatever the Content-Type: Zoom's error bodies have come as application/octet-stream too.
        head = raw.read(SMALL_JSON_LIMIT + 1)
        _raise_if_error_body(head, where, token, access_token, response)
        stream = _PrefixedRaw(head, raw)
    return OpenedDownload(response, stream, content_type, length, where)


def _raise_if_error_body(
    head: bytes, where: str, token: S2SToken, access_token: str, response: requests.Response
) -> None:
    """Raise when a small 200 body is one of Zoom's JSON errors; code 124 (token rejected) is retryable."""
    error = _zoom_error(head)
    if error is None:
        return
    response.close()
    code, text = error
    message = f"download from {where} answered a Zoom error instead of the file (code={code}, {text[:100]})"
    if code == 124:
        token.invalidate(access_token)
        raise DownloadTokenRejected(message)
    raise DownloadError(message)


def _zoom_error(head: bytes) -> tuple[Any, str] | None:
    """``(code, message)`` when ``head`` (a whole small body) is a Zoom error: the downloads' ``{"status":false,
    "errorCode":124,"errorMessage":"Forbidden"}`` or the API's ``{"code":124,"message":"..."}`` (``"errors"``)."""
    if len(head) > SMALL_JSON_LIMIT or not head.lstrip().startswith(b"{"):
        return None
    try:
        body = json.loads(head)
    except (ValueError, RecursionError):
        return None
    if not isinstance(body, dict):
        return None
    if "errorCode" in body or body.get("status") is False:
        return body.get("errorCode"), str(body.get("errorMessage", ""))
    if "code" in body and "message" in body and len(body) <= 3:
        return body["code"], str(body["message"])
    return None


def content_length(headers: Mapping[str, str]) -> int | None:
    """The ``Content-Length`` of an answer, ``None`` when absent or not a number."""
    value = headers.get("Content-Length", "").strip()
    return int(value) if value.isdigit() else None


def range_validator(headers: Mapping[str, str]) -> str | None:
    """What to send as ``If-Range`` when resuming this answer: its strong ``ETag``, else its ``Last-Modified``."""
    etag = headers.get("ETag", "").strip()
    if etag and not etag.startswith("W/"):
        return etag
    return headers.get("Last-Modified", "").strip() or None


def content_range(headers: Mapping[str, str]) -> tuple[int, int | None] | None:
    """``(first byte, total size)`` of a 206's ``Content-Range`` (total ``None`` for ``*``); ``None`` if unusable."""
    match = _CONTENT_RANGE.fullmatch(headers.get("Content-Range", "").strip())
    if match is None:
        return None
    first, total = match.groups()
    return int(first), None if total == "*" else int(total)
