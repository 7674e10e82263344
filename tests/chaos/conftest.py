"""Chaos fixtures: the Zoom emulator with its fault knobs on, moto's S3 server behind the seeded S3 fault proxy,
and an isolated Airflow (``airflow dags test`` in a subprocess, as in ``tests/e2e``) pointed at them: the
stack and the runner are ``tests.support.stack``'s (``start_stack``, ``make_airflow``).

Every service writes its log under the test's own directory so the secret scan covers it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.stack import migrate_db


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory) -> Path:
    """Migrate one SQLite metadata DB per session; each test gets a copy (fast, isolated)."""
    return migrate_db(tmp_path_factory.mktemp("airflow-template"))


def write_figures(path: Path, title: str, figures: dict[str, Any]) -> str:
    """Write ``figures`` as JSON next to a markdown table; return the markdown (also printed by the tests)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.with_suffix(".json")).write_text(json.dumps(figures, indent=2, sort_keys=True))
    lines = [f"### {title}", "", "| figure | value |", "|---|---|"]
    for name, value in figures.items():
        shown = json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else str(value)
        lines.append(f"| {name} | {shown} |")
    markdown = "\n".join(lines) + "\n"
    path.with_suffix(".md").write_text(markdown)
    return markdown
