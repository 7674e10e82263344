"""The page's figures, built at most once per :data:`TTL_SECONDS` per api-server process (one build at a time: a burst
of visitors waits for the one build instead of each reading the ledger)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

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

    def get(self, build: Callable[[], T]) -> T:
        with self._lock:
            if self._value is None or self._clock() >= self._expires:
                self._value = build()
                self._expires = self._clock() + self.ttl
            return self._value

    def clear(self) -> None:
        with self._lock:
            self._value = None
