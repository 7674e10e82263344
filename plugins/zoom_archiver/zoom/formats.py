"""What a file is: its extension, its content type, and where its bytes are downloaded from."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from zoom_archiver.keys import slugify

#: File types whose extension Zoom did not always send (before ~2021 there was no ``file_extension``).
EXTENSION_BY_TYPE = {
    "MP4": "mp4",
    "M4A": "m4a",
    "TIMELINE": "json",
    "TRANSCRIPT": "vtt",
    "CC": "vtt",
    "CHAT": "txt",
    "CHAT_MESSAGE": "txt",
    "CSV": "csv",
    "SUMMARY": "json",
    "TB": "jpg",
}
CONTENT_TYPE_BY_EXTENSION = {
    "mp4": "video/mp4",
    "m4a": "audio/mp4",
    "json": "application/json",
    "vtt": "text/vtt",
    "txt": "text/plain",
    "csv": "text/csv",
    "jpg": "image/jpeg",
    "png": "image/png",
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def file_extension(ext: str | None, file_type: str) -> str:
    """The key's extension: Zoom's ``file_extension`` when given (``ext``, encodable text; made key-safe), else the
    type's usual one."""
    if ext and ext.strip():
        return slugify(ext.strip().lower(), max_bytes=10)
    return EXTENSION_BY_TYPE.get(file_type, slugify(file_type.lower(), max_bytes=10) if file_type else "bin")


def content_type(ext: str) -> str:
    return CONTENT_TYPE_BY_EXTENSION.get(ext, DEFAULT_CONTENT_TYPE)


def download_form(url: str) -> str:
    """A TRANSCRIPT's ``download_url`` is sometimes its play page (``/rec/play/``, formerly ``/recording/play/``);
    its file lives at the matching ``download`` path."""
    parts = urlsplit(url)
    for play, download in (("/rec/play/", "/rec/download/"), ("/recording/play/", "/recording/download/")):
        if play in parts.path:
            return urlunsplit(parts._replace(path=parts.path.replace(play, download, 1)))
    return url
