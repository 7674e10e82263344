"""Every Airflow Variable of the archiver, declared once: name, type, default, bounds and description.

The same table feeds the reader (:func:`read_variables`: every value typed and checked, a bad one a
:class:`~zoom_archiver.errors.ConfigurationError` naming the Variable and the value) and the README's table of
Variables (:func:`readme_table`; a test keeps the README in step).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zoom_archiver.errors import ConfigurationError
from zoom_archiver.settings.values import VariableGetter, boolean, bounded, integer, variable_reader

#: S3's storage classes (``zoom_archive_storage_class``); unset: the bucket's default (``STANDARD`` on AWS).
STORAGE_CLASSES = (
    "STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE",
    "REDUCED_REDUNDANCY", "EXPRESS_ONEZONE", "OUTPOSTS", "SNOW",
)  # fmt: skip
OBJECT_LOCK_MODES = ("GOVERNANCE", "COMPLIANCE")
DEFAULT_ALERT_FROM = "airflow-zoom-archiver@localhost"


@dataclass(frozen=True)
class Var:
    """One Variable: how it is read and how the README describes it.

    :param kind: ``text`` (stripped unless ``raw``), ``int``, ``number``, ``bool``, ``choice`` (upper case, one of
        ``choices``), ``list`` (comma- or semicolon-separated), or ``state`` (written by a DAG, never read as a
        setting).
    :param shown: the README's default column when it is not the plain default.
    """

    name: str
    kind: str
    default: Any
    description: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    shown: str | None = None
    raw: bool = False

    def parse(self, value: Any) -> Any:
        """``value`` (set: not empty) typed and checked."""
        if self.kind == "int":
            return integer(value, self.name, int(self.low or 0), int(self.high or 0))
        if self.kind == "number":
            return bounded(float, value, f"Variable {self.name}", self.low or 0, self.high or 0)
        if self.kind == "bool":
            return boolean(value, self.name)
        if self.kind == "list":
            return tuple(e.strip() for e in str(value).replace(";", ",").split(",") if e.strip())
        if self.kind == "choice":
            return self._choice(value)
        return value if self.raw else str(value).strip()

    def _choice(self, value: Any) -> str | None:
        name = str(value).strip().upper()
        if not name:
            return None
        if name not in self.choices:
            listed = " or ".join(self.choices) if len(self.choices) == 2 else "one of " + ", ".join(self.choices)
            shown = name if len(self.choices) == 2 else value
            raise ConfigurationError(f"Variable {self.name} must be {listed}, got {shown!r}")
        return name

    def readme_row(self) -> str:
        default = self.shown if self.shown is not None else f"`{self.default}`" if self.default is not None else "—"
        return f"| `{self.name}` | {default} | {self.description} |"


VARIABLES: tuple[Var, ...] = (
    Var("zoom_archive_bucket", "text", None, "target bucket", shown="— (**required**; a clear error if missing)"),
    Var("zoom_archive_prefix", "text", "zoom", "every key starts with `<prefix>/`"),
    Var("zoom_archive_lookback_days", "int", 7, "how far back a scheduled run lists meetings", 1, 3650),
    Var(
        "zoom_archive_max_files_per_run", "int", 500,
        "per-run cap (also capped by `[core] max_map_length`); the rest is taken by the next runs, oldest first",
        1, 100000,
    ),
    Var("zoom_archive_key_template", "text", None, "key layout", shown="see [Object keys](#object-keys)"),
    Var("zoom_archive_sse", "text", None, "`AES256` or `aws:kms`", shown="bucket default", raw=True),
    Var("zoom_archive_sse_kms_key_id", "text", None, "KMS key for `aws:kms`", raw=True),
    Var(
        "zoom_archive_storage_class", "choice", None,
        "one of S3's classes, e.g. `STANDARD_IA`, `GLACIER_IR`, `INTELLIGENT_TIERING`, `DEEP_ARCHIVE` (see "
        "[Storage classes](#storage-classes-and-lifecycle))",
        choices=STORAGE_CLASSES, shown="bucket default (`STANDARD` on AWS)",
    ),
    Var(
        "zoom_archive_object_lock_mode", "choice", None,
        "`GOVERNANCE` or `COMPLIANCE`: write-once retention of every archived object (see "
        "[Object Lock](#write-once-retention-object-lock))",
        choices=OBJECT_LOCK_MODES, shown="— (no retention)",
    ),
    Var(
        "zoom_archive_object_lock_days", "int", None,
        "days each object is retained from its upload (1–36500; required with the mode)", 1, 36500,
    ),
    Var(
        "zoom_archive_legal_hold", "bool", False,
        "also place a legal hold on every archived object (needs the mode)", shown="`false`",
    ),
    Var("zoom_archive_part_size_mib", "int", 8, "multipart part size (5–5120)", 5, 5120),
    Var("zoom_archive_max_concurrency", "int", 4, "parts uploaded in parallel per file", 1, 32),
    Var(
        "zoom_archive_max_unknown_size_mib", "int", 2048,
        "largest file archived when neither Zoom (`file_size`) nor the download (`Content-Length`) gives its size "
        "(1–1048576); a larger one fails and nothing is stored",
        1, 1024 * 1024,
    ),
    Var("zoom_archive_alert_emails", "list", (), "comma-separated recipients of failure e-mails", shown="—"),
    Var("zoom_archive_alert_from", "text", DEFAULT_ALERT_FROM, "sender of failure e-mails"),
    Var(
        "zoom_archive_abort_uploads_after_hours", "number", 24,
        "the `housekeeping` task aborts incomplete multipart uploads under the prefix older than this (left by a "
        "killed worker); a smaller age could abort a live upload",
        0, 24 * 365, shown="`24` (at least 1)",
    ),
    Var(
        "zoom_archive_ledger_retention_days", "int", 90,
        "days an archived file stays in the ledger after it was archived", 1, 36500,
        shown="90 (at least the look-back + 30)",
    ),
    Var(
        "zoom_archive_quarantine_after_runs", "int", 3,
        "failed runs (transient errors) before a file is quarantined; a permanent error quarantines at once", 1, 1000,
    ),
    Var(
        "zoom_archive_processing_max_days", "int", 30,
        "days after its meeting a file still processing stays owed", 1, 3650,
    ),
    Var(
        "zoom_archive_ledger", "state", None, "the ledger (see [How it works](#how-it-works))",
        shown="written by the DAG",
    ),
    Var(
        "zoom_archive_trash_after_days", "int", None,
        "days after its meeting a proven file is moved to Zoom's trash (0–36500); see "
        "[Reclaim](#reclaim-zoom-storage-opt-in)",
        0, 36500, shown="unset (**off**)",
    ),
    Var(
        "zoom_archive_reclaim_history_days", "int", 30,
        "days of older meetings (before the ledger's retention) each reclaim run also lists, walking back through "
        "the history a slice a run; 0: only the recent meetings; see [Reclaim](#reclaim-zoom-storage-opt-in)",
        0, 3660,
    ),
    Var(
        "zoom_archive_reclaim", "state", None, "what the reclaim trashed, when, and its totals",
        shown="written by the reclaim DAG",
    ),
)  # fmt: skip
BY_NAME: Mapping[str, Var] = {v.name: v for v in VARIABLES}


class Variables:
    """The Variables as a task reads them: each one at most once, typed and checked (unset, null, empty or blank: its
    default)."""

    def __init__(self, get: VariableGetter | None = None) -> None:
        self._read = variable_reader(get)
        self._values: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._values:
            spec = BY_NAME[name]
            raw = self._read(name)
            self._values[name] = spec.default if _blank(raw) else spec.parse(raw)
        return self._values[name]

    def is_set(self, name: str) -> bool:
        """Whether the Variable ``name`` holds a value (not unset, null, empty or blank)."""
        return not _blank(self._read(name))


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def read_variables(get: VariableGetter | None = None) -> Variables:
    """The Variables, read on demand through ``get`` (``Variable.get`` when ``None``)."""
    return Variables(get)


def readme_table() -> str:
    """The README's table of Variables (Markdown)."""
    return "\n".join(["| Variable | default | meaning |", "|---|---|---|", *(v.readme_row() for v in VARIABLES)])
