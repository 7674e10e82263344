"""Object keys (zoom_archiver.keys): rendering a key from the template, and validating the template and the prefix."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zoom_archiver.errors import ConfigurationError, InvalidRecord
from zoom_archiver.keys import (
    DEFAULT_KEY_TEMPLATE,
    MAX_KEY_BYTES,
    encode_uuid,
    render_key,
    slugify,
    validate_prefix,
    validate_template,
)


def _fields(**overrides: str) -> dict[str, str]:
    fields = {
        "host_email": "jchill@example.com",
        "host_id": "z8yBXksaAAjdhfsfdfkjgg",
        "YYYY": "2024",
        "MM": "11",
        "DD": "29",
        "start_time": "2024-11-29T165120Z",
        "topic_slug": "Team-sync",
        "meeting_uuid_safe": encode_uuid("2jQ60QnYThiV9cm+fdIbZQ=="),
        "meeting_id": "82205654575",
        "recording_type": "shared_screen_with_speaker_view",
        "file_type": "MP4",
        "file_id": "1ec4ad5a-fba9-4866-b71b-099b38a3e702",
        "ext": "mp4",
    }
    fields.update(overrides)
    return fields


def _assert_valid_key(key: str, prefix: str) -> None:
    assert len(key.encode("utf-8")) <= MAX_KEY_BYTES
    assert key.startswith(prefix + "/")
    assert all(segment not in ("", ".", "..") for segment in key.split("/")), key


class TestRenderKey:
    def test_default_template(self):
        key = render_key(DEFAULT_KEY_TEMPLATE, _fields(), "zoom")
        assert key == (
            "zoom/jchill@example.com/2024/11/29/2024-11-29T165120Z_Team-sync_2jQ60QnYThiV9cm-fdIbZQ/"
            "shared_screen_with_speaker_view_1ec4ad5a-fba9-4866-b71b-099b38a3e702.mp4"
        )

    @pytest.mark.parametrize(
        "topic",
        [
            pytest.param("x" * 300, id="ascii-300"),
            pytest.param("会" * 300, id="cjk-300"),
            pytest.param("🎥" * 300, id="emoji-300"),
        ],
    )
    def test_long_topics_bounded(self, topic):
        fields = _fields(
            topic_slug=slugify(topic, max_bytes=10_000),
            host_email="a" * 240 + "@example.com",
            recording_type="r" * 200,
        )
        key = render_key(DEFAULT_KEY_TEMPLATE, fields, "archive/zoom")
        _assert_valid_key(key, "archive/zoom")
        assert fields["file_id"] in key

    def test_huge_fields_never_give_an_oversized_key(self):
        fields = _fields(topic_slug="t" * 300, host_email="h" * 2000)
        with pytest.raises(InvalidRecord, match="1024"):
            render_key(DEFAULT_KEY_TEMPLATE, fields, "zoom")

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            pytest.param("host_email", "../../../etc", id="traversal-email"),
            pytest.param("host_email", "..", id="dot-dot-email"),
            pytest.param("file_id", "a/b/c", id="slash-file-id"),
            pytest.param("file_id", "..", id="dot-dot-file-id"),
            pytest.param("ext", "../mp4", id="slash-ext"),
            pytest.param("recording_type", "/", id="slash-only"),
            pytest.param("YYYY", ".", id="dot-year"),
        ],
    )
    def test_fields_cannot_add_or_escape_segments(self, field, value):
        key = render_key(DEFAULT_KEY_TEMPLATE, _fields(**{field: value}), "zoom")
        _assert_valid_key(key, "zoom")
        assert key.count("/") == DEFAULT_KEY_TEMPLATE.count("/")

    def test_prefix_may_have_several_segments(self):
        key = render_key("{prefix}/{file_id}.{ext}", _fields(), "a/b/c")
        assert key == "a/b/c/1ec4ad5a-fba9-4866-b71b-099b38a3e702.mp4"

    def test_empty_segment_is_rejected(self):
        with pytest.raises(InvalidRecord):
            render_key(DEFAULT_KEY_TEMPLATE, _fields(host_email=""), "zoom")

    @settings(max_examples=200, deadline=None)
    @given(
        st.fixed_dictionaries(
            {
                name: st.text(max_size=400)
                for name in ("host_email", "topic_slug", "meeting_id", "recording_type", "file_id", "ext")
            }
        )
    )
    def test_any_fields_give_a_valid_key_or_a_rejection(self, overrides):
        overrides["topic_slug"] = slugify(overrides["topic_slug"], max_bytes=10_000)
        try:
            key = render_key(DEFAULT_KEY_TEMPLATE, _fields(**overrides), "zoom")
        except InvalidRecord:
            return
        _assert_valid_key(key, "zoom")


class TestValidateTemplate:
    def test_default_template_valid(self):
        assert validate_template(DEFAULT_KEY_TEMPLATE) == DEFAULT_KEY_TEMPLATE

    @pytest.mark.parametrize(
        "template",
        [
            pytest.param("{prefix}/{file_id}", id="minimal"),
            pytest.param("{prefix}/{YYYY}/{MM}/{meeting_uuid_safe}/{file_type}-{file_id}.{ext}", id="custom"),
        ],
    )
    def test_valid_templates(self, template):
        assert validate_template(template) == template

    @pytest.mark.parametrize(
        ("template", "message"),
        [
            pytest.param("{prefix}/{password}/{file_id}", "unknown fields", id="unknown-field"),
            pytest.param("{prefix}/{file_id}/{}", "unknown fields", id="positional-field"),
            pytest.param("{prefix}/{file_id.__class__}", "unknown fields", id="attribute-access"),
            pytest.param("{host_email}/{prefix}/{file_id}", "start with", id="prefix-not-first"),
            pytest.param("{prefix}{file_id}", "start with", id="prefix-without-slash"),
            pytest.param("{prefix}/{meeting_uuid_safe}.{ext}", "file_id", id="no-file-id"),
            pytest.param("{prefix}/{{file_id}}", "file_id", id="escaped-file-id-is-literal"),
            pytest.param("{prefix}/{file_id", "not a valid format string", id="unbalanced-brace"),
            pytest.param(
                "{prefix}/{topic_slug}/{file_id:.0}.{ext}",
                "{file_id:.0} has a format spec",
                id="precision-empties-file-id",
            ),
            pytest.param(
                "{prefix}/{topic_slug!r}/{file_id}", "{topic_slug!r} has a format spec or conversion", id="conversion"
            ),
            pytest.param("{prefix}/{file_id!s:>3}", "{file_id!s:>3} has", id="conversion-and-spec"),
            pytest.param("{prefix}/{file_id:{ext}}", "{file_id:{ext}} has", id="nested-spec"),
            pytest.param("{prefix:.1}/{file_id}", "{prefix:.1} has", id="spec-on-prefix"),
        ],
    )
    def test_invalid_templates_rejected(self, template, message):
        with pytest.raises(ConfigurationError, match=re.escape(message)):
            validate_template(template)


class TestValidatePrefix:
    @pytest.mark.parametrize(
        ("prefix", "expected"),
        [
            pytest.param("zoom", "zoom", id="simple"),
            pytest.param("/zoom/", "zoom", id="slashes-stripped"),
            pytest.param(" archive/zoom ", "archive/zoom", id="nested-and-spaces"),
        ],
    )
    def test_valid(self, prefix, expected):
        assert validate_prefix(prefix) == expected

    @pytest.mark.parametrize(
        "prefix",
        [
            pytest.param("", id="empty"),
            pytest.param("/", id="root"),
            pytest.param("a//b", id="empty-segment"),
            pytest.param("a/../b", id="dot-dot"),
            pytest.param("./zoom", id="dot"),
            pytest.param(None, id="none"),
        ],
    )
    def test_invalid(self, prefix):
        with pytest.raises(ConfigurationError, match="zoom_archive_prefix"):
            validate_prefix(prefix)
