"""The page's figures, built at most once per :data:`TTL_SECONDS` per api-server process (one build at a time: a burst
of visitors waits for the one build instead of each reading the ledger), and again as soon as the state they were
built from moved on (a ``stamp`` that changes: a run started or finished)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

#: How long built figures are served (the issue's bound: at most 10 minutes).
TTL_SECONDS = 300

T = TypeVar("T")


class TtlCache(Generic[T]):
    def __init__(self, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._value: T | None = None
        self._expires = 0.0
        self._stamp: Any = None

    def get(self, build: Callable[[], T], stamp: Any = None) -> T:
        """The value built by ``build``, built again when it is older than the lifetime or ``stamp`` changed."""
        with self._lock:
            if self._value is None or self._clock() >= self._expires or stamp != self._stamp:
                self._value = build()
                self._expires = self._clock() + self.ttl
                self._stamp = stamp
            return self._value

    def clear(self) -> None:
        with self._lock:
            self._value = None
