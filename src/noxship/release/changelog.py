"""The release notes: Conventional Commits in, a Keep a Changelog section out.

Commit messages are read with commitizen's Conventional Commits rules (its
``bump_pattern`` and ``commit_parser``; Conventional Commits 1.0.0): ``feat``
is a minor change, ``fix`` and ``perf`` a patch, a ``!`` after the type or a
``BREAKING CHANGE`` footer a major one, and before 1.0.0 a breaking change is
minor (semver.org, item 4; commitizen's ``bump_map_major_version_zero``). The
section follows Keep a Changelog 1.1.0: ``## [1.5.0] - 2026-12-01``, then
``### Added`` (feat), ``### Changed`` (breaking changes, perf) and ``### Fixed``
(fix). commitizen is the ``bump`` extra (``pip install 'noxship[bump]'``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from noxship.errors import UsageError

if TYPE_CHECKING:
    from commitizen.version_increment import VersionIncrement

__all__ = ["CHANGELOG", "Commit", "bump_kind", "changelog_section", "insert_section", "section_of"]

CHANGELOG = "CHANGELOG.md"
"""The changelog's file name, in the project's root."""
_SECTIONS = (("Added", ("feat",)), ("Changed", ("breaking", "perf")), ("Fixed", ("fix",)))
HEADER = (
    "# Changelog\n\nAll notable changes to this project are documented in this file.\n\n"
    "The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/), and "
    "this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n"
)


class Commit(NamedTuple):
    """One commit: its id and full message."""

    sha: str
    message: str


def _commitizen() -> tuple[str, str, type[VersionIncrement]]:
    # commitizen's import configures logging with `dictConfig`, which disables every
    # logger that exists (its default `disable_existing_loggers`): noxship's is kept.
    ours = logging.getLogger("noxship")
    was_disabled = ours.disabled
    try:
        from commitizen import defaults
        from commitizen.cz.conventional_commits.conventional_commits import ConventionalCommitsCz
        from commitizen.version_increment import VersionIncrement
    except ImportError:
        raise UsageError(
            "noxship bump reads Conventional Commits with commitizen, which is not installed: "
            "pip install 'noxship[bump]'"
        ) from None
    finally:
        ours.disabled = was_disabled
    return defaults.BUMP_PATTERN, ConventionalCommitsCz.commit_parser, VersionIncrement


def bump_kind(commits: Sequence[Commit], major_version_zero: bool) -> str | None:
    """The bump the commits ask for: ``major``, ``minor``, ``patch`` or ``None``.

    Args:
        commits: the commits since the last release.
        major_version_zero: the current version is below 1.0.0 (a breaking
            change is then minor).

    Raises:
        UsageError: commitizen is not installed.
    """
    pattern, _, increment = _commitizen()
    breaking = "MINOR" if major_version_zero else "MAJOR"
    # commitizen's map, less `refactor`: a refactoring changes nothing a user sees.
    rules = {
        r"^.+!$": breaking,
        r"^BREAKING[\-\ ]CHANGE": breaking,
        r"^feat": "MINOR",
        r"^fix": "PATCH",
        r"^perf": "PATCH",
    }
    found = increment.get_highest_by_messages([c.message for c in commits], pattern, rules)
    return None if found == increment.NONE else str(found).lower()


def _entries(commits: Sequence[Commit]) -> dict[str, list[str]]:
    _, parser, _ = _commitizen()
    entries: dict[str, list[str]] = {"feat": [], "fix": [], "perf": [], "breaking": []}
    for commit in commits:
        title, _, body = commit.message.partition("\n")
        match = re.match(parser, title)
        if not match:
            continue
        kind = (match.group("change_type") or "").lower()
        text = (match.group("message") or "").strip()
        scope = match.group("scope")
        line = f"**{scope}:** {text}" if scope else text
        if (
            match.group("breaking")
            or title.split(":", 1)[0].endswith("!")
            or re.search(r"^BREAKING[- ]CHANGE:", body, re.MULTILINE)
        ):
            entries["breaking"].append(line)
        elif kind in entries:
            entries[kind].append(line)
    return entries


def changelog_section(version: str, date: str, commits: Sequence[Commit]) -> str:
    """The Keep a Changelog section of ``version`` released on ``date`` (ISO 8601).

    Raises:
        UsageError: commitizen is not installed.
    """
    entries = _entries(commits)
    lines = [f"## [{version}] - {date}", ""]
    for heading, kinds in _SECTIONS:
        items = [
            f"- **Breaking:** {e}" if k == "breaking" else f"- {e}"
            for k in kinds
            for e in entries[k]
        ]
        if items:
            lines += [f"### {heading}", "", *items, ""]
    if len(lines) == 2:
        lines += ["No user-facing change.", ""]
    return "\n".join(lines)


def insert_section(text: str | None, section: str) -> str:
    """``CHANGELOG.md`` with ``section`` put before the newest release's section
    (after ``## [Unreleased]`` and its text, which stay); a new file has the
    Keep a Changelog header."""
    if not text:
        return f"{HEADER}\n{section}"
    for match in re.finditer(r"^## ", text, re.MULTILINE):
        if not text.startswith("## [Unreleased]", match.start()):
            return text[: match.start()] + section + "\n" + text[match.start() :]
    return text.rstrip("\n") + "\n\n" + section


def section_of(path: Path, version: str) -> str | None:
    """The body of ``version``'s section in the changelog at ``path`` (without its
    heading), or ``None`` when the file or the section is missing."""
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    start = re.search(rf"^## \[?v?{re.escape(version)}\]?(?=[\s(]|$).*$", text, re.MULTILINE)
    if start is None:
        return None
    following = re.search(r"^## ", text[start.end() :], re.MULTILINE)
    end = start.end() + following.start() if following else len(text)
    return text[start.end() : end].strip() or None
