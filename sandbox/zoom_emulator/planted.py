"""Faults planted on one file or one user through the control plane (forgotten by a reset).

* ``POST /_emulator/download_answer`` ``{"file_id", "host"?, "status"?, "body"?, "content_type"?, "times"?}``:
  the next ``times`` downloads of that file (default 1; ``null``: every one; ``0``: clear) on ``host`` get this
  answer instead of the normal one. ``host`` ``api`` (default) replaces the 302 of ``/rec/download`` (default
  answer: HTTP 200 ``{"status":false,"errorCode":124,"errorMessage":"Forbidden"}`` as JSON, what Zoom sends for
  a rejected token); ``cdn`` replaces the bytes at the pre-signed URL (default answer: 404 ``NoSuchKey`` XML, an
  object gone from Zoom's storage).
* ``POST /_emulator/user_gone`` ``{"user", "gone"?}``: that user (id or e-mail) is still listed by ``/v2/users``
  but ``/v2/users/{id}/recordings`` answers 404 ``{"code":1001,"message":"User does not exist: {email}."}``, as
  for a user deleted mid-run; ``"gone": false`` clears it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from zoom_emulator.httpbase import JSON_TYPE, Response, json_response

HOSTS = ("api", "cdn")
API_DEFAULT_BODY = '{"status":false,"errorCode":124,"errorMessage":"Forbidden"}'
CDN_DEFAULT_BODY = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>"
)
XML_TYPE = "application/xml"


@dataclass
class PlantedAnswer:
    """One planted download answer; ``times`` left (``None``: every time)."""

    status: int
    body: bytes
    content_type: str | None
    times: int | None

    def response(self) -> Response:
        return Response(self.status, self.body, self.content_type)


def user_gone_response(email: str) -> Response:
    """Zoom's answer for a user deleted mid-run (404/1001, the wording seen in real captures)."""
    return json_response(404, {"code": 1001, "message": f"User does not exist: {email}."})


class PlantedFaults:
    """Per-file download answers and users whose listing is gone; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, str], PlantedAnswer] = {}
        self._gone: set[str] = set()

    def plant(self, host: str, file_key: str, answer: PlantedAnswer) -> None:
        """Plant ``answer`` for downloads of ``file_key`` on ``host`` (``times == 0`` clears it)."""
        with self._lock:
            if answer.times == 0:
                self._answers.pop((host, file_key), None)
            else:
                self._answers[(host, file_key)] = answer

    def take(self, host: str, file_key: str) -> Response | None:
        """The planted answer for this download, if any (using up one of its ``times``)."""
        with self._lock:
            answer = self._answers.get((host, file_key))
            if answer is None:
                return None
            if answer.times is not None:
                answer.times -= 1
                if answer.times <= 0:
                    del self._answers[(host, file_key)]
            return answer.response()

    def set_gone(self, user_id: str, gone: bool) -> None:
        with self._lock:
            if gone:
                self._gone.add(user_id)
            else:
                self._gone.discard(user_id)

    def is_gone(self, user_id: str) -> bool:
        with self._lock:
            return user_id in self._gone

    def snapshot(self) -> dict[str, Any]:
        """What is planted (for ``GET /_emulator/planted``)."""
        with self._lock:
            answers = [
                {"host": host, "file_key": key, "status": a.status, "content_type": a.content_type, "times": a.times}
                for (host, key), a in sorted(self._answers.items())
            ]
            return {"download_answers": answers, "gone_users": sorted(self._gone)}


def parse_answer(body: dict[str, Any]) -> tuple[str, PlantedAnswer]:
    """``(host, answer)`` from a ``download_answer`` request body; raises ``ValueError`` when invalid."""
    host = str(body.get("host") or "api")
    if host not in HOSTS:
        raise ValueError(f"host must be one of {list(HOSTS)}")
    cdn = host == "cdn"
    try:
        status = int(body.get("status", 404 if cdn else 200))
    except (TypeError, ValueError):
        raise ValueError("status must be an integer") from None
    if not 200 <= status <= 599 or 300 <= status < 400:
        raise ValueError("status must be 2xx, 4xx or 5xx")
    text = body.get("body", CDN_DEFAULT_BODY if cdn else API_DEFAULT_BODY)
    if not isinstance(text, str):
        raise ValueError("body must be a string")
    content_type = body.get("content_type", XML_TYPE if cdn else JSON_TYPE)
    if content_type is not None and not isinstance(content_type, str):
        raise ValueError("content_type must be a string or null")
    times = body.get("times", 1)
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 0):
        raise ValueError("times must be a non-negative integer or null")
    return host, PlantedAnswer(status, text.encode("utf-8"), content_type or None, times)
