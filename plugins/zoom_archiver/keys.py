"""S3 object keys: collision-free, key-safe, bounded, and always inside the configured prefix."""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Protocol
from urllib.parse import quote, unquote

from zoom_archiver.errors import ConfigurationError, InvalidRecord

DEFAULT_KEY_TEMPLATE = (
    "{prefix}/{host_email}/{YYYY}/{MM}/{DD}/{start_time}_{topic_slug}_{meeting_uuid_safe}/"
    "{recording_type}_{file_id}.{ext}"
)
#: The fields a key template may use.
TEMPLATE_FIELDS = frozenset(
    ("prefix", "host_email", "host_id", "YYYY", "MM", "DD", "start_time", "topic_slug", "meeting_uuid_safe")
    + ("meeting_id", "recording_type", "file_type", "file_id", "ext")
)
MAX_KEY_BYTES = 1024
MAX_TOPIC_BYTES = 80
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
_UNSAFE = re.compile(r"[^\w.@+-]+", re.UNICODE)
_DASHES = re.compile(r"-{2,}")
#: Key parts holding any of these (controls, whitespace, separators) are slugified before use in a key.
_KEY_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f/\\\u2028\u2029]")


def slugify(text: str, max_bytes: int = MAX_TOPIC_BYTES) -> str:
    """A key-safe rendering of a meeting topic: unicode letters kept, separators and controls turned to ``-``.

    No ``/``, no ``..``, no control characters; at most ``max_bytes`` UTF-8 bytes (cut on a character boundary).
    """
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = _UNSAFE.sub("-", text)
    text = text.replace("..", "-")
    text = _DASHES.sub("-", text).strip("-._")
    encoded = text.encode("utf-8")[:max_bytes]
    text = encoded.decode("utf-8", errors="ignore").rstrip("-._")
    return text or "untitled"


def encode_uuid(uuid: str) -> str:
    """Make a meeting UUID key-safe, reversibly (see :func:`decode_uuid`).

    Zoom UUIDs are standard base64 (``+``, ``/``, ``=`` occur, ``/`` even first or doubled): they become
    URL-safe base64 without padding. Anything else is percent-encoded behind a ``u~`` marker.
    """
    if _BASE64.fullmatch(uuid) and len(uuid) % 4 == 0:
        return uuid.rstrip("=").replace("+", "-").replace("/", "_")
    return "u~" + quote(uuid, safe="").replace("~", "%7E").replace("%", "~")


def decode_uuid(safe: str) -> str:
    """Inverse of :func:`encode_uuid`."""
    if safe.startswith("u~"):
        return unquote(safe[2:].replace("~", "%"))
    raw = safe.replace("-", "+").replace("_", "/")
    return raw + "=" * (-len(raw) % 4)


def validate_prefix(prefix: str) -> str:
    """Normalise the archive prefix (no leading/trailing ``/``, no empty, ``.`` or ``..`` segments)."""
    cleaned = (prefix or "").strip().strip("/")
    segments = cleaned.split("/")
    if not cleaned or any(seg in ("", ".", "..") for seg in segments):
        raise ConfigurationError(f"zoom_archive_prefix {prefix!r} is not a valid S3 prefix")
    return cleaned


def validate_template(template: str) -> str:
    """Check that a key template only uses known plain fields and always includes ``{prefix}`` and ``{file_id}``.

    Format specs and conversions (``{file_id:.0}``, ``{topic_slug!r}``) are refused: they can cut or change a
    field (``.0`` empties ``file_id``, so every key of a meeting would collide).
    """
    try:
        parsed = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(template)]
    except ValueError as exc:
        raise ConfigurationError(f"key template is not a valid format string: {exc}") from None
    fields = {name for name, _, _ in parsed if name is not None}
    for name, spec, conversion in parsed:
        if name is not None and (spec or conversion is not None):
            written = "{" + name + (f"!{conversion}" if conversion is not None else "") + (f":{spec}" if spec else "")
            raise ConfigurationError(
                f"key template field {written}}} has a format spec or conversion; use the plain field {{{name}}}"
            )
    unknown = fields - TEMPLATE_FIELDS
    if unknown:
        raise ConfigurationError(
            f"key template uses unknown fields {sorted(unknown)}; known: {sorted(TEMPLATE_FIELDS)}"
        )
    if not template.startswith("{prefix}/") or "file_id" not in fields:
        raise ConfigurationError(
            "key template must start with '{prefix}/' and contain '{file_id}' (keys must be unique)"
        )
    return template


def render_key(template: str, fields: Mapping[str, str], prefix: str) -> str:
    """Render a key and enforce S3's limits: ≤ 1,024 bytes, inside ``prefix/``, no ``.``/``..`` segments.

    The topic slug is shortened first when the key is too long.
    """
    values = dict(fields)
    values["prefix"] = prefix
    for name, value in values.items():
        if name not in ("prefix", "topic_slug") and ("/" in value or value in (".", "..")):
            values[name] = slugify(value, max_bytes=200)
    key = template.format(**values)
    while len(key.encode("utf-8")) > MAX_KEY_BYTES and len(values.get("topic_slug", "")) > 8:
        values["topic_slug"] = slugify(values["topic_slug"], max_bytes=len(values["topic_slug"].encode()) // 2)
        key = template.format(**values)
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise InvalidRecord(f"object key would exceed {MAX_KEY_BYTES} bytes")
    segments = key.split("/")
    if not key.startswith(prefix + "/") or any(seg in ("", ".", "..") for seg in segments):
        raise InvalidRecord(f"object key {key!r} would leave the prefix or contain empty/dot segments")
    return key


def key_part(value: str, max_bytes: int = 200) -> str:
    """A template field that is safe in a key: kept as it is unless it holds controls, whitespace or separators,
    is a dot segment or is too long; then it is slugified."""
    if not value:
        return value
    if _KEY_UNSAFE.search(value) or value in (".", "..") or len(value.encode()) > max_bytes:
        return slugify(value, max_bytes=max_bytes)
    return value


class MeetingFields(Protocol):
    """What a meeting's key fields are made of (a :class:`~zoom_archiver.zoom.records.MeetingRecord`)."""

    @property
    def host_email(self) -> str: ...
    @property
    def host_id(self) -> str: ...
    @property
    def start(self) -> datetime: ...
    @property
    def key_topic(self) -> str: ...
    @property
    def uuid(self) -> str: ...
    @property
    def meeting_id(self) -> str: ...


class FileFields(Protocol):
    """What a file's own key fields are made of (a :class:`~zoom_archiver.zoom.records.FileRecord`)."""

    @property
    def recording_type(self) -> str: ...
    @property
    def file_type(self) -> str: ...
    @property
    def file_id(self) -> str: ...
    @property
    def ext(self) -> str: ...
    @property
    def participant(self) -> str: ...


def meeting_fields(meeting: MeetingFields) -> dict[str, str]:
    """The template fields every file of one meeting shares (``topic_slug``: the topic made key-safe)."""
    start = meeting.start
    return {
        "host_email": key_part(meeting.host_email) or "unknown-host",
        "host_id": key_part(meeting.host_id),
        "YYYY": f"{start.year:04d}",
        "MM": f"{start.month:02d}",
        "DD": f"{start.day:02d}",
        "start_time": start.strftime("%Y-%m-%dT%H%M%SZ"),
        "topic_slug": slugify(meeting.key_topic),
        "meeting_uuid_safe": encode_uuid(meeting.uuid),
        "meeting_id": key_part(meeting.meeting_id),
    }


def file_key(template: str, prefix: str, meeting: Mapping[str, str], file: FileFields) -> str:
    """The object key of one file of a meeting (``meeting`` from :func:`meeting_fields`). A participant's audio file
    is named by the participant (its file id keeps two equal names apart)."""
    recording_type = file.recording_type
    if file.participant:
        recording_type = f"{recording_type}-{slugify(file.participant, 60)}"
    fields = {
        **meeting,
        "recording_type": recording_type,
        "file_type": key_part(file.file_type) or "FILE",
        "file_id": file.file_id,
        "ext": file.ext,
    }
    return render_key(template, fields, prefix)


#: A meeting manifest's name, in the folder of the meeting's files (:mod:`zoom_archiver.publish.manifest`).
MANIFEST_NAME = "manifest.json"


def is_manifest_key(key: str) -> bool:
    """Whether ``key`` is a meeting manifest (never a recording)."""
    return key == MANIFEST_NAME or key.endswith("/" + MANIFEST_NAME)


def manifest_key(file_keys: Iterable[str], meeting_uuid: str) -> str:
    """The manifest's key: in the folder all the meeting's files share; when that folder does not name the meeting
    (a key template without ``{meeting_uuid_safe}`` in its folders), in a sub-folder named by it."""
    folders = [key.split("/")[:-1] for key in file_keys]
    if not folders:
        raise ValueError(f"meeting {meeting_uuid!r} has no file key")
    common = folders[0]
    for folder in folders[1:]:
        size = next((i for i, (a, b) in enumerate(zip(common, folder, strict=False)) if a != b), None)
        common = common[: min(len(common), len(folder)) if size is None else size]
    safe = encode_uuid(meeting_uuid)
    if not any(safe in part for part in common):
        common = [*common, safe]
    return "/".join([*common, MANIFEST_NAME])
