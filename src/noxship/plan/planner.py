"""The release decision: CI context + project -> an immutable :class:`Plan`.

:func:`make_plan` is pure: no I/O, no ``os.environ``; what the edges read comes
in as arguments. :func:`plan_from_environment` is the edge: it reads the CI
variables it is given, calls the history and base readers it is given, and asks
the build backend for the version only when a decision needs it
(:class:`VersionNeeded`). Every decision carries a human-readable reason.
The default policy:

- a push to the default branch whose commit title is a release message
  (``1.4.0``, ``v1.4.0: notes``, ``release 1.4.0``) releases that version to the
  release targets and tags ``v<version>``;
- a tag pipeline (GitLab) or a tag push or published release (GitHub) for
  ``v<version>`` releases that version, with no new tag;
- a merge request (GitLab) or pull request (GitHub) previews
  ``<next>.dev<run number>`` on the preview targets (``<next>``: the version
  after the release history, :mod:`noxship.plan.history`), unless it comes from
  a fork (no secrets there); first, the version that merging would release
  must not be released already (on a release target, or as a ``v<version>``
  tag);
- anything else publishes nothing.

Versions are PEP 440 (:class:`packaging.version.Version`); PyPI rejects local
versions, so a preview is a developmental release (PEP 440 "Developmental releases").
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Mapping
from typing import NamedTuple

from packaging.version import InvalidVersion, Version

from noxship.errors import ConfigError, IndexConflictError, IndexUnavailableError, PlanError
from noxship.plan.history import HistoryReader, ReleaseHistory, next_version, taken_by
from noxship.plan.providers import CIContext, Local, ProviderName, detect
from noxship.project import NoxshipConfig, Project
from noxship.project.config import DEFAULT_PREVIEW_TARGETS, DEFAULT_RELEASE_TARGETS

__all__ = [
    "DEFAULT_RELEASE_PATTERN",
    "Plan",
    "PlanKind",
    "Policy",
    "VersionNeeded",
    "check_version",
    "make_plan",
    "merging_releases",
    "merging_releases_nothing",
    "plan_from_environment",
    "preview_version",
    "release_version",
    "with_steps_done",
]

DEFAULT_RELEASE_PATTERN = (
    r"^(?:v|[Rr]elease:?\s+v?)?(?P<version>\d+\.\d+\.\d+[0-9A-Za-z.!+_-]*)(?=$|[\s:,;])"
)
"""A full version (three numbers, then any PEP 440 suffix), optionally after ``v`` or
``release`` (or ``Release``, with or without a colon), at the start of the commit title."""

_TAG_PATTERN = re.compile(r"^v(?P<version>\d.*)$")


class PlanKind(enum.StrEnum):
    """What a plan does."""

    RELEASE = "release"
    """Publish a release and tag it."""
    PREVIEW = "preview"
    """Publish a developmental release (PEP 440 ``.devN``) of a merge or pull request."""
    NONE = "none"
    """Publish nothing."""


class Plan(NamedTuple):
    """What this pipeline publishes, and why.

    Attributes:
        provider: ``gitlab``, ``github`` or ``local``.
        event: the pipeline's event (see :class:`~noxship.plan.providers.CIContext`).
        kind: release, preview or nothing.
        version: the PEP 440 version to build, or ``None`` when nothing is published.
        targets: target names, in publishing order.
        tag: the tag to create after the last target, or ``None``.
        reasons: one sentence per decision.
    """

    provider: ProviderName
    event: str
    kind: PlanKind
    version: str | None
    targets: tuple[str, ...]
    tag: str | None
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        """The JSON form: ``provider``, ``event``, ``kind``, ``version``, ``targets``,
        ``tag``, ``reasons``."""
        return {
            "provider": self.provider,
            "event": self.event,
            "kind": self.kind.value,
            "version": self.version,
            "targets": list(self.targets),
            "tag": self.tag,
            "reasons": list(self.reasons),
        }


def _names(value: str) -> tuple[str, ...]:
    return tuple(n for n in re.split(r"[\s,]+", value.strip().lower()) if n)


class Policy(NamedTuple):
    """The decision's settings.

    Precedence: environment (``NOXSHIP_RELEASE_TARGETS``, ``NOXSHIP_PREVIEW_TARGETS``,
    ``NOXSHIP_RELEASE_PATTERN``, ``NOXSHIP_CHECK_VERSION``), then ``[tool.noxship]``,
    then the defaults.
    """

    release_targets: tuple[str, ...] = DEFAULT_RELEASE_TARGETS
    preview_targets: tuple[str, ...] = DEFAULT_PREVIEW_TARGETS
    release_pattern: str = DEFAULT_RELEASE_PATTERN
    check_version: bool = True

    @classmethod
    def from_config(cls, config: NoxshipConfig, env: Mapping[str, str]) -> Policy:
        """Build the policy.

        Raises:
            ConfigError: the release pattern is not a valid regular expression
                with a ``version`` group.
        """
        pattern = env.get("NOXSHIP_RELEASE_PATTERN") or config.release_pattern
        pattern = pattern or DEFAULT_RELEASE_PATTERN
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"release pattern {pattern!r} is invalid ({exc}): fix it") from None
        if "version" not in compiled.groupindex:
            raise ConfigError(f"release pattern {pattern!r} has no (?P<version>...) group: add one")
        release = env.get("NOXSHIP_RELEASE_TARGETS")
        preview = env.get("NOXSHIP_PREVIEW_TARGETS")
        return cls(
            release_targets=_names(release) if release is not None else config.release_targets,
            preview_targets=_names(preview) if preview is not None else config.preview_targets,
            release_pattern=pattern,
            check_version=_flag(env, "NOXSHIP_CHECK_VERSION", config.check_version),
        )


def _flag(env: Mapping[str, str], key: str, default: bool) -> bool:
    value = env.get(key, "").strip().lower()
    if not value:
        return default
    if value not in ("true", "false", "1", "0"):
        raise ConfigError(f"{key}={env[key]!r} is not true or false: set one of them")
    return value in ("true", "1")


def release_version(title: str | None, pattern: str = DEFAULT_RELEASE_PATTERN) -> str | None:
    """Return the version text a commit title announces, or ``None``.

    ``"v1.4.0: notes"`` gives ``"1.4.0"``; ``"1.2"``, ``"10 foo"`` and ``"release
    notes for 1.2.3"`` give ``None``. The text is not validated here.
    """
    if not title:
        return None
    match = re.search(pattern, title)
    return match.group("version") if match else None


def _checked(text: str, project: Project, where: str) -> Version:
    try:
        version = Version(text)
    except InvalidVersion:
        raise PlanError(
            f"{where} announces version {text!r}, which is not a valid PEP 440 version "
            f"(the project's version is {project.version}): use a version such as 1.4.0"
        ) from None
    if version.local is not None:
        raise PlanError(
            f"{where} announces version {version}, which has a local part (+{version.local}, "
            "PEP 440): PyPI and TestPyPI refuse local versions; announce the public version "
            f"{version.public}"
        )
    if project.version is not None and version != project.version:
        where_set = project.version_source.detail
        raise PlanError(
            f"{where} announces version {version}, but {where_set} says {project.version}: "
            f"make them agree (bump the version in {where_set}, or fix the message)"
        )
    return version


class VersionNeeded(PlanError):
    """The decision needs the project's version, which only its build backend
    knows (setuptools_scm, hatch-vcs, a ``setup.py``): the caller resolves it
    (:meth:`~noxship.project.Project.resolved_version`) and passes it as
    ``current``, as :func:`plan_from_environment` does."""


def _current(project: Project, current: Version | None) -> Version:
    """The version given, else the one ``pyproject.toml`` or the version file
    states (read when the project was loaded); never the build backend's."""
    version = current if current is not None else project.version
    if version is None:
        raise VersionNeeded(
            f"the version of {project.name} comes from {project.version_source.detail}, "
            "which only the build backend can tell: resolve it first"
        )
    return version


def preview_version(
    project: Project,
    ctx: CIContext,
    released: ReleaseHistory | None = None,
    current: Version | None = None,
) -> tuple[Version, str]:
    """Return the preview build's version and the reason: ``<next>.dev<run number>``
    (PEP 440 "Developmental releases"; PyPI refuses local versions), ``<next>``
    from :func:`~noxship.plan.history.next_version`. Does no I/O.

    Args:
        project: the project.
        ctx: the CI context; its run number is N.
        released: the release history; ``None`` or empty: no release yet.
        current: the project's version, resolved by the caller; ``None``: the
            version ``pyproject.toml`` or the version file states.

    Raises:
        PlanError: the run number is not a number.
        VersionNeeded: ``current`` is ``None`` and only the backend knows the version.
    """
    run_number = ctx.run_number
    if not run_number or not run_number.isdigit():
        raise PlanError(
            f"{ctx.run_number_variable or 'the run number'} is not set to a number: "
            "a preview build needs it for .devN"
        )
    following, why = next_version(_current(project, current), released or ReleaseHistory())
    return following.__replace__(dev=int(run_number)), why


def check_version(
    project: Project, released: ReleaseHistory, current: Version | None = None
) -> str:
    """Check that the version merging would release is not released yet: not on
    a release target, and no ``v<version>`` tag. A VCS-derived version has none
    before its release message or tag names it: nothing to check.

    Returns:
        The reason, for the plan.

    Raises:
        IndexConflictError: the version is taken (exit 4); the message names
            where and the version to bump to.
        IndexUnavailableError: a source could not be read, and the version is
            not found taken elsewhere: the check cannot pass.
        VersionNeeded: ``current`` is ``None`` and only the backend knows the version.
    """
    from noxship.project.version_source import VCS_KINDS

    source = project.version_source
    if source.kind in VCS_KINDS:
        return (
            f"version check: the version comes from git ({source.detail}); the release "
            "message or tag names it, so none is taken before the merge"
        )
    version = _current(project, current).__replace__(local=None)
    places = taken_by(version, released)
    if places:
        following, _ = next_version(version, released)
        raise IndexConflictError(
            f"{source.detail} says {version}, which is already released ({', '.join(places)}): "
            f"bump it before merging: noxship bump patch, or a version from {following} up"
        )
    if released.unreachable:
        raise IndexUnavailableError(
            f"cannot check that version {version} is not taken: {'; '.join(released.unreachable)}"
            ": re-run when it can be read, or set check-version = false in [tool.noxship]"
        )
    return f"version check: {version} is not released yet (read {released.describe()})"


def _nothing(ctx: CIContext, reason: str) -> Plan:
    return Plan(ctx.provider, ctx.event, PlanKind.NONE, None, (), None, (reason,))


def _release(ctx: CIContext, policy: Policy, version: Version, why: str, tag: str | None) -> Plan:
    if not policy.release_targets:
        return _nothing(ctx, f"{why}, but no release targets are configured")
    reasons = (
        why,
        f"release {version} to {', '.join(policy.release_targets)}, in that order",
        f"then tag v{version}" if tag else "no new tag: the tag exists",
    )
    return Plan(
        ctx.provider,
        ctx.event,
        PlanKind.RELEASE,
        str(version),
        policy.release_targets,
        tag,
        reasons,
    )


def _tag_plan(ctx: CIContext, project: Project, policy: Policy) -> Plan:
    match = _TAG_PATTERN.match(ctx.tag or "")
    if not match:
        return _nothing(ctx, f"tag {ctx.tag!r} is not a version tag v<version>: nothing to release")
    where = "release" if ctx.event == "release" else "tag"
    version = _checked(match.group("version"), project, f"{where} {ctx.tag}")
    if ctx.tag != f"v{version}":
        raise PlanError(
            f"{where} {ctx.tag} is not in the normalised form v{version} (PEP 440): "
            f"tag v{version} instead"
        )
    return _release(ctx, policy, version, f"{where} {ctx.tag} of version {version}", None)


def merging_releases(
    ctx: CIContext, project: Project, policy: Policy, base_version: str | None
) -> str | None:
    """Why merging a merge or pull request would release its version (its title is
    a release message, or it changes the version from ``base_version``), or
    ``None`` when merging releases nothing."""
    if release_version(ctx.request_title, policy.release_pattern) is not None:
        return f"its title {shown(ctx.request_title)} is a release message"
    if (
        base_version is not None
        and project.version is not None
        and _valid(base_version) != str(project.version)
    ):
        return f"it changes the version from {base_version} to {project.version}"
    return None


def _request_check(
    ctx: CIContext,
    project: Project,
    policy: Policy,
    released: ReleaseHistory,
    base_version: str | None,
    kind: str,
    current: Version | None = None,
) -> str:
    """The version check of a merge or pull request: it fails only when merging
    would release a version that is taken, that is when the request's title is a
    release message, or when it changes the version from the one at its base
    (``base_version``, read by the caller from the target branch)."""
    if not policy.check_version:
        return "version check off ([tool.noxship] check-version = false)"
    if merging_releases(ctx, project, policy, base_version) is not None:
        return check_version(project, released, current)
    return merging_releases_nothing(ctx, kind)


def merging_releases_nothing(ctx: CIContext, kind: str) -> str:
    """The version check's sentence for a merge or pull request (``kind``) whose
    merging releases nothing (:func:`merging_releases` gave ``None``)."""
    base = f" from {ctx.target_branch}" if ctx.target_branch else ""
    title = _no_release_message("its title", ctx.request_title)
    return (
        f"version check: merging this {kind} releases nothing ({title}, and the version "
        f"is unchanged{base}), so the version need not be free"
    )


def _request_plan(
    ctx: CIContext,
    project: Project,
    policy: Policy,
    released: ReleaseHistory,
    earlier: str | None,
    base_version: str | None = None,
    current: Version | None = None,
) -> Plan:
    kind = "merge request" if ctx.event == "merge_request" else "pull request"
    check = _request_check(ctx, project, policy, released, base_version, kind, current)
    if ctx.from_fork:
        return _nothing(ctx, f"{kind} from a fork: it has no access to secrets, so no preview")
    if earlier is not None:
        version, why = Version(earlier), "as an earlier job of this pipeline planned it"
    else:
        version, why = preview_version(project, ctx, released, current)
        why += f" (release history: {released.describe()})"
    if not policy.preview_targets:
        return _nothing(ctx, f"{kind}, but no preview targets are configured")
    reasons = (
        f"{kind} pipeline: preview build {version} (developmental release, PEP 440)",
        f"preview version {version}: {why}",
        check,
        f"preview {version} to {', '.join(policy.preview_targets)}",
    )
    return Plan(
        ctx.provider,
        ctx.event,
        PlanKind.PREVIEW,
        str(version),
        policy.preview_targets,
        None,
        reasons,
    )


TITLE_LIMIT = 120
"""Characters of a commit title echoed in a reason or an error (titles can be huge)."""


def _no_release_message(label: str, title: str | None) -> str:
    """``label`` (``"its title"``) with ``title`` quoted, or said to be unknown when
    it is ``None`` or empty, as no release message."""
    if title:
        return f"{label} {shown(title)} is not a release message"
    return f"{label} is not known, so it is not a release message"


def shown(title: str | None) -> str:
    """``title`` quoted for a message, cut at :data:`TITLE_LIMIT` characters."""
    if title is not None and len(title) > TITLE_LIMIT:
        return repr(title[:TITLE_LIMIT]) + f"… ({len(title)} characters)"
    return repr(title)


def _push_plan(ctx: CIContext, project: Project, policy: Policy) -> Plan:
    if not ctx.default_branch or ctx.branch != ctx.default_branch:
        return _nothing(
            ctx,
            f"push to branch {ctx.branch!r}, not the default branch "
            f"{ctx.default_branch!r}: releases come only from the default branch",
        )
    text = release_version(ctx.commit_title, policy.release_pattern)
    if text is None:
        return _nothing(
            ctx,
            f"push to the default branch {ctx.branch!r} whose "
            f"{_no_release_message('commit title', ctx.commit_title)} "
            "(such as 1.4.0 or v1.4.0: notes)",
        )
    version = _checked(text, project, f"commit title {shown(ctx.commit_title)}")
    why = (
        f"push to the default branch {ctx.branch!r} with release message {shown(ctx.commit_title)}"
    )
    return _release(ctx, policy, version, why, f"v{version}")


def make_plan(
    ctx: CIContext,
    project: Project,
    policy: Policy | None = None,
    released: ReleaseHistory | None = None,
    *,
    earlier: str | None = None,
    base_version: str | None = None,
    current: Version | None = None,
) -> Plan:
    """Decide what this pipeline publishes. Pure: no I/O, no environment; what
    the edges read (the CI context, the history, the version at the base, the
    version the backend resolves) comes in as arguments.

    Args:
        ctx: the CI context (from :func:`noxship.plan.providers.detect`).
        project: the project; its static version is checked against a release.
        policy: targets and release pattern; default :class:`Policy`.
        released: the release history, for a merge or pull request (the preview
            version and the version check); ``None``: no release yet.
        earlier: the preview version an earlier job of this pipeline planned
            (``NOXSHIP_PLAN_VERSION``), kept so that every job builds the same.
        base_version: a merge or pull request's version at its base (the target
            branch), ``None`` when unknown: the version check runs only when the
            request's title is a release message or the version changed.
        current: the project's version when only its build backend knows it
            (resolved by the caller); ``None``: the version ``pyproject.toml``
            or the version file states.

    Returns:
        The plan; an empty one (kind :attr:`PlanKind.NONE`) says why nothing is published.

    Raises:
        PlanError: a release message or tag announces a version that is not valid
            PEP 440 or differs from the project's; a preview lacks its run number.
        IndexConflictError: a merge or pull request's version is already released.
        IndexUnavailableError: the version check could not read a source.
        VersionNeeded: the decision needs the version, only the backend knows
            it, and ``current`` is ``None``: resolve it and call again.
    """
    policy = policy or Policy()
    if ctx.provider == Local.name:
        return _nothing(ctx, "no CI detected: on a laptop, sessions name their targets explicitly")
    if ctx.event in ("tag", "release"):
        return _tag_plan(ctx, project, policy)
    if ctx.event in ("merge_request", "pull_request"):
        return _request_plan(
            ctx, project, policy, released or ReleaseHistory(), earlier, base_version, current
        )
    if ctx.event == "push":
        return _push_plan(ctx, project, policy)
    return _nothing(
        ctx,
        f"{ctx.provider} {ctx.event} pipeline: only pushes, tags, releases and "
        "merge/pull requests publish",
    )


def plan_from_environment(
    project: Project,
    env: Mapping[str, str],
    history: HistoryReader | None = None,
    base: Callable[[str], str | None] | None = None,
    *,
    steps: bool = True,
) -> Plan:
    """Detect the CI context in ``env`` and plan for ``project`` (:func:`make_plan`,
    with :meth:`Policy.from_config`).

    Args:
        project: the project.
        env: the environment (CI variables; ``NOXSHIP_PLAN_KIND`` and
            ``NOXSHIP_PLAN_VERSION`` left by an earlier job's dotenv report).
        history: called with the release targets, for a merge or pull
            request (the preview and the version check) and for a release (the
            steps an earlier run did, :func:`with_steps_done`), to read the
            release history (:func:`noxship.release.history.gather_released`);
            ``None``: not read.
        base: called with a merge or pull request's base commit, to read the
            project's version there (:func:`noxship.release.history.version_at`).
        steps: for a release, read what an earlier run did (``False`` where only
            the version matters: a build).

    A plan that publishes nothing (a fork's request, no preview targets, a push
    that is not a release, a laptop) and a request whose preview version an
    earlier job handed over read no history, and so no network.

    Raises:
        PlanError: as :func:`~noxship.plan.providers.detect` and :func:`make_plan`.
        ConfigError: the release pattern is invalid.
        IndexConflictError, IndexUnavailableError: as :func:`make_plan`.
    """
    ctx = detect(env)
    policy = Policy.from_config(project.config, env)
    earlier, released, base_version = _request_inputs(ctx, policy, env, history, base)
    decide = functools.partial(
        make_plan,
        ctx,
        project,
        policy,
        released,
        earlier=earlier,
        base_version=base_version,
    )
    try:
        plan = decide()
    except VersionNeeded:  # the one fact only the build backend has: asked only when needed
        plan = decide(current=project.resolved_version())
    if history is not None and steps and plan.kind is PlanKind.RELEASE:
        plan = with_steps_done(plan, history(plan.targets, False))
    return plan


def _request_inputs(
    ctx: CIContext,
    policy: Policy,
    env: Mapping[str, str],
    history: HistoryReader | None,
    base: Callable[[str], str | None] | None,
) -> tuple[str | None, ReleaseHistory | None, str | None]:
    """What a merge or pull request's plan reads: the preview version an earlier
    job handed over, the release history (only when a preview is to be
    published and none was handed over), and the version at the base commit."""
    handed = env.get("NOXSHIP_PLAN_VERSION") if env.get("NOXSHIP_PLAN_KIND") == "preview" else None
    earlier = _valid(handed)
    if ctx.event not in ("merge_request", "pull_request"):
        return earlier, None, None
    publishes = not ctx.from_fork and bool(policy.preview_targets)
    released = (
        history(policy.release_targets, True) if history and publishes and not earlier else None
    )
    base_version = base(ctx.base_sha) if base is not None and ctx.base_sha else None
    return earlier, released, base_version


def with_steps_done(plan: Plan, released: ReleaseHistory) -> Plan:
    """``plan`` with a reason that lists what an earlier run of this release did
    (files of the version on a target, the tag); a re-run publishes only what is
    missing, file by file, and makes the GitLab or GitHub release if it is missing."""
    if plan.version is None:
        return plan
    places = taken_by(Version(plan.version), released)
    if not places:
        said = f"nothing of {plan.version} is published yet (read {released.describe()})"
    else:
        said = (
            f"already done by an earlier run: {plan.version} on {', '.join(places)}; "
            "this run uploads only the missing files and makes what is missing of the "
            "tag and its release"
        )
    return plan._replace(reasons=(*plan.reasons, said))


def _valid(text: str | None) -> str | None:
    try:
        return str(Version(text)) if text else None
    except InvalidVersion:
        return None
