"""Read a project's release history: its ``v<version>`` tags and the files on
its release targets, for the preview version and the version check of a merge
or pull request (:mod:`noxship.plan.history`).

Tags come from the remote (``git ls-remote --tags origin``): a shallow clone
(GitLab's default ``GIT_DEPTH`` is 20, GitHub's checkout fetches one commit)
may hold few or no tags, and ``ls-remote`` lists them all without fetching
history. When the remote cannot be asked, the local tags are read, and the
reasons say so. Files come from each release target's simple index (PEP 503,
691), read anonymously for PyPI and TestPyPI (their indexes are public) and
with the target's credentials otherwise; file names are parsed with
:mod:`packaging.utils` (binary distribution format spec, sdist spec).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Literal

from noxship.context import Context
from noxship.errors import (
    ConfigError,
    CredentialsError,
    IndexUnavailableError,
    PublishError,
    ToolError,
    UsageError,
)
from noxship.plan.history import HistoryReader, ReleaseHistory
from noxship.project import Project
from noxship.publish.credentials import Credentials
from noxship.publish.index import list_files
from noxship.publish.retry import RetryPolicy
from noxship.publish.targets import resolve_credentials, resolve_target
from noxship.release.git import git

__all__ = ["gather_released", "history_reader", "version_at", "versions_of_files"]

logger = logging.getLogger("noxship")

_Found = dict[str, list[str]]
_TIMEOUT = 60.0
"""Seconds ``git ls-remote`` may take before the local tags are read instead."""


def versions_of_files(filenames: Sequence[str]) -> list[str]:
    """The versions of the sdists and wheels among ``filenames`` (other files,
    and names that are not valid, are skipped)."""
    from noxship.build.dist import parse_filename

    parsed = (parse_filename(name, legacy_zip=True) for name in filenames)
    return [str(p[1]) for p in parsed if p is not None]


def _first_line(exc: ToolError) -> str:
    """git's own first line (``fatal: ...``), else the error's."""
    return (exc.output.strip().splitlines() or [str(exc)])[0]


def _remote_tags(project: Project, environ: Mapping[str, str]) -> list[str] | None:
    """The ``v*`` tags of ``origin``, or ``None`` when there is no ``origin`` or it
    cannot be asked."""
    try:
        git(
            ["config", "--get", "remote.origin.url"],
            environ,
            cwd=project.root,
            what="git config",
            show_failure=False,
        )
    except ToolError:
        logger.info("no remote origin in %s: reading the local tags", project.root)
        return None
    try:
        out = git(
            ["ls-remote", "--tags", "--refs", "origin", "refs/tags/v*"],
            environ,
            cwd=project.root,
            what="git ls-remote",
            timeout=_TIMEOUT,
            show_failure=False,
        )
    except ToolError as exc:
        logger.info("git ls-remote origin failed (%s): reading the local tags", _first_line(exc))
        return None
    return [
        line.split("\t", 1)[1].removeprefix("refs/tags/")
        for line in out.splitlines()
        if "\t" in line
    ]


def _tags(project: Project, environ: Mapping[str, str], found: _Found) -> tuple[str, str | None]:
    """Add the ``v*`` tags to ``found``; return (what was read, what could not be)."""
    names = _remote_tags(project, environ)
    read = "the tags of origin (git ls-remote)"
    if names is None:
        try:
            out = git(
                ["tag", "--list", "v*"],
                environ,
                cwd=project.root,
                what="git tag",
                show_failure=False,
            )
        except ToolError as exc:
            return "", f"the git tags ({_first_line(exc)})"
        names = out.split()
        read = "the local tags only (origin could not be asked; a shallow clone may lack some)"
    for name in names:
        found[f"tag {name}"] = [name[1:]]
    return read, None


def _index(
    project: Project, name: str, environ: Mapping[str, str], found: _Found
) -> tuple[str, str | None]:
    """Add the versions on target ``name`` to ``found``; return (what was read,
    what could not be)."""
    try:
        target = resolve_target(name, environ, project.name)
    except ConfigError as exc:  # a target that cannot be read here is said, not fatal
        return "", f"the index of {name}: {exc}"
    credentials: Credentials | None = None
    if not target.is_pypi:  # PyPI's and TestPyPI's indexes are public
        try:
            credentials = resolve_credentials(target, environ)
        except CredentialsError:
            credentials = None  # an anonymous read; a refusal says which variables to set
    # One retry: a plan waits for this, and an index that is down is reported.
    delay = RetryPolicy.from_env(environ).base_delay  # NOXSHIP_RETRY_DELAY
    read = RetryPolicy(attempts=2, base_delay=delay).retrying(
        f"lookup on {name}", IndexUnavailableError
    )
    try:
        files = read(lambda: list_files(target, project.name, credentials))
    except (PublishError, CredentialsError) as exc:  # unreachable, failing or refusing
        return "", f"the index of {name}: {exc}"
    found[name] = versions_of_files(list(files))
    return f"the simple index of {name}", None


def gather_released(
    context: Context, targets: Sequence[str], *, preview: bool = False
) -> ReleaseHistory:
    """Read the release history of the context's project: its ``v*`` tags and what
    each release target holds (see the module docstring).

    Args:
        context: the project (its root is the git checkout), and the environment
            (target URLs, credentials, ``GITHUB_TOKEN`` for a private GitHub remote).
        targets: the release targets' names.
        preview: a preview's ``<next>`` is wanted: with ``preview-next = "auto"``
            the commits since the newest release reachable from ``HEAD`` are
            read too (a shallow clone is deepened first, ``git fetch --unshallow``).

    Returns:
        The history; a source that could not be read is listed in
        :attr:`~noxship.plan.history.ReleaseHistory.unreachable`, not raised.

    A target that is unknown or lacks the variables it needs (``ConfigError``)
    is listed as not read, with the reason.
    """
    project, environ = context.project, context.environ
    found: _Found = {}
    consulted: list[str] = []
    unreachable: list[str] = []
    for read, failed in [
        _tags(project, environ, found),
        *(_index(project, name, environ, found) for name in targets),
    ]:
        if read:
            consulted.append(read)
        if failed:
            unreachable.append(failed)
    released = ReleaseHistory.from_sources(found, consulted, unreachable)
    if preview and project.config.preview_next == "auto":
        try:
            level, read = _commit_level(context)
        except (ToolError, UsageError) as exc:
            failed = f'the commits for preview-next = "auto": {exc}'
            return released._replace(unreachable=(*released.unreachable, failed))
        released = released._replace(level=level, consulted=(*released.consulted, read))
    return released


def _commit_level(context: Context) -> tuple[Literal["minor", "major"] | None, str]:
    """The bump the commits since the newest release ask for, and what was read."""
    from noxship.release.bump import commits_since, last_release
    from noxship.release.changelog import bump_kind

    project, environ = context.project, context.environ
    deepened = ""
    shallow = (
        git(
            ["rev-parse", "--is-shallow-repository"],
            environ,
            cwd=project.root,
            what="git rev-parse",
        ).strip()
        == "true"
    )
    if shallow:
        git(
            ["fetch", "--quiet", "--unshallow", "--tags", "origin"],
            environ,
            cwd=project.root,
            what="git fetch --unshallow",
            timeout=_TIMEOUT * 5,
        )
        deepened = "; the shallow clone was deepened (git fetch --unshallow)"
    tag, version = last_release(context)
    commits = commits_since(context, tag)
    level = bump_kind(commits, major_version_zero=version.major == 0)
    since = tag or "the first commit"
    said = f"{len(commits)} commits since {since} ask for a {level or 'no'} bump{deepened}"
    if level == "major":
        return "major", said
    return ("minor" if level == "minor" else None), said


def version_at(context: Context, sha: str) -> str | None:
    """The context's project's version at commit ``sha`` (a merge request's base),
    read from the file that holds it (``[project] version`` or Poetry's, or the
    version file), or ``None`` when the version comes from git or cannot be read.
    A commit missing from a shallow clone is fetched first (``git fetch --depth=1``,
    with the context's environment)."""
    import tomllib

    from noxship.project.version_source import VersionSourceKind, _assigned_version

    project, environ = context.project, context.environ
    source = project.version_source
    if source.kind is VersionSourceKind.STATIC:
        rel = "pyproject.toml"
    elif source.kind is VersionSourceKind.FILE and source.path is not None:
        rel = source.path.relative_to(project.root).as_posix()
    else:
        return None
    try:
        if not _has_commit(project, sha, environ):
            git(
                ["fetch", "--quiet", "--depth=1", "origin", sha],
                environ,
                cwd=project.root,
                what="git fetch of the merge request's base",
                timeout=_TIMEOUT,
                show_failure=False,
            )
        text = git(
            ["show", f"{sha}:{rel}"],
            environ,
            cwd=project.root,
            what="git show of the merge request's base",
            show_failure=False,
        )
    except ToolError:
        logger.info("the version at the merge request's base %s cannot be read", sha[:12])
        return None
    if source.kind is VersionSourceKind.FILE:
        return text.strip() if source.literal else _assigned_version(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    found = data.get("project", {}).get("version") or data.get("tool", {}).get("poetry", {}).get(
        "version"
    )
    return str(found) if isinstance(found, str) else None


def _has_commit(project: Project, sha: str, environ: Mapping[str, str]) -> bool:
    try:
        git(
            ["cat-file", "-e", f"{sha}^{{commit}}"],
            environ,
            cwd=project.root,
            what="git cat-file",
            show_failure=False,
        )
    except ToolError:
        return False
    return True


def history_reader(context: Context) -> HistoryReader:
    """The ``history`` argument of :func:`noxship.plan.plan_from_environment`:
    :func:`gather_released` for the context's project and environment."""
    return lambda targets, preview: gather_released(context, targets, preview=preview)
