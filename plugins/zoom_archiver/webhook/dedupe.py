"""Duplicate deliveries answered from memory: the run ids this api-server process has queued or found lately.

Zoom delivers an event more than once (a retry after a lost answer, the same event to two subscriptions, a burst of
duplicates); each copy names the same run (:meth:`~zoom_archiver.webhook.events.Event.run_id`). The metadata DB is
the truth (a run id is a unique key there), but asking it costs a session and a query per copy, and a burst of copies
queues up behind one another in the api-server. :class:`RecentRuns` keeps the run ids it has seen exist (created or
found) for ``ttl`` seconds, at most ``size`` of them, and makes copies that arrive while the first is still being
queued wait for that one's answer instead of asking the DB again. So one event costs one DB round-trip per api-server
process, whatever the number of copies.

A run id is remembered only once the DB has it. A copy answered from memory after someone deleted that run in the
UI triggers nothing (within ``ttl``): the scheduled runs archive the meeting anyway, as for any event Zoom gave up on.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable

from fastapi.concurrency import run_in_threadpool

from zoom_archiver.webhook.events import Event
from zoom_archiver.webhook.trigger import NotQueued

#: How long a run id is remembered: longer than Zoom's last retry (+60 min after the first delivery).
RECENT_TTL_SECONDS = 2 * 3600.0
#: How many run ids are remembered (about 100 bytes each).
RECENT_SIZE = 10_000

Queue = Callable[[Event], bool]


class RecentRuns:
    """``queue`` (blocking: the DB) wrapped for the event loop, answering known and in-flight run ids from memory."""

    def __init__(self, queue: Queue, ttl: float = RECENT_TTL_SECONDS, size: int = RECENT_SIZE) -> None:
        self.queue, self.ttl, self.size = queue, ttl, size
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._in_flight: dict[str, asyncio.Future[BaseException | None]] = {}

    async def __call__(self, event: Event) -> bool:
        """``True`` when this delivery created the run; ``False`` for a copy; raises what ``queue`` raised."""
        run_id = event.run_id()
        if self.known(run_id):
            return False
        first = self._in_flight.get(run_id)
        if first is not None:  # a copy arriving while the first is being queued: its outcome is ours
            failure = await asyncio.shield(first)
            if failure is not None:
                raise failure
            return False
        done: asyncio.Future[BaseException | None] = asyncio.get_running_loop().create_future()
        self._in_flight[run_id] = done
        try:
            created = await run_in_threadpool(self.queue, event)
        except BaseException as exc:  # the copies waiting get the same answer (a 503: Zoom retries)
            done.set_result(exc if isinstance(exc, Exception) else NotQueued("the first copy's request was cancelled"))
            raise
        else:
            self._remember(run_id)
            done.set_result(None)
            return created
        finally:
            del self._in_flight[run_id]

    def known(self, run_id: str) -> bool:
        """Whether ``run_id`` was seen in the DB less than ``ttl`` seconds ago."""
        seen = self._seen.get(run_id)
        if seen is None:
            return False
        if time.monotonic() - seen > self.ttl:
            del self._seen[run_id]
            return False
        return True

    def _remember(self, run_id: str) -> None:
        self._seen[run_id] = time.monotonic()
        self._seen.move_to_end(run_id)
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)
