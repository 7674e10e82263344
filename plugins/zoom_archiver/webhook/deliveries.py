"""How many webhook deliveries the receiver answered, by outcome, kept where the archive page can read them.

Each api-server process counts its deliveries in memory (``accepted``: a recording event that queued a run;
``duplicate``: a copy answered from memory or by the run Zoom's first copy queued; ``refused``: a delivery that
failed its checks, 4xx; ``unavailable``: 503, Zoom retries; ``other``: URL validations and events we only log) and
writes what it counted as one row of Airflow's audit log (:data:`~zoom_archiver.names.WEBHOOK_DELIVERIES_EVENT`) at
most every :data:`FLUSH_SECONDS`, in a background thread: a delivery's answer never waits for the database, and a
flood of forged deliveries costs one row a minute, not one per request. A failed write keeps the counts for the next
one. Counts of the last minute before a process stops are lost (the page says "about").
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping

from zoom_archiver.names import WEBHOOK_DAG_ID, WEBHOOK_DELIVERIES_EVENT, WEBHOOK_OUTCOMES

log = logging.getLogger(__name__)

#: At most one audit-log row per api-server process this often.
FLUSH_SECONDS = 60.0

Writer = Callable[[Mapping[str, int]], None]


def audit_log_writer(counts: Mapping[str, int]) -> None:
    """Add one row to Airflow's audit log with ``counts`` (the api-server's metadata DB session)."""
    from airflow.models.log import Log
    from airflow.utils.session import create_session

    with create_session() as session:
        session.add(
            Log(event=WEBHOOK_DELIVERIES_EVENT, owner="zoom-webhook", dag_id=WEBHOOK_DAG_ID, extra=json.dumps(counts))
        )


def outcome_of(status: int, answer: str = "") -> str:
    """The outcome of an answer: its HTTP status and, for a 200, the ``status`` it carried (``queued``, ...)."""
    if status == 503:
        return "unavailable"
    if status >= 400:
        return "refused"
    return {"queued": "accepted", "duplicate": "duplicate"}.get(answer, "other")


class DeliveryCounts:
    """Counts by outcome, written by ``writer`` at most every ``interval`` seconds (the first at once)."""

    def __init__(
        self,
        writer: Writer = audit_log_writer,
        interval: float = FLUSH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.writer, self.interval, self.clock = writer, interval, clock
        self._lock = threading.Lock()
        self._pending: Counter[str] = Counter()
        self._last_write = -1e18
        self._timer: threading.Timer | None = None

    def note(self, outcome: str) -> None:
        """Count one delivery; schedule the next write (never blocks on the database)."""
        with self._lock:
            self._pending[outcome if outcome in WEBHOOK_OUTCOMES else "other"] += 1
            self._schedule()

    def _schedule(self) -> None:
        """Start the timer of the next write, unless one is pending (called with the lock held)."""
        if self._timer is not None:
            return
        wait = max(0.0, self._last_write + self.interval - self.clock())
        self._timer = threading.Timer(wait, self.flush)
        self._timer.daemon = True
        self._timer.start()

    def flush(self) -> None:
        """Write what was counted since the last write (a failure keeps it for the next write)."""
        with self._lock:
            counts, self._pending = dict(self._pending), Counter()
            self._timer, self._last_write = None, self.clock()
        if not counts:
            return
        try:
            self.writer(counts)
        except Exception as exc:  # the counts wait for the next delivery's write
            log.warning("Could not write the webhook delivery counts (%s): kept for the next write", type(exc).__name__)
            with self._lock:
                self._pending.update(counts)
                self._schedule()
