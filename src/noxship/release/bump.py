"""``noxship bump``: the release commit, made right.

It sets the new version where the project keeps it (pyproject.toml through
tomlkit, which keeps the formatting; a ``__version__`` file; nothing for a
version from git tags), updates ``uv.lock`` where it pins the project itself
(uv's lock file lists the project as a package whose source is ``editable``
or ``virtual`` ``"."``; ``poetry.lock`` never lists the project), prepends the
release's section to ``CHANGELOG.md`` (:mod:`.changelog`), and commits with a
title that the release planner accepts as a release message, so a
default-branch pipeline of that commit releases the new version. It never
pushes.

The bump: ``major``, ``minor``, ``patch`` (of the release part, PEP 440; a
pre-release is finished first: ``patch`` of ``1.5.0rc1`` is ``1.5.0``), an
explicit version, or ``auto`` from the Conventional Commits since the last
``v<version>`` tag reachable from ``HEAD``.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from packaging.version import InvalidVersion, Version

from noxship.context import Context
from noxship.errors import ConfigError, ToolError, UsageError
from noxship.plan.planner import Policy, release_version
from noxship.project import Project
from noxship.project.version_source import VCS_KINDS, VersionSourceKind
from noxship.release.changelog import (
    CHANGELOG,
    Commit,
    bump_kind,
    changelog_section,
    insert_section,
)
from noxship.release.git import git

if TYPE_CHECKING:
    from tomlkit import TOMLDocument
    from tomlkit.items import Table

__all__ = ["BumpPlan", "apply_bump", "commits_since", "last_release", "plan_bump"]

logger = logging.getLogger("noxship")

_LEVELS = ("major", "minor", "patch")


class BumpPlan(NamedTuple):
    """What ``noxship bump`` does.

    Attributes:
        current: the version now (the last release's, for a version from git).
        new: the new version.
        reason: why this version (the bump asked for, or the commits' kinds).
        title: the commit title, a release message the planner accepts.
        section: the changelog section.
        files: the files it changes, relative to the project.
    """

    current: Version
    new: Version
    reason: str
    title: str
    section: str
    files: tuple[str, ...]


def last_release(context: Context) -> tuple[str | None, Version]:
    """The newest ``v<version>`` tag reachable from ``HEAD`` in the context's project
    and its version (``None`` and 0.0.0 without one).

    Raises:
        ToolError: git failed.
    """
    out = git(
        ["tag", "--merged", "HEAD", "--list", "v*"],
        context.environ,
        cwd=context.project.root,
        what="git tag",
    )
    found: list[tuple[Version, str]] = []
    for tag in out.split():
        try:
            found.append((Version(tag[1:]), tag))
        except InvalidVersion:
            continue
    if not found:
        return None, Version("0.0.0")
    version, tag = max(found)
    return tag, version


def commits_since(context: Context, since: str | None) -> list[Commit]:
    """The commits of the context's project after tag ``since`` up to ``HEAD`` (all
    of them without a tag), newest first.

    Raises:
        ToolError: git failed.
    """
    span = f"{since}..HEAD" if since else "HEAD"
    root = context.project.root
    out = git(["log", "--format=%H%x1f%B%x1e", span], context.environ, cwd=root, what="git log")
    commits = []
    for record in out.split("\x1e"):
        sha, sep, message = record.strip().partition("\x1f")
        if sep:
            commits.append(Commit(sha, message.strip()))
    return commits


def _bumped(current: Version, level: str) -> Version:
    major, minor, patch = (*current.release, 0, 0)[:3]
    unfinished = current.pre is not None or current.dev is not None
    if unfinished and {"patch": True, "minor": patch == 0, "major": minor == patch == 0}[level]:
        release = (major, minor, patch)  # 1.5.0rc1 -> 1.5.0
    else:
        release = {
            "major": (major + 1, 0, 0),
            "minor": (major, minor + 1, 0),
            "patch": (major, minor, patch + 1),
        }[level]
    return current.__replace__(release=release, pre=None, post=None, dev=None, local=None)


def _next(
    current: Version, how: str, commits: list[Commit], since: str | None
) -> tuple[Version, str]:
    if how in _LEVELS:
        return _bumped(current, how), f"{how} bump of {current}"
    if how == "auto":
        level = bump_kind(commits, major_version_zero=current.major == 0)
        where = since or "the first commit"
        if level is None:
            raise UsageError(
                f"no feat, fix, perf or breaking commit since {where} ({len(commits)} commits): "
                "nothing to release; run `noxship bump patch|minor|major` to release anyway"
            )
        return _bumped(current, level), f"auto: a {level} bump from the commits since {where}"
    try:
        wanted = Version(how)
    except InvalidVersion:
        raise UsageError(
            f"bump {how!r} is not major, minor, patch, auto or a PEP 440 version: use one of them"
        ) from None
    if wanted.local is not None or wanted <= current:
        raise UsageError(
            f"version {wanted} must be above {current} and have no local part "
            "(PEP 440; PyPI refuses local versions): choose another"
        )
    return wanted, f"version {wanted}, as asked"


def _title(context: Context, new: Version) -> str:
    pattern = Policy.from_config(context.project.config, context.environ).release_pattern
    for title in (str(new), f"release {new}", f"v{new}"):
        if release_version(title, pattern) == str(new):
            return title
    raise ConfigError(
        f"the release pattern {pattern!r} accepts none of {new}, release {new}, v{new} as a "
        "release message: fix release-pattern, or commit the release by hand"
    )


def _version_files(project: Project) -> tuple[str, ...]:
    source = project.version_source
    if source.kind in VCS_KINDS:
        return ()
    if source.kind is VersionSourceKind.STATIC:
        return ("pyproject.toml",)
    if source.kind is VersionSourceKind.FILE and source.path is not None:
        return (source.path.relative_to(project.root).as_posix(),)
    raise ConfigError(
        f"the version comes from {source.detail}, which noxship cannot edit: set it by hand "
        "and commit it with the release message (for example 1.4.0)"
    )


def plan_bump(context: Context, how: str, today: str | None = None) -> BumpPlan:
    """Decide the bump (see the module docstring); nothing is changed.

    Args:
        context: the project (a git checkout), and the environment
            (``NOXSHIP_RELEASE_PATTERN``).
        how: ``major``, ``minor``, ``patch``, ``auto`` or a PEP 440 version.
        today: the release date (ISO 8601); default today, UTC.

    Raises:
        UsageError: ``how`` is invalid, ``auto`` finds nothing to release, or
            commitizen is missing.
        ConfigError: the version source cannot be edited (``setup.py``), or the
            release pattern accepts no title.
        ToolError: git failed.
    """
    project = context.project
    since, released = last_release(context)
    vcs = project.version_source.kind in VCS_KINDS
    current = released if vcs else project.resolved_version()
    commits = commits_since(context, since)
    new, reason = _next(current, how, commits, since)
    date = today or datetime.datetime.now(datetime.UTC).date().isoformat()
    files = (*_version_files(project), *_lock_files(project), CHANGELOG)
    return BumpPlan(
        current,
        new,
        reason,
        _title(context, new),
        changelog_section(str(new), date, commits),
        files,
    )


def _lock_files(project: Project) -> tuple[str, ...]:
    return ("uv.lock",) if _own_lock_entry(project) is not None else ()


def _own_lock_entry(project: Project) -> tuple[TOMLDocument, Table] | None:
    """uv.lock's document and the package entry of the project itself, if any."""
    path = project.root / "uv.lock"
    if not path.is_file():
        return None
    import tomlkit
    from packaging.utils import canonicalize_name

    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    for package in doc.get("package", []):
        source = package.get("source", {})
        mine = source.get("editable") == "." or source.get("virtual") == "."
        if mine and canonicalize_name(str(package.get("name", ""))) == project.canonical_name:
            return doc, package
    return None


def _write_version(project: Project, new: Version) -> None:
    project.version_source.rewrite(project.root, project.root, new)
    entry = _own_lock_entry(project)
    if entry is not None:
        import tomlkit

        lock, package = entry
        package["version"] = str(new)
        (project.root / "uv.lock").write_text(tomlkit.dumps(lock), encoding="utf-8")


def apply_bump(context: Context, plan: BumpPlan) -> str:
    """Write the files of ``plan`` into the context's project and commit them (never push).

    Returns:
        The new commit's id.

    Raises:
        UsageError: tracked files have uncommitted changes (the release commit
            must hold the bump alone).
        ToolError: git failed (a hook that refused the commit, for example).
    """
    project, environ = context.project, context.environ
    dirty = git(
        ["status", "--porcelain", "--untracked-files=no"],
        environ,
        cwd=project.root,
        what="git status",
    )
    if dirty.strip():
        raise UsageError(
            f"{project.root} has uncommitted changes ({dirty.split()[-1]}...): commit or stash "
            "them first, so that the release commit holds the bump alone"
        )
    before = {name: _read_bytes(project.root / name) for name in plan.files}
    try:
        _write_version(project, plan.new)
        changelog = project.root / CHANGELOG
        old = changelog.read_text(encoding="utf-8") if changelog.is_file() else None
        changelog.write_text(insert_section(old, plan.section), encoding="utf-8")
        git(["add", "--", *plan.files], environ, cwd=project.root, what="git add")
        git(
            ["commit", "--quiet", "-m", plan.title, "-m", plan.section],
            environ,
            cwd=project.root,
            what="git commit",
        )
    except ToolError as exc:
        _restore(project, before, environ)
        raise ToolError(
            f"{exc} The bump's files are restored as they were ({', '.join(plan.files)}): "
            "fix what git refused, then run noxship bump again",
            exc.output,
            exc.returncode,
        ) from None
    return git(["rev-parse", "HEAD"], environ, cwd=project.root, what="git rev-parse").strip()


def _read_bytes(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def _restore(
    project: Project, before: Mapping[str, bytes | None], environ: Mapping[str, str]
) -> None:
    """Put the bump's files back as they were, staged as they were (``git reset``)."""
    git(["reset", "--quiet", "--", *before], environ, cwd=project.root, what="git reset")
    for name, content in before.items():
        path = project.root / name
        if content is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(content)
