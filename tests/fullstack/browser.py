"""Headless Chromium driven over the Chrome DevTools Protocol (CDP).

A small client on top of the pinned ``websockets`` package: no WebDriver, no browser download. Chromium is
Debian's ``/usr/bin/chromium``, started with a new, empty profile and stopped with every process it started.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--no-default-browser-check", "--hide-scrollbars", "--mute-audio", "--lang=en-US",
    "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
]  # fmt: skip


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (path := shutil.which(candidate)):
            return path
    return None


class CdpError(RuntimeError):
    pass


class Browser:
    """One headless Chromium with one page. Use as a context manager."""

    def __init__(self, log_path: Path, *, width: int = 1440, height: int = 900) -> None:
        self.log_path = log_path
        self.width, self.height = width, height
        self.profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
        self.proc: subprocess.Popen | None = None
        self.ws: Any = None
        self._ids = itertools.count(1)

    # ----------------------------------------------------------------------------------------------------
    def __enter__(self) -> Browser:
        from websockets.sync.client import connect
        from zoom_sandbox.services import _spawn

        chromium = find_chromium()
        if chromium is None:
            raise CdpError("chromium is not installed (Debian: apt-get install chromium)")
        argv = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}",
                f"--window-size={self.width},{self.height}", "about:blank"]  # fmt: skip
        self.proc = _spawn(argv, self.log_path)
        try:
            port = self._devtools_port()
            target = self._page_target(port)
            self.ws = connect(target["webSocketDebuggerUrl"], max_size=64 * 1024 * 1024, open_timeout=30)
            self.send("Page.enable")
            self.send("Runtime.enable")
            self.send("Emulation.setDeviceMetricsOverride",
                      width=self.width, height=self.height, deviceScaleFactor=1, mobile=False)  # fmt: skip
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        from zoom_sandbox.services import stop_process_group

        if self.ws is not None:
            try:
                self.ws.close()
            finally:
                self.ws = None
        if self.proc is not None:
            stop_process_group(self.proc, timeout=10)
            self.proc = None
        shutil.rmtree(self.profile, ignore_errors=True)

    def _devtools_port(self, timeout: float = 60) -> int:
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise CdpError(f"chromium exited with {self.proc.returncode}; see {self.log_path}")
            if marker.exists() and (lines := marker.read_text().splitlines()):
                return int(lines[0])
            time.sleep(0.1)
        raise CdpError(f"chromium did not open its DevTools port; see {self.log_path}")

    @staticmethod
    def _page_target(port: int) -> dict[str, Any]:
        import requests

        for _ in range(100):
            targets = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return pages[0]
            time.sleep(0.1)
        raise CdpError("chromium has no page target")

    # ----------------------------------------------------------------------------------------------------
    def send(self, method: str, timeout: float = 60, **params: Any) -> dict[str, Any]:
        """Call a CDP method and return its result (events arriving meanwhile are dropped)."""
        message_id = next(self._ids)
        self.ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CdpError(f"{method}: no answer within {timeout}s")
            message = json.loads(self.ws.recv(timeout=remaining))
            if message.get("id") == message_id:
                if "error" in message:
                    raise CdpError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page (promises awaited) and return its JSON value."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = (details.get("exception") or {}).get("description") or details.get("text")
            raise CdpError(f"JavaScript error: {text}\n{expression}")
        return result.get("result", {}).get("value")

    def navigate(self, url: str) -> None:
        self.send("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'", timeout=60, what=f"load {url}")

    def wait_for(self, expression: str, *, timeout: float = 60, what: str | None = None) -> Any:
        """Poll a JavaScript expression until it is truthy; return its value (``true`` for a DOM node)."""
        wrapped = f"(() => {{ const v = ({expression}); return v instanceof Node ? true : v; }})()"
        deadline = time.monotonic() + timeout
        last_error = None
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(wrapped)
                if value:
                    return value
            except CdpError as exc:  # e.g. the page is navigating
                last_error = exc
            time.sleep(0.25)
        raise CdpError(f"timed out waiting for {what or expression} ({timeout}s) at {self.url}; {last_error or ''}")

    @property
    def url(self) -> str:
        try:
            return str(self.evaluate("location.href"))
        except CdpError:
            return "?"

    def type_text(self, text: str) -> None:
        """Type into the focused element (real input events, so React's state follows)."""
        self.send("Input.insertText", text=text)

    def click_at(self, x: float, y: float) -> None:
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def click(self, selector_js: str, *, timeout: float = 30, what: str | None = None) -> None:
        """Click the element the JavaScript expression ``selector_js`` returns, with a real mouse event."""
        box = self.wait_for(
            f"""(() => {{ const el = {selector_js}; if (!el) return null; el.scrollIntoView({{block: 'center'}});
                const r = el.getBoundingClientRect(); return r.width && r.height ? [r.x + r.width / 2,
                r.y + r.height / 2] : null; }})()""",
            timeout=timeout, what=what or selector_js,
        )  # fmt: skip
        self.click_at(*box)

    def type_keys(self, text: str) -> None:
        """Type ``text`` key by key into the focused element (e.g. the segments of a date picker)."""
        for char in text:
            self.send("Input.dispatchKeyEvent", type="keyDown", key=char, text=char)
            self.send("Input.dispatchKeyEvent", type="keyUp", key=char)

    def bounding_box(self, selector_js: str, margin: float = 0) -> dict[str, float]:
        box = self.evaluate(f"(() => {{ const r = ({selector_js}).getBoundingClientRect(); "
                            f"return [r.x, r.y, r.width, r.height]; }})()")  # fmt: skip
        x, y = max(0.0, box[0] - margin), max(0.0, box[1] - margin)
        return {"x": x, "y": y, "width": box[2] + 2 * margin, "height": box[3] + 2 * margin, "scale": 1}

    def screenshot(self, path: Path, *, clip: dict[str, float] | None = None) -> Path:
        """A PNG of the viewport, or of ``clip`` (page coordinates, see :meth:`bounding_box`)."""
        params: dict[str, Any] = {"format": "png"}
        if clip:
            params["clip"] = clip
        data = self.send("Page.captureScreenshot", **params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path
