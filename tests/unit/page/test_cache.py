"""The page's figures are built at most once per lifetime (zoom_archiver.page.cache)."""

from __future__ import annotations

from zoom_archiver.page.cache import TTL_SECONDS, TtlCache


def test_builds_once_per_lifetime_and_again_after_it_or_a_clear():
    now = [0.0]
    built: list[int] = []
    cache: TtlCache[int] = TtlCache(300, clock=lambda: now[0])

    def build() -> int:
        built.append(1)
        return len(built)

    assert cache.get(build) == 1
    now[0] = 299.0
    assert cache.get(build) == 1
    now[0] = 300.0
    assert cache.get(build) == 2
    cache.clear()
    assert cache.get(build) == 3


def test_builds_again_when_the_state_moved_on():
    built: list[int] = []
    cache: TtlCache[int] = TtlCache(300, clock=lambda: 0.0)

    def build() -> int:
        built.append(1)
        return len(built)

    assert cache.get(build, (3, "t1")) == 1
    assert cache.get(build, (3, "t1")) == 1
    assert cache.get(build, (4, "t2")) == 2  # a run started: no stale figures for 5 minutes


def test_the_lifetime_is_at_most_ten_minutes():
    assert 0 < TTL_SECONDS <= 600
