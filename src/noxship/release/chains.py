"""Building the planned version, and publishing a project's ``dist/`` as the
release plan says, or to named targets, then tagging: what ``nox -s build``,
``nox -s publish``, the release chains, ``noxship build`` and ``noxship
publish`` do.

Order: every target's credentials are resolved before anything is uploaded;
targets go in the plan's order and a failure stops the later ones; the tag is
made only after the plan's last target.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from packaging.version import InvalidVersion, Version

from noxship.build.dist import CHECKSUMS_NAME, Distribution, find_distributions, verify_checksums
from noxship.build.scan import scan_distributions, tracked_files
from noxship.context import Context
from noxship.environment import sanitize_url, secret_values
from noxship.errors import (
    ConfigError,
    DistributionError,
    IndexConflictError,
    PlanError,
    UsageError,
)
from noxship.plan.planner import Plan, PlanKind, plan_from_environment
from noxship.project import Project
from noxship.project.version_source import VCS_KINDS
from noxship.publish.complete import Matrix, check_complete
from noxship.publish.credentials import Credentials
from noxship.publish.index import project_page_exists
from noxship.publish.local_index import LocalIndex
from noxship.publish.publisher import PublishReport, publish
from noxship.publish.targets import Target, resolve_credentials, resolve_target
from noxship.publish.trusted import check_claims
from noxship.release.history import history_reader, version_at
from noxship.release.provenance import check_reviewed
from noxship.release.tagging import tag_release
from noxship.summary import SUMMARY

__all__ = [
    "build_planned",
    "check_options",
    "check_public_version",
    "check_request_version",
    "checked_distributions",
    "planned_version",
    "print_report",
    "publish_local",
    "publish_planned",
    "publish_to",
    "resolve_targets",
    "start_local_index",
    "tag_planned",
]

logger = logging.getLogger("noxship")


def planned_version(context: Context) -> Version | None:
    """The version this pipeline's plan builds (a release's, or a preview's
    ``.devN``), else ``None`` (then a build gives the project's own).

    A job after the one that planned takes the plan it handed over
    (``NOXSHIP_PLAN_KIND`` and ``NOXSHIP_PLAN_VERSION``, the dotenv report) and
    reads no index; otherwise the plan is made here, reading the release history
    only for a preview's version (a release's comes from its message or tag).

    Args:
        context: the project, and the environment (CI variables, the hand-off).

    Raises:
        PlanError: the handed-over version is not a PEP 440 version, or the CI
            variables are inconsistent (exit 2).
    """
    project, environ = context.project, context.environ
    kind, handed = environ.get("NOXSHIP_PLAN_KIND"), environ.get("NOXSHIP_PLAN_VERSION")
    if kind == PlanKind.NONE.value:
        return None
    if kind in (PlanKind.PREVIEW.value, PlanKind.RELEASE.value) and handed:
        try:
            return Version(handed)
        except InvalidVersion:
            raise PlanError(
                f"NOXSHIP_PLAN_VERSION={handed!r}, handed over by an earlier job, "
                "is not a PEP 440 version: re-run the pipeline"
            ) from None
    plan = plan_from_environment(
        project,
        environ,
        history_reader(context),
        lambda sha: version_at(context, sha),
        steps=False,
    )
    return Version(plan.version) if plan.kind is not PlanKind.NONE and plan.version else None


def check_request_version(context: Context) -> str:
    """The version check (``noxship check-version``, the ``check_version`` session).

    In a merge or pull request it asks what merging would release: only when the
    request's title is a release message, or it changes the version from its
    base (:func:`noxship.plan.merging_releases`), must the version be free;
    otherwise it says that merging releases nothing, and reads no index.
    Elsewhere (a laptop, a push) it checks the project's version.

    Args:
        context: the project, and the CI variables that say what runs.

    Returns:
        The line to print.

    Raises:
        IndexConflictError: the version merging would release is taken (exit 4).
        IndexUnavailableError: a source of the release history cannot be read (exit 1).
    """
    from noxship.plan import Policy, check_version, merging_releases, merging_releases_nothing
    from noxship.release.history import gather_released, version_at

    project, environ = context.project, context.environ
    ctx = context.ci
    policy = Policy.from_config(project.config, environ)
    if ctx.event in ("merge_request", "pull_request"):
        base = version_at(context, ctx.base_sha) if ctx.base_sha else None
        why = merging_releases(ctx, project, policy, base)
        if why is None:
            kind = "merge request" if ctx.event == "merge_request" else "pull request"
            return merging_releases_nothing(ctx, kind)
        logger.info("merging releases %s: %s", project.version, why)
    released = gather_released(context, policy.release_targets)
    current = None if project.version_source.kind in VCS_KINDS else project.resolved_version()
    return check_version(project, released, current)


INIT_FILES = ("noxfile.py", ".gitignore", ".gitlab-ci.yml", ".github/workflows/release.yml")
"""What ``noxship init`` writes or edits."""


def warn_dirty(project: Project) -> list[str]:
    """Say once, naming the files, when uncommitted changes make the version that
    git gives a dirty or post-release one (setuptools_scm's ``+dirty``, a local
    ``+g<hash>.d<date>``); when the changes are ``noxship init``'s, say to commit
    them. Returns the changed files (``git status --porcelain``)."""
    import subprocess

    try:
        out = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=project.root,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    changed = [line[3:].strip() for line in out.splitlines() if line.strip()]
    if not changed:
        return changed
    ours = [f for f in changed if f in INIT_FILES]
    fix = (
        "commit them (git commit -am 'noxship'): they are noxship init's"
        if ours
        else "commit or stash them to build the version of the commit"
    )
    logger.warning(
        "uncommitted changes (%s) make the version from git (%s) a dirty or post-release one: %s",
        ", ".join(changed[:6]),
        project.version_source.detail,
        fix,
    )
    return changed


def build_planned(context: Context, pythons: Sequence[str] | None = None) -> list[Distribution]:
    """Build the version this pipeline's plan builds (a release's, or a preview's
    ``.devN``; else the project's own) into ``<root>/dist``
    (:func:`noxship.build.build`).

    Args:
        context: the project, and the environment with the project's ``.env``
            merged: its credentials' values are what no archive may hold.
        pythons: for a compiled project, the feature versions to build wheels
            for (``["3.12"]``); default as ``test_wheel`` chooses (``[tool.noxship]
            pythons``, else every Python here that ``requires-python`` admits).

    Returns:
        The distributions, sdist first.

    Raises:
        NoxshipError: the plan is inconsistent (:class:`PlanError`, exit 2), the
            build or a check failed (see :func:`noxship.build.build`).
    """
    from noxship.build import build

    project, environ = context.project, context.environ
    version = planned_version(context)
    if version is None and project.version_source.is_vcs:
        warn_dirty(project)
    if version is not None and version != project.version:
        logger.info(
            "building the planned version %s (the version source: %s)",
            version,
            project.version_source.detail,
        )
    return build(
        project,
        version=version,
        secrets=secret_values(environ),
        epoch=environ.get("SOURCE_DATE_EPOCH") or None,
        pythons=lambda: _wheel_pythons(context, pythons),
    )


def _wheel_pythons(context: Context, wanted: Sequence[str] | None) -> list[tuple[str, Path]]:
    """The Pythons a compiled project's wheels are built for: those ``test_wheel``
    tests (:func:`noxship.wheeltest.find_interpreters`)."""
    from noxship.wheeltest.interpreters import find_interpreters

    found = find_interpreters(context.project, wanted, context=context)
    return [(i.minor, i.executable) for i in found]


def _check_handed_digests(dists: Sequence[Distribution], expected: str) -> None:
    """Compare ``dist/`` with the digests the build job handed over as a job output
    (``NOXSHIP_EXPECTED_SHA256SUMS``, ``sha256sum`` lines), when there are any: the
    ``SHA256SUMS`` inside the artifact travels with the files it describes.

    Raises:
        DistributionError: a file is missing from the digests, or differs.
    """
    if not expected.strip():
        return
    handed = {}
    for line in expected.strip().splitlines():
        digest, _, name = line.strip().partition("  ")
        handed[name.strip()] = digest.strip()
    for dist in dists:
        if handed.get(dist.filename) != dist.sha256:
            raise DistributionError(
                f"dist/{dist.filename} is not the file the build job made (its sha256 "
                f"{'differs from' if dist.filename in handed else 'is missing from'} the build "
                "job's digests output): nothing is published; re-run the pipeline"
            )
    logger.info("dist/ matches the %d digests the build job handed over", len(handed))


def checked_distributions(context: Context, version: Version | None) -> list[Distribution]:
    """Return ``dist/``'s distributions once they pass the pre-flight checks:
    regular files of the context's project and of ``version``, each matching
    ``dist/SHA256SUMS``, and no archive member that is a credential file or holds
    a secret of the context's environment.

    Raises:
        DistributionError: one of the checks failed; nothing is published.
    """
    project, environ = context.project, context.environ
    dist_dir = project.root / "dist"
    dists = find_distributions(dist_dir, project.name, version)
    verify_checksums(dists, dist_dir / CHECKSUMS_NAME)
    _check_handed_digests(dists, environ.get("NOXSHIP_EXPECTED_SHA256SUMS", ""))
    scan_distributions(
        dists,
        secret_values(environ),
        allow=project.config.scan_allow,
        tracked=tracked_files(project.root),
    )
    return dists


def print_report(report: PublishReport, label: str | None = None) -> None:
    """Print the index URL (credentials masked) and each file's sha256, and whether
    this run uploaded it."""
    print(f"published to {label or report.target.name}: {sanitize_url(report.target.index_url)}")
    for filename, digest in report.digests.items():
        state = "uploaded" if filename in report.uploaded else "already published"
        print(f"  {digest}  {filename}  ({state})")


def resolve_targets(context: Context, targets: Sequence[str]) -> list[tuple[Target, Credentials]]:
    """Resolve every target and its credentials, before anything is uploaded.

    Raises:
        ConfigError: an unknown target, or missing GitLab variables (exit 2).
        CredentialsError: a target has no credentials, or a trusted-publishing ID
            token whose claims cannot match (exit 3).
    """
    project, environ = context.project, context.environ
    resolved = []
    for name in targets:
        target = resolve_target(name, environ, project.name)
        credentials = resolve_credentials(target, environ)
        logger.info("credentials for %s: %s", name, credentials.source)
        check_claims(target, credentials, environ)  # trusted publishing: before any build
        resolved.append((target, credentials))
    return resolved


def check_public_version(project: Project, targets: Sequence[Target]) -> None:
    """Refuse, before anything is built, a version with a PEP 440 local part
    (``1.7.1.dev2+g1234``) when a target is PyPI or TestPyPI: both refuse it.
    The version is read, or asked of the build backend (VCS plugins).

    Raises:
        ConfigError: the version has a local part.
    """
    if not any(t.is_pypi for t in targets):
        return
    version = project.resolved_version()
    if version.local is not None:
        raise ConfigError(
            f"version {version} ({project.version_source.detail}) has a local part "
            f"(+{version.local}, PEP 440), which PyPI and TestPyPI refuse: release from a "
            "tagged commit, or drop the local part in the plugin's settings "
            '(setuptools_scm, hatch-vcs: local_scheme = "no-local-version")'
        )


def publish_to(
    context: Context,
    targets: Sequence[str],
    *,
    verbose: bool = False,
    version: str | None = None,
) -> list[PublishReport]:
    """Publish ``<project>/dist`` to ``targets``, in order.

    Args:
        context: the project whose ``dist/`` is published, and the environment
            (with ``.env`` merged on a laptop).
        targets: target names (``pypi``, ``testpypi``, ``gitlab``, user-defined).
        verbose: run twine with ``--verbose``.
        version: the version ``dist/`` must hold; default the project's.

    Returns:
        One report per target.

    Raises:
        ConfigError: an unknown target, or missing GitLab variables (exit 2).
        CredentialsError: a target has no credentials; nothing was uploaded (exit 3).
        DistributionError: ``dist/`` is empty, stale, of another project, changed
            since the build, or holds a credential (exit 2).
        IndexConflictError: a file name is taken with other content (exit 4).
        PublishError: an upload or the verification failed (exit 1).
    """
    project = context.project
    resolved = resolve_targets(context, targets)
    expected = Version(version) if version else project.version
    dists = checked_distributions(context, expected)
    matrix = release_matrix(project)
    check_complete([d.filename for d in dists], (), matrix)  # before the first target
    for target, _ in resolved:
        _check_first_release(project, target, context.cache_home)
    reports = []
    for target, credentials in resolved:
        report = publish(
            dists, target, credentials, environ=context.environ, verbose=verbose, matrix=matrix
        )
        print_report(report)
        record_published(report, dists[0].version)
        reports.append(report)
    return reports


def release_matrix(project: Project, pythons: Sequence[str] | None = None) -> Matrix:
    """The matrix a release's wheels are checked against
    (:func:`~noxship.publish.complete.check_complete`): ``pythons``, else
    ``[tool.noxship] pythons``, else the supported CPythons that
    ``requires-python`` admits (as ``init`` writes the CI matrix)."""
    import datetime

    from noxship.project.cpython import supported_pythons

    chosen = pythons or project.config.pythons
    if not chosen:
        chosen = supported_pythons(datetime.date.today(), project.requires_python)
    return Matrix(project.requires_python, tuple(chosen), project.config.dropped_wheels)


def _check_first_release(project: Project, target: Target, cache_home: Path) -> None:
    """Before a project's first release on PyPI or TestPyPI (the index has no page
    of it yet), check its name as PyPI will (:mod:`noxship.publish.names`): a name
    PyPI refuses stops the release before anything is uploaded."""
    from noxship.publish.names import require_free_name
    from noxship.publish.targets import PyPIKind

    if target.kind is not PyPIKind or project_page_exists(target, project.canonical_name):
        return
    logger.info(
        "first release of %s on %s: checking the name as PyPI will", project.name, target.name
    )
    try:
        require_free_name(project.name, [target], cache_home, no_page=True)
    except (ConfigError, IndexConflictError) as exc:
        raise type(exc)(
            f"the first release cannot be registered: {exc}; nothing was uploaded"
        ) from None


def record_published(report: PublishReport, version: Version | None = None) -> None:
    """Add a publish to the chain's summary (:data:`noxship.summary.SUMMARY`): the
    release's page on PyPI and TestPyPI (``/project/<name>/<version>/``), else the
    index URL."""
    target = report.target
    where = sanitize_url(target.index_url)
    if target.page_url:
        where = f"{target.page_url}{version}/" if version else target.page_url
    SUMMARY.published.append((target.name, len(report.uploaded), len(report.skipped), where))
    if not report.installed:
        SUMMARY.skipped.append(
            (
                f"install check on {target.name}",
                "PyPI serves new files through its CDN late: not installed back",
            )
        )


def record_tag(tag: str, provider: str, environ: Mapping[str, str]) -> None:
    """Add the tag and its GitLab or GitHub release page to the chain's summary."""
    SUMMARY.tag = tag
    if provider == "gitlab" and environ.get("CI_PROJECT_URL"):
        SUMMARY.release_url = f"{environ['CI_PROJECT_URL']}/-/releases/{tag}"
    elif provider == "github" and environ.get("GITHUB_REPOSITORY"):
        server = environ.get("GITHUB_SERVER_URL", "https://github.com")
        SUMMARY.release_url = f"{server}/{environ['GITHUB_REPOSITORY']}/releases/tag/{tag}"


def publish_planned(
    context: Context,
    *,
    only: Sequence[str] = (),
    verbose: bool = False,
    tag: bool = True,
) -> list[PublishReport]:
    """Do what ``noxship plan`` says: publish to its targets, then tag.

    Args:
        context: the project, and the CI variables and credentials.
        only: publish to these of the plan's targets alone (one CI job per
            target); the tag is made only when the plan's last target is among them.
        verbose: twine's verbose output.
        tag: make the tag here; ``False`` leaves it to :func:`tag_planned` in a
            step of its own (GitHub: the only job that holds ``contents: write``).

    Returns:
        One report per target published; empty when the plan publishes nothing.

    Raises:
        PlanError: the CI variables are inconsistent, or a tag names a commit
            on no release branch (exit 2; nothing is published); and as
            :func:`publish_to` and :func:`tag_release`.
    """
    project, environ = context.project, context.environ
    plan = plan_from_environment(
        project,
        environ,
        history_reader(context),
        lambda sha: version_at(context, sha),
    )
    _check_reviewed(context, plan)
    for reason in plan.reasons:
        logger.info("plan: %s", reason)
    if not plan.targets:
        logger.info("the plan publishes nothing")
        SUMMARY.skipped.append(("publish", plan.reasons[0] if plan.reasons else "the plan"))
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
    reports = publish_to(context, planned, verbose=verbose, version=plan.version)
    if tag and plan.tag and planned[-1] == plan.targets[-1]:
        tag_release(context, plan.provider, plan.tag, plan.version or "", plan.targets)
        record_tag(plan.tag, plan.provider, environ)
    return reports


def _check_reviewed(context: Context, plan: Plan) -> None:
    """A tag (or a GitHub release) publishes only a commit of a release branch."""
    project, environ = context.project, context.environ
    if plan.kind is PlanKind.RELEASE and plan.event in ("tag", "release") and plan.version:
        ctx = context.ci
        extra = environ.get("NOXSHIP_RELEASE_BRANCHES")
        branches = extra.replace(",", " ").split() if extra else project.config.release_branches
        allowed = [ctx.default_branch or "", *branches]
        check_reviewed(project.root, f"v{plan.version}", ctx.sha, allowed, environ)


def tag_planned(context: Context) -> str | None:
    """Make the tag the plan names, after its targets were published by other jobs.

    Args:
        context: the project, and the CI variables and credentials.

    Returns:
        The tag, or ``None`` when the plan makes none.

    Raises:
        As :func:`tag_release`; PlanError as :func:`publish_planned`.
    """
    project, environ = context.project, context.environ
    plan = plan_from_environment(project, environ)
    if not plan.tag:
        logger.info("the plan makes no tag")
        return None
    _check_reviewed(context, plan)
    tag_release(context, plan.provider, plan.tag, plan.version or "", plan.targets)
    record_tag(plan.tag, plan.provider, environ)
    return plan.tag


def check_options(targets: Sequence[str], only: Sequence[str]) -> None:
    """Refuse ``--target`` together with ``--only``.

    Raises:
        UsageError: both were given.
    """
    if targets and only:
        raise UsageError(
            "give either --target NAME (publish by hand) or --only NAME (follow the plan), not both"
        )


_STARTED: dict[Path | None, LocalIndex] = {}


def start_local_index(packages: Path | None = None) -> None:
    """Start the embedded index of :func:`publish_local` ahead, while the tests
    run (a chain that ends with ``release_local``); :func:`publish_local` with
    the same ``packages`` takes it, and an index nobody takes stops at exit.

    Raises:
        ToolError: pypiserver could not be started.
    """
    if packages in _STARTED:
        return
    index = LocalIndex(packages, wait=False, open_reads=False)
    index.__enter__()
    if not _STARTED:  # one hook stops every index started ahead and not taken
        atexit.register(_stop_started)
    _STARTED[packages] = index


def _tested_pythons(context: Context) -> list[str]:
    """The Pythons ``test_wheel`` tests here by default."""
    return [minor for minor, _ in _wheel_pythons(context, None)]


def _stop_started() -> None:
    while _STARTED:
        _, index = _STARTED.popitem()
        index.__exit__(None, None, None)


def publish_local(
    context: Context,
    packages: Path | None = None,
    pythons: Sequence[str] | None = None,
) -> PublishReport:
    """Publish ``<project>/dist`` to an embedded pypiserver on 127.0.0.1 and install
    it back: ``release_local``. The set of wheels is checked against ``pythons``
    (the Pythons tested here; :func:`release_matrix`).

    Args:
        context: the project, and the run's environment (the secrets no archive
            may hold).
        packages: where the index keeps its files; default a temporary directory
            (``NOXSHIP_LOCAL_INDEX_DIR`` in the session).

    Raises:
        DistributionError: ``dist/`` is empty, stale or of another project.
        ToolError: pypiserver did not start.
        PublishError: the upload, verification or install check failed.
    """
    with contextlib.ExitStack() as stack:
        index = _STARTED.pop(packages, None)
        if index is not None:  # started while the tests ran
            stack.callback(index.__exit__, None, None, None)
        else:
            index = stack.enter_context(LocalIndex(packages, wait=False, open_reads=False))
        project = context.project
        dists = checked_distributions(context, project.version)
        index.wait()  # the checks above ran while the server started
        logger.info("embedded index: %s", index.simple_url)
        target = Target("local", index.url, index.simple_url)
        credentials = Credentials(index.username, index.password, "the embedded index's user")
        matrix = release_matrix(project, pythons or _tested_pythons(context))
        report = publish(dists, target, credentials, environ=context.environ, matrix=matrix)
        print_report(report, "the embedded index")
        record_published(report)
    logger.info("stopped the embedded index")
    return report
