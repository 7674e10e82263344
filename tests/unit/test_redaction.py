"""Secrets kept out of texts (zoom_archiver.redaction): URLs without their credentials, query or fragment."""

from __future__ import annotations

import pytest

from zoom_archiver.redaction import safe_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:pw@Host.Example:8443/a/b?sig=s3cr3t#frag", "https://host.example:8443/a/b"),
        ("https://zoom.us/rec/download/x?access_token=s3cr3t", "https://zoom.us/rec/download/x"),
        ("/relative/path?token=s3cr3t", "/relative/path"),
    ],
)
def test_a_url_loses_its_credentials_query_and_fragment(url, expected):
    assert safe_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://user:s3cr3t@cdn.zoom.us:99999/file.mp4?sig=s3cr3t",
        "https://user:s3cr3t@cdn.zoom.us:abc/file.mp4?sig=s3cr3t",
        "https://cdn.zoom.us:-1/file.mp4?sig=s3cr3t",
        "http://[::1/file.mp4?sig=s3cr3t",
    ],
)
def test_a_url_with_a_bad_port_or_host_never_raises_and_shows_no_secret(url):
    text = safe_url(url)
    assert "s3cr3t" not in text
    assert "sig" not in text


def test_a_bad_port_is_shown_as_written_for_the_reader_to_fix():
    assert safe_url("https://user:pw@cdn.zoom.us:abc/file.mp4?sig=x") == "https://cdn.zoom.us:abc/file.mp4"
