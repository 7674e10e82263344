"""Where downloads (and the redirects they follow) may go: the download host allowlist."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from zoom_archiver.errors import DownloadRejected
from zoom_archiver.redaction import safe_url
from zoom_archiver.zoom.connection import DEFAULT_DOWNLOAD_HOSTS

#: Characters that make URL parsers disagree about the host: backslash, whitespace, controls.
_AMBIGUOUS = re.compile(r"[\\\s\x00-\x1f\x7f]")


@dataclass(frozen=True)
class DownloadPolicy:
    """Where downloads (and the redirects they follow) may go.

    :param hosts: allowed host names; ``*.example.com`` matches every subdomain of example.com.
    :param allow_http: allow plain ``http`` (only the local emulator needs it).
    :param max_redirects: redirects to follow at most.
    """

    hosts: Sequence[str] = DEFAULT_DOWNLOAD_HOSTS
    allow_http: bool = False
    max_redirects: int = 5

    def check(self, url: str) -> None:
        """Raise :class:`DownloadRejected` unless ``url`` is on an allowed host over an allowed scheme.

        URLs that parsers may read differently are refused outright (credentials before the host, backslashes,
        whitespace or control characters: ``https://evil.example\\@zoom.us/`` is ``zoom.us`` to ``urlsplit`` but
        ``evil.example`` to urllib3, which makes the request), and the host checked is the one urllib3 connects to.
        """
        try:
            parts = urlsplit(url)
        except ValueError:
            raise DownloadRejected("refusing to download from an unparseable URL (no usable host)") from None
        allowed_schemes = ("https", "http") if self.allow_http else ("https",)
        if parts.scheme not in allowed_schemes:
            raise DownloadRejected(f"refusing to download over {parts.scheme or 'no scheme'!r}: {safe_url(url)}")
        if _AMBIGUOUS.search(url) or "@" in parts.netloc:
            raise DownloadRejected(
                "refusing to download from a URL whose host is ambiguous (credentials, backslash, whitespace or "
                "control characters in it)"
            )
        host = (parts.hostname or "").lower().rstrip(".")
        try:
            connect_host = (parse_url(url).host or "").lower().rstrip(".")
        except LocationParseError:
            connect_host = ""
        if connect_host.strip("[]") != host:
            raise DownloadRejected(f"refusing to download from host {host!r}: HTTP clients would connect elsewhere")
        if not host or not any(_host_matches(host, pattern) for pattern in self.hosts):
            raise DownloadRejected(f"refusing to download from host {host!r}, not in download_hosts")


def _host_matches(host: str, pattern: str) -> bool:
    pattern = pattern.lower().strip()
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and fnmatch.fnmatchcase(host, pattern)
    return host == pattern
