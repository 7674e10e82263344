"""What the discover step hands the other tasks: this run's files (one ``archive`` task each), one entry per meeting
for its manifest, and the :class:`DiscoverSummary` that ``commit`` turns into the ledger's view of the run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, cast

from zoom_archiver.ledger import RunRecord
from zoom_archiver.model import (
    FailureDict,
    MeetingEntry,
    PlannedFile,
    PlannedFileDict,
    SummaryDict,
)


@dataclass(frozen=True)
class DiscoverSummary:
    """What ``discover`` hands to ``commit`` (an XCom: JSON types only, no secrets)."""

    windows: list[tuple[str, str]]
    dry_run: bool
    unfiltered: bool = True
    planned: list[tuple[str, str]] = field(default_factory=list)  # (file id, meeting date) of this run's files
    backlog: int = 0
    leftover_days: list[str] = field(default_factory=list)  # meeting dates left for later runs
    rebuilt: list[tuple[str, str]] = field(default_factory=list)  # found in S3, recorded without a download
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (file id, reason), skipped
    released: list[str] = field(default_factory=list)
    user_failures: list[tuple[str, str]] = field(default_factory=list)
    stale_processing: int = 0
    outside_window: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    rejected_count: int = 0
    api_calls: int = 0
    rate_limited: int = 0
    #: files that need no work this run, by reason (for the run report)
    skipped: dict[str, int] = field(default_factory=dict)
    #: file id -> ``"<sha256 hex>:<size>"``: the archive-time hashes the manifests keep for files found in S3
    #: (another run, e.g. a webhook run, streamed them): ``commit`` records them in the ledger
    found_hashes: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> SummaryDict:
        """JSON types only: an XCom keeps a tuple as a tuple, and the REST API then shows it as a string."""
        return cast(SummaryDict, json.loads(json.dumps(asdict(self))))

    @classmethod
    def from_dict(cls, data: SummaryDict | Mapping[str, Any]) -> DiscoverSummary:
        raw: Mapping[str, Any] = data
        values = {k: raw[k] for k in cls.__dataclass_fields__ if k in raw}
        for name in ("windows", "planned", "rebuilt", "quarantined", "user_failures", "rejected"):
            values[name] = [(str(a), str(b)) for a, b in values.get(name) or []]
        return cls(**values)

    def run_record(self, archived: Sequence[tuple[str, str]], failures: Mapping[str, FailureDict]) -> RunRecord:
        """The ledger's view of this run, once its archive tasks are done."""
        windows = [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in self.windows]
        return RunRecord(
            planned=self.planned,
            archived=archived,
            rebuilt=self.rebuilt,
            covered=windows if self.unfiltered else [],
            leftover_days=self.leftover_days,
            owed=windows if self.user_failures else [],
            failures=failures,
            released=self.released,
        )


@dataclass(frozen=True)
class Discovery:
    """The files to archive this run and the summary for ``commit``."""

    files: list[PlannedFile]
    summary: DiscoverSummary
    #: one entry per meeting this run touches, for its manifest (see :func:`~.planning.meeting_entries`)
    meetings: list[MeetingEntry] = field(default_factory=list)

    def file_dicts(self) -> list[PlannedFileDict]:
        """The files as the ``archive`` tasks get them (discover's return value, which Airflow maps over)."""
        return [f.to_dict() for f in self.files]
