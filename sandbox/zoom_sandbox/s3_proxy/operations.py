"""Which S3 operation a path-style request is (as boto3 addresses an IP endpoint), and on which bucket and key."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote

_BUCKET_OPS = {"PUT": "PutBucket", "DELETE": "DeleteBucket", "HEAD": "HeadBucket"}
_MULTIPART_OPS = {"POST": "CompleteMultipartUpload", "DELETE": "AbortMultipartUpload", "GET": "ListParts"}
_TAGGING_OPS = {"GET": "GetObjectTagging", "PUT": "PutObjectTagging", "DELETE": "DeleteObjectTagging"}
_OBJECT_OPS = {"GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject", "POST": "PostObject"}
_SUBRESOURCES = {"acl", "retention", "legal-hold", "attributes", "restore", "torrent", "select"}
_PART_OPS = ("UploadPart", "UploadPartCopy")


def classify(method: str, path: str, headers: Any = None) -> tuple[str, str, str, str]:
    """``(operation, bucket, key, part)`` of a path-style S3 request (``part`` is the part number or ``""``)."""
    raw_path, _, query_string = path.partition("?")
    query = parse_qs(query_string, keep_blank_values=True)
    segments = raw_path.lstrip("/").split("/", 1)
    bucket = unquote(segments[0]) if segments and segments[0] else ""
    key = unquote(segments[1]) if len(segments) > 1 else ""
    part = query.get("partNumber", [""])[0]
    method = method.upper()
    if not bucket:
        return ("ListBuckets" if method == "GET" else f"{method}Service"), "", "", ""
    if not key:
        return _bucket_operation(method, query), bucket, "", ""
    copy_source = bool(headers and headers.get("x-amz-copy-source"))
    op = _object_operation(method, query, part, copy_source)
    return op, bucket, key, part if op in _PART_OPS else ""


def _bucket_operation(method: str, query: dict[str, list[str]]) -> str:
    if method == "GET":
        if "uploads" in query:
            return "ListMultipartUploads"
        if "versions" in query:
            return "ListObjectVersions"
        return "ListObjects"
    if method == "POST" and "delete" in query:
        return "DeleteObjects"
    return _BUCKET_OPS.get(method, f"{method}Bucket")


def _object_operation(method: str, query: dict[str, list[str]], part: str, copy_source: bool) -> str:
    if "uploadId" in query:
        if method == "PUT" and part:
            return "UploadPartCopy" if copy_source else "UploadPart"
        if method in _MULTIPART_OPS:
            return _MULTIPART_OPS[method]
    if method == "POST" and "uploads" in query:
        return "CreateMultipartUpload"
    if "tagging" in query:
        return _TAGGING_OPS.get(method, f"{method}ObjectTagging")
    subresources = _SUBRESOURCES & set(query)
    if subresources:
        return f"{method}Object-{sorted(subresources)[0]}"
    if method == "PUT":
        return "CopyObject" if copy_source else "PutObject"
    return _OBJECT_OPS.get(method, f"{method}Object")
