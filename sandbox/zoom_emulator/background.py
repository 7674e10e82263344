"""A simulated second integration of the account: it takes a share of the Medium per-second limit.

Zoom's limits are per account, shared by every app (``background_share`` of the config). A daemon thread spends
its share evenly through the emulator's own rate limiter, so the archiver meets real contention: while it stays
under what is left, both are served; when it takes more, 429s fall on both, as on a real account. Its calls and
refusals are counted in ``/_emulator/stats`` (``background``).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoom_emulator.state import EmulatorState

CATEGORY = "medium"
#: How often an idle consumer (share 0 or no limit) looks at the config again.
IDLE_SECONDS = 0.2


class BackgroundConsumer:
    """Spends ``background_share`` × the Medium limit calls per second, evenly spaced, until stopped."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def ensure_running(self) -> None:
        """Start the thread once (it idles while the share is 0)."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="emulator-background", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        """Stop the thread (the emulator is stopping)."""
        self._stop.set()
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)

    def _rate(self) -> tuple[float, int | None]:
        config = self._state.config
        limit = config.rate_limit_per_second.get(CATEGORY)
        return (config.background_share * limit if limit else 0.0), limit

    def _run(self) -> None:
        due = time.monotonic()
        while not self._stop.is_set():
            rate, limit = self._rate()
            if rate <= 0:
                self._stop.wait(IDLE_SECONDS)
                due = time.monotonic()
                continue
            now = time.monotonic()
            if due > now:
                self._stop.wait(due - now)
                continue
            served = self._state.limiter.allow(CATEGORY, limit)
            self._state.stats.background(served)
            due = max(due + 1.0 / rate, now - 1.0)
