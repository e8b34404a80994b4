"""Publishing a project's ``dist/`` as the release plan says, or to named
targets, then tagging: what ``nox -s publish`` and ``noxship publish`` do.

Order (issue "safe publishing"): every target's credentials are resolved
before anything is uploaded; targets go in the plan's order and a failure
stops the later ones; the tag is made only after the plan's last target.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from noxship.errors import ConfigError
from noxship.project import Project
from noxship.publish import PublishReport
from noxship.targets import Credentials, Target

__all__ = ["print_report", "publish_planned", "publish_to", "resolve_targets", "tag_release"]

logger = logging.getLogger("noxship")


def print_report(report: PublishReport, label: str | None = None) -> None:
    """Print the index URL and each file's sha256, and whether this run uploaded it."""
    print(f"published to {label or report.target.name}: {report.target.index_url}")
    for filename, digest in report.sha256.items():
        state = "uploaded" if filename in report.uploaded else "already published"
        print(f"  {digest}  {filename}  ({state})")


def resolve_targets(
    project: Project, targets: Sequence[str], environ: Mapping[str, str]
) -> list[tuple[Target, Credentials]]:
    """Resolve every target and its credentials, before anything is uploaded.

    Raises:
        ConfigError: an unknown target, or missing GitLab variables (exit 2).
        CredentialsError: a target has no credentials (exit 3).
    """
    from noxship.targets import resolve_credentials, resolve_target

    resolved = []
    for name in targets:
        target = resolve_target(name, environ, project.name)
        credentials = resolve_credentials(target, environ)
        logger.info("credentials for %s: %s", name, credentials.source)
        resolved.append((target, credentials))
    return resolved


def publish_to(
    project: Project,
    targets: Sequence[str],
    environ: Mapping[str, str],
    *,
    verbose: bool = False,
    version: str | None = None,
) -> list[PublishReport]:
    """Publish ``<project>/dist`` to ``targets``, in order.

    Args:
        project: the project whose ``dist/`` is published.
        targets: target names (``pypi``, ``testpypi``, ``gitlab``, user-defined).
        environ: the environment (with ``.env`` merged on a laptop).
        verbose: run twine with ``--verbose``.
        version: the version ``dist/`` must hold; default the project's.

    Returns:
        One report per target.

    Raises:
        ConfigError: an unknown target, or missing GitLab variables (exit 2).
        CredentialsError: a target has no credentials; nothing was uploaded (exit 3).
        DistributionError: ``dist/`` is empty, stale or of another project (exit 2).
        IndexConflictError: a file name is taken with other content (exit 4).
        PublishError: an upload or the verification failed (exit 1).
    """
    from packaging.version import Version

    from noxship.dist import find_distributions
    from noxship.publish import publish

    resolved = resolve_targets(project, targets, environ)
    expected = Version(version) if version else project.version
    dists = find_distributions(project.root / "dist", project.name, expected)
    reports = []
    for target, credentials in resolved:
        report = publish(dists, target, credentials, environ=environ, verbose=verbose)
        print_report(report)
        reports.append(report)
    return reports


def publish_planned(
    project: Project,
    environ: Mapping[str, str],
    *,
    only: Sequence[str] = (),
    verbose: bool = False,
) -> list[PublishReport]:
    """Do what ``noxship plan`` says: publish to its targets, then tag.

    Args:
        project: the project.
        environ: the CI variables and credentials.
        only: publish to these of the plan's targets alone (one CI job per
            target); the tag is made only when the plan's last target is among them.
        verbose: run twine with ``--verbose``.

    Returns:
        One report per target published; empty when the plan publishes nothing.

    Raises:
        PlanError: the CI variables are inconsistent (exit 2); and as
            :func:`publish_to` and :func:`tag_release`.
    """
    from noxship.ci import plan_from_environment

    plan = plan_from_environment(project, environ)
    for reason in plan.reasons:
        logger.info("plan: %s", reason)
    if not plan.targets:
        logger.info("the plan publishes nothing")
        return []
    planned = list(plan.targets)
    if only:
        planned = [t for t in planned if t in only]
        if not planned:
            logger.warning(
                "the plan does not publish to %s (it names %s): nothing to do",
                ", ".join(only),
                ", ".join(plan.targets),
            )
            return []
    reports = publish_to(project, planned, environ, verbose=verbose, version=plan.version)
    if plan.tag and planned[-1] == plan.targets[-1]:
        tag_release(project, environ, plan.provider, plan.tag, plan.version or "", plan.targets)
    return reports


def tag_release(
    project: Project,
    environ: Mapping[str, str],
    provider: str,
    tag: str,
    version: str,
    targets: Sequence[str],
) -> None:
    """Create the release tag after the last target.

    GitLab: a Release through the Releases API with ``ref`` set, which creates
    the tag and works with the job token (GitLab Releases API docs); a Release
    that exists for the same commit counts as done. GitHub: ``git tag`` and
    ``git push origin refs/tags/<tag>`` (the workflow's token needs
    ``contents: write``). Locally: the command is printed, not run.

    Raises:
        CredentialsError: on GitLab, neither ``GITLAB_TOKEN`` nor ``CI_JOB_TOKEN``.
        PublishError: the API refused, or the tag exists for another commit.
        ToolError: git failed.
    """
    if provider == "gitlab":
        from noxship.gitlab import api_credentials, create_release
        from noxship.targets import resolve_target

        links = []
        for name in targets:
            page = resolve_target(name, environ, project.name).page_url
            if page:
                links.append(
                    (
                        f"{name}: {project.name} {version}",
                        f"{page}{version}/" if name in ("pypi", "testpypi") else page,
                    )
                )
        create_release(
            api_credentials(environ),
            environ,
            tag=tag,
            ref=environ.get("CI_COMMIT_SHA", "HEAD"),
            name=f"{project.name} {version}",
            description=f"Published to {', '.join(targets)} by noxship.",
            links=links,
        )
        logger.info("created GitLab release %s", tag)
    elif provider == "github":
        from noxship._run import run

        run(["git", "tag", tag, environ.get("GITHUB_SHA", "HEAD")], what="git tag")
        run(["git", "push", "origin", f"refs/tags/{tag}"], what="git push")
    else:
        print(f"to tag this release: git tag {tag} && git push origin {tag}")


def check_options(targets: Sequence[str], only: Sequence[str]) -> None:
    """Refuse ``--target`` together with ``--only``.

    Raises:
        ConfigError: both were given.
    """
    if targets and only:
        raise ConfigError(
            "give either --target NAME (publish by hand) or --only NAME (follow the plan), not both"
        )
