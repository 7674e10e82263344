"""The README (and the docs it links) as Markdown a reader can follow: every code block closed, every in-page
``#anchor`` naming a heading, every relative link naming a file of the repository, and the first screen naming
every prerequisite of ``make install``/``make demo``."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"(?<!!)\[(?:[^\]\\]|\\.)*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|!\[[^\]]*\]\(([^)\s]+)\)")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")


def split_fences(text: str) -> tuple[list[str], list[str]]:
    """The lines outside code blocks, and the problems: a block never closed (CommonMark: a closing fence has the
    opening's character, at least as many of them, and nothing after)."""
    outside: list[str] = []
    problems: list[str] = []
    opened: tuple[str, int] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        match = _FENCE.match(line)
        if opened is None:
            if match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
                opened = (match.group(1), number)
            else:
                outside.append(line)
        elif match and match.group(1)[0] == opened[0][0] and len(match.group(1)) >= len(opened[0]):
            opened = opened if match.group(2).strip() else None
    if opened is not None:
        problems.append(f"the code block opened on line {opened[1]} ({opened[0]}) is never closed")
    return outside, problems


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: its text (code spans and links as their text), lowercased, without
    punctuation but ``-`` and ``_``, spaces turned into ``-``."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def anchors(lines: list[str]) -> set[str]:
    seen: dict[str, int] = {}
    out: set[str] = set()
    for line in lines:
        match = _HEADING.match(line)
        if match:
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            out.add(base if count == 0 else f"{base}-{count}")
    return out


def links(lines: list[str]) -> list[str]:
    targets = []
    for line in lines:
        for match in _LINK.finditer(_CODE_SPAN.sub("", line)):
            targets.append(match.group(1) or match.group(2))
    return targets


def problems_of(path: Path) -> list[str]:
    lines, problems = split_fences(path.read_text(encoding="utf-8"))
    own = anchors(lines)
    for target in links(lines):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        if not file_part:
            if anchor not in own:
                problems.append(f"link #{anchor}: no such heading")
            continue
        linked = (path.parent / file_part).resolve()
        if not linked.exists():
            problems.append(f"link {target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(split_fences(linked.read_text("utf-8"))[0]):
            problems.append(f"link {target}: no such heading in {file_part}")
    return problems


@pytest.mark.parametrize("path", [README, *DOCS], ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_blocks_closed_and_links_live(path: Path) -> None:
    assert problems_of(path) == []


def test_the_checker_catches_an_unclosed_block_a_dead_anchor_and_a_missing_file(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n[ok](#title) [dead](#nowhere) [file](missing.md) [here](page.md#title)\n\n```\ncode\n\n## Later\n"
    )
    assert problems_of(page) == [
        "the code block opened on line 5 (```) is never closed",
        "link #nowhere: no such heading",
        "link missing.md: no such file",
    ]


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("S3-compatible stores and HTTPS", "s3-compatible-stores-and-https"),
        ("Reclaim Zoom storage (opt-in)", "reclaim-zoom-storage-opt-in"),
        ("The ledger (`zoom_archive_ledger`)", "the-ledger-zoom_archive_ledger"),
        ("Webhooks: archived minutes after", "webhooks-archived-minutes-after"),
        ("Zoom recordings → S3, on Airflow", "zoom-recordings--s3-on-airflow"),
    ],
)  # fmt: skip
def test_anchors_follow_githubs_rule(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor


def first_screen() -> str:
    """Everything above the README's Contents."""
    return README.read_text(encoding="utf-8").split("## Contents", 1)[0]


@pytest.mark.parametrize("prerequisite", ["Python 3.11", "make", "Node.js", "npm"])
def test_the_first_screen_names_every_prerequisite_of_make_install(prerequisite: str) -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "npm ci" in makefile  # the reason Node.js/npm is a prerequisite; drop it from here if install stops
    assert prerequisite in first_screen()


def test_the_first_screen_warns_before_real_credentials_archive_a_whole_account() -> None:
    text = first_screen()
    assert "ZOOM_DEMO_REAL_ACCOUNT=yes" in text
    assert "whole account" in text
