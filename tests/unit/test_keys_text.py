"""Key text (zoom_archiver.keys): slugs of topics and names, and the reversible UUID encoding used in keys."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zoom_archiver.keys import decode_uuid, encode_uuid, slugify

KEY_SAFE_UUID = re.compile(r"[A-Za-z0-9._~-]+")


class TestSlugify:
    @pytest.mark.parametrize(
        ("text", "forbidden"),
        [
            pytest.param("Budget / Q3 / final", "/", id="slash"),
            pytest.param("../../etc/passwd", "..", id="dot-dot-traversal"),
            pytest.param("a..b", "..", id="inner-dot-dot"),
            pytest.param("a\\b", "\\", id="backslash"),
            pytest.param('what? *now* "quoted" <x>|:', "?", id="shell-and-windows-chars"),
        ],
    )
    def test_removes_path_and_unsafe_characters(self, text, forbidden):
        slug = slugify(text)
        assert forbidden not in slug
        assert "/" not in slug
        assert ".." not in slug

    def test_control_characters_removed(self):
        slug = slugify("line1\nline2\r\tend\x00\x1f\x7f\u200b")
        assert not any(unicodedata.category(ch).startswith("C") for ch in slug)
        assert slug.startswith("line1")
        assert slug.endswith("end")

    @pytest.mark.parametrize(
        ("text", "kept"),
        [
            pytest.param("Unity_4 зум 18:40 [142]", "зум", id="cyrillic"),
            pytest.param("会議の録画", "会議の録画", id="japanese"),
            pytest.param("Café réunion", "Café", id="accents"),
        ],
    )
    def test_unicode_letters_kept(self, text, kept):
        assert kept in slugify(text)

    def test_nfc_normalised(self):
        assert slugify("Cafe\u0301") == slugify("Café") == "Café"

    @pytest.mark.parametrize("max_bytes", [1, 2, 5, 17, 80])
    @pytest.mark.parametrize(
        "text",
        [
            pytest.param("é" * 300, id="two-byte-chars"),
            pytest.param("зум" * 100, id="cyrillic"),
            pytest.param("会" * 300, id="three-byte-chars"),
            pytest.param("🎥" * 100, id="four-byte-chars"),
            pytest.param("a" * 300, id="ascii"),
        ],
    )
    def test_bounded_bytes_cut_on_char_boundary(self, text, max_bytes):
        slug = slugify(text, max_bytes=max_bytes)
        encoded = slug.encode("utf-8")  # would raise on a lone surrogate
        if slug != "untitled":
            assert len(encoded) <= max_bytes
            assert set(slug) <= set(text)  # no replacement characters from a broken cut

    def test_default_bound_is_80_bytes(self):
        assert len(slugify("x" * 300).encode()) == 80

    @pytest.mark.parametrize(
        "text",
        [
            pytest.param("", id="empty"),
            pytest.param(None, id="none"),
            pytest.param("   ", id="spaces"),
            pytest.param("///", id="slashes"),
            pytest.param("...", id="dots"),
            pytest.param("\x00\x01", id="controls"),
        ],
    )
    def test_empty_result_is_untitled(self, text):
        assert slugify(text) == "untitled"

    @settings(max_examples=300, deadline=None)
    @given(st.text())
    def test_any_text_is_key_safe(self, text):
        slug = slugify(text)
        assert slug
        assert "/" not in slug
        assert ".." not in slug
        assert slug not in (".", "..")
        assert not any(unicodedata.category(ch).startswith("C") for ch in slug)
        assert len(slug.encode("utf-8")) <= 80


class TestUuidEncoding:
    @pytest.mark.parametrize(
        "uuid",
        [
            pytest.param("paw4knJqSPOXq7ThIQWFMw==", id="plain"),
            pytest.param("2jQ60QnYThiV9cm+fdIbZQ==", id="plus"),
            pytest.param("/ajXp112QmuoKj4854875==", id="leading-slash-not-multiple-of-4"),
            pytest.param("/ajXp112QmuoKj48548757==", id="leading-slash"),
            pytest.param("abc//defGHIjklMNOpqrST==", id="double-slash"),
            pytest.param("i9zq0MR8S/abcdef==", id="inner-slash"),
            pytest.param("abcd+/+/abcd", id="no-padding"),
            pytest.param("abcdefg=", id="single-padding"),
            pytest.param("82205654575", id="numeric-meeting-id"),
            pytest.param("not base64 at all!", id="spaces"),
            pytest.param("", id="empty"),
            pytest.param("..", id="dot-dot"),
            pytest.param("a===", id="too-much-padding"),
            pytest.param("ü/ñ+=", id="non-ascii"),
            pytest.param("u~abc", id="looks-encoded"),
            pytest.param("~41", id="tilde-percent-lookalike"),
            pytest.param("%2F", id="percent"),
        ],
    )
    def test_round_trip(self, uuid):
        safe = encode_uuid(uuid)
        assert decode_uuid(safe) == uuid
        assert "/" not in safe
        assert safe not in (".", "..")

    @pytest.mark.parametrize(
        "uuid", ["/ajXp112QmuoKj48548757==", "abc//defGHIjklMNOpqrST==", "2jQ60QnYThiV9cm+fdIbZQ=="]
    )
    def test_zoom_uuids_become_url_safe_base64(self, uuid):
        safe = encode_uuid(uuid)
        assert KEY_SAFE_UUID.fullmatch(safe)
        assert not set(safe) & set("+/=")

    def test_distinct_uuids_distinct_encodings(self):
        uuids = ["abcd", "abcd====", "ab==", "ab", "u~ab", "a+b/", "a-b_", "A+B/"]
        encoded = [encode_uuid(u) for u in uuids]
        assert len(set(encoded)) == len(uuids)

    @settings(max_examples=500, deadline=None)
    @given(st.text())
    def test_round_trip_any_text(self, text):
        safe = encode_uuid(text)
        assert decode_uuid(safe) == text
        assert "/" not in safe

    @settings(max_examples=500, deadline=None)
    @given(st.text())
    def test_encoding_is_key_safe_for_any_text(self, text):
        assert KEY_SAFE_UUID.fullmatch(encode_uuid(text) or "empty")

    @pytest.mark.parametrize(
        "uuid",
        [
            pytest.param("abc\n", id="trailing-newline-after-base64"),
            pytest.param("2jQ60QnYThiV9cm+fdIbZQ=\n", id="newline-instead-of-padding"),
            pytest.param("a b\tc", id="whitespace"),
        ],
    )
    def test_encoding_has_no_control_characters(self, uuid):
        safe = encode_uuid(uuid)
        assert KEY_SAFE_UUID.fullmatch(safe), safe
        assert decode_uuid(safe) == uuid

    @pytest.mark.parametrize(
        ("first", "second"),
        [pytest.param("%", "~25", id="percent-vs-tilde"), pytest.param("%7E", "~7E", id="escaped-vs-raw-tilde")],
    )
    def test_distinct_non_base64_uuids_do_not_collide(self, first, second):
        assert encode_uuid(first) != encode_uuid(second)

    @settings(max_examples=300, deadline=None)
    @given(st.binary(min_size=1, max_size=32))
    def test_round_trip_any_base64_uuid(self, raw):
        import base64

        uuid = base64.b64encode(raw).decode()
        safe = encode_uuid(uuid)
        assert decode_uuid(safe) == uuid
        assert KEY_SAFE_UUID.fullmatch(safe)
