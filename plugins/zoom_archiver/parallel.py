"""The one way the archiver does I/O-bound work in parallel: a bounded thread pool mapping a function over items."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def parallel_map(func: Callable[[T], R], items: Iterable[T], *, workers: int, name: str) -> list[R]:
    """``[func(item) for item in items]`` computed by ``workers`` threads (at least one) named ``name-N``, results in
    the order of ``items``; the first exception raised by ``func`` is raised (after the running calls end)."""
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix=name) as pool:
        return list(pool.map(func, items))
