"""Tag a release after its last target, the way each CI provider allows.

One function per provider (:data:`TAGGERS`, keyed by the provider's name):
GitLab creates a Release through the Releases API with ``ref`` set, which
creates the tag and works with the job token (GitLab docs, "Releases API" and
"CI/CD job token"); a Release that exists for the same commit counts as done.
GitHub runs ``git tag`` and ``git push origin refs/tags/<tag>`` with the
workflow's token (``GITHUB_TOKEN``, which needs ``contents: write``), handed
over as :func:`noxship.release.git.git` does (a tag that exists for the same
commit is pushed again: a re-run), then creates the GitHub release
of that tag (GitHub REST API, "Create a release": ``POST
/repos/{owner}/{repo}/releases``, 201; 422 with code ``already_exists`` when
the tag has one, which counts as done). Locally the command is printed, not run.

The release notes are the version's section of the project's ``CHANGELOG.md``
(as ``noxship bump`` writes it), then the targets it was published to.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from noxship.context import Context
from noxship.errors import ConfigError, PublishError
from noxship.plan.providers import GitHub, GitLab, Local
from noxship.project import Project
from noxship.publish.gitlab import api_credentials
from noxship.publish.targets import resolve_target
from noxship.release.changelog import CHANGELOG, section_of
from noxship.release.forges.github import create_release as create_github_release
from noxship.release.forges.gitlab import create_release
from noxship.release.git import git

__all__ = ["TAGGERS", "tag_release"]

logger = logging.getLogger("noxship")


def _commit(environ: Mapping[str, str], variable: str) -> str:
    sha = environ.get(variable)
    if not sha:
        raise ConfigError(
            f"{variable} is not set: the tag needs the commit the pipeline built; "
            "run in CI, or set it to the commit's SHA"
        )
    return sha


Tagger = Callable[[Context, str, str, Sequence[str]], None]
"""Makes the tag ``tag`` of ``version`` after ``targets``, on one CI provider."""


def _tag_gitlab(context: Context, tag: str, version: str, targets: Sequence[str]) -> None:
    project, environ = context.project, context.environ
    ref = _commit(environ, "CI_COMMIT_SHA")
    links = []
    for name in targets:
        target = resolve_target(name, environ, project.name)
        if target.page_url:
            url = f"{target.page_url}{version}/" if target.is_pypi else target.page_url
            links.append((f"{name}: {project.name} {version}", url))
    create_release(
        api_credentials(environ),
        environ,
        tag=tag,
        ref=ref,
        name=f"{project.name} {version}",
        description=_notes(project, version, targets),
        links=links,
    )


def _notes(project: Project, version: str, targets: Sequence[str]) -> str:
    """The release notes: the changelog's section of ``version``, where it went,
    then what the wheel was tested with (the test jobs' records in
    ``build/reports/``, when they reached this job)."""
    from noxship.wheeltest.testedwith import tested_with_notes

    section = section_of(project.root / CHANGELOG, version)
    published = f"Published to {', '.join(targets)} by noxship."
    tested = tested_with_notes(project.root / "build" / "reports")
    parts = [section, published, tested]
    return "\n\n".join(p.strip() for p in parts if p)


def _tag_github(context: Context, tag: str, version: str, targets: Sequence[str]) -> None:
    project, environ = context.project, context.environ
    sha = _commit(environ, "GITHUB_SHA")
    if git(["tag", "--list", tag], environ, cwd=project.root, what="git tag").strip():
        tagged = git(
            ["rev-parse", f"{tag}^{{commit}}"], environ, cwd=project.root, what="git rev-parse"
        ).strip()
        if tagged != sha:
            raise PublishError(
                f"tag {tag} exists for commit {tagged[:12]}, not {sha[:12]}: "
                "release another version"
            )
        logger.info("tag %s exists for this commit (a re-run): pushing it again", tag)
    else:
        git(["tag", tag, sha], environ, cwd=project.root, what="git tag")
    git(["push", "origin", f"refs/tags/{tag}"], environ, cwd=project.root, what="git push")
    create_github_release(
        environ, tag, f"{project.name} {version}", _notes(project, version, targets)
    )


def _tag_local(context: Context, tag: str, version: str, targets: Sequence[str]) -> None:
    print(f"to tag this release: git tag {tag} && git push origin {tag}")


TAGGERS: Mapping[str, Tagger] = {
    GitLab.name: _tag_gitlab,
    GitHub.name: _tag_github,
    Local.name: _tag_local,
}
"""The tagger of each CI provider, by the provider's name."""


def tag_release(
    context: Context,
    provider: str,
    tag: str,
    version: str,
    targets: Sequence[str],
) -> None:
    """Create the release tag after the last target.

    Args:
        context: the project, and the CI variables and credentials.
        provider: the CI provider's name (a key of :data:`TAGGERS`).
        tag: the tag name, ``v1.4.0``.
        version: the released PEP 440 version.
        targets: the targets it was published to, named in the release notes.

    Raises:
        ConfigError: the commit variable (``CI_COMMIT_SHA``, ``GITHUB_SHA``) is missing.
        CredentialsError: on GitLab, neither ``GITLAB_TOKEN`` nor ``CI_JOB_TOKEN``.
        PublishError: the API refused, or the tag exists for another commit.
        ToolError: git failed.
    """
    TAGGERS[provider](context, tag, version, targets)
