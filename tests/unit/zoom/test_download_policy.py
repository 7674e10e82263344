"""Which download URLs are allowed (zoom_archiver.zoom.download_policy): Zoom's hosts over HTTPS only, unless
configured."""

from __future__ import annotations

import pytest

from zoom_archiver.errors import DownloadRejected
from zoom_archiver.zoom.download_policy import DownloadPolicy


class TestPolicy:
    @pytest.mark.parametrize(
        "url",
        [
            pytest.param("https://zoom.us/rec/download/x", id="apex"),
            pytest.param("https://us06web.zoom.us/rec/download/x", id="regional"),
            pytest.param("https://ssrweb.zoom.us/cmr/replay/x.mp4?Signature=1", id="cdn"),
            pytest.param("https://acme.zoom.us/rec/download/x", id="vanity"),
            pytest.param("https://US06WEB.ZOOM.US./rec/download/x", id="case-and-trailing-dot"),
        ],
    )
    def test_allowed(self, url):
        DownloadPolicy().check(url)

    @pytest.mark.parametrize(
        "url",
        [
            pytest.param("https://evilzoom.us/rec/download/x", id="suffix-without-dot"),
            pytest.param("https://zoom.us.evil.com/rec/download/x", id="zoom-as-subdomain"),
            pytest.param("https://evil.com/zoom.us/x", id="zoom-in-path"),
            pytest.param("https://zoom.us@evil.com/x", id="userinfo-trick"),
            pytest.param("https://169.254.169.254/latest/meta-data", id="metadata-ip"),
            pytest.param("https:///rec/download/x", id="no-host"),
        ],
    )
    def test_rejected_hosts(self, url):
        with pytest.raises(DownloadRejected, match="host"):
            DownloadPolicy().check(url)

    @pytest.mark.parametrize(
        "url",
        [
            pytest.param("http://us06web.zoom.us/rec/download/x", id="http"),
            pytest.param("ftp://zoom.us/x", id="ftp"),
            pytest.param("file:///etc/passwd", id="file"),
            pytest.param("us06web.zoom.us/rec/download/x", id="no-scheme"),
        ],
    )
    def test_rejected_schemes(self, url):
        with pytest.raises(DownloadRejected, match="refusing to download over"):
            DownloadPolicy().check(url)

    def test_http_allowed_when_enabled(self):
        DownloadPolicy(hosts=("localhost",), allow_http=True).check("http://localhost:9000/rec/download/x")
        with pytest.raises(DownloadRejected):
            DownloadPolicy(hosts=("localhost",), allow_http=True).check("ftp://localhost/x")

    def test_custom_hosts(self):
        policy = DownloadPolicy(hosts=("zoom.us", "*.zoom.us", "*.cloudfront.net"))
        policy.check("https://d1234.cloudfront.net/x")
        with pytest.raises(DownloadRejected):
            policy.check("https://cloudfront.net.evil.org/x")


class TestAmbiguousUrls:
    @pytest.mark.parametrize(
        "url",
        [
            pytest.param("https://evil.example\\@zoom.us/rec/download/x", id="backslash-userinfo"),
            pytest.param("https://zoom.us\\.evil.example/x", id="backslash-host"),
            pytest.param("https://evil.example%2F@zoom.us/x", id="encoded-slash-userinfo"),
            pytest.param("https://zoom.us@evil.example/x", id="userinfo"),
            pytest.param("https://us06web.zoom.us /x", id="space"),
            pytest.param("https://us06web.zoom.us/x\r\nHost: evil", id="crlf"),
            pytest.param("https://[zoom.us/x", id="unparseable"),
        ],
    )
    def test_urls_parsers_disagree_on_are_refused(self, url):
        with pytest.raises(DownloadRejected):
            DownloadPolicy().check(url)

    def test_ordinary_urls_still_pass(self):
        DownloadPolicy().check("https://us06web.zoom.us/rec/download/abc?fid=1&x=%2F")
        DownloadPolicy(hosts=("localhost",), allow_http=True).check("http://localhost:8080/cmr/replay/a?b=c")
