"""Read the running CI system's variables into one neutral :class:`CIContext`.

One small class per provider names the variables it reads; adding a provider
is adding a class to :data:`PROVIDERS`. Sources: GitLab's "Predefined CI/CD
variables reference"; GitHub's "Variables reference" (default environment
variables) and "Events that trigger workflows" (event payloads). Nothing here
touches ``os.environ``: the caller passes the environment in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Literal, NamedTuple

from noxship.errors import PlanError

__all__ = ["PROVIDERS", "CIContext", "GitHub", "GitLab", "Local", "Provider", "detect"]


ProviderName = Literal["gitlab", "github", "local"]
"""The CI providers noxship knows: GitLab CI, GitHub Actions, and a laptop."""


class CIContext(NamedTuple):
    """What the planner needs to know about the running pipeline.

    Attributes:
        provider: the provider's :attr:`Provider.name` (``gitlab``, ``github``, ``local``).
        event: ``push``, ``tag``, ``merge_request``, ``pull_request``, ``release``,
            ``schedule`` or another provider-specific name.
        branch: the branch pushed to, for branch pipelines.
        default_branch: the project's default branch.
        tag: the tag name, for tag pipelines and releases.
        commit_title: the first line of the commit message.
        run_number: GitLab's ``CI_PIPELINE_IID`` or GitHub's ``GITHUB_RUN_NUMBER``.
        run_number_variable: the name of the variable ``run_number`` came from.
        from_fork: the merge/pull request comes from a fork.
        sha: the commit id.
        request_title: the merge/pull request's title (GitLab's
            ``CI_MERGE_REQUEST_TITLE``, the pull request's ``title`` in GitHub's payload).
        base_sha: the commit the merge/pull request is compared with (GitLab's
            ``CI_MERGE_REQUEST_DIFF_BASE_SHA``, the merge base; GitHub's
            ``pull_request.base.sha``, the target branch's head).
        target_branch: the branch it merges into.
    """

    provider: ProviderName
    event: str
    branch: str | None = None
    default_branch: str | None = None
    tag: str | None = None
    commit_title: str | None = None
    run_number: str | None = None
    run_number_variable: str = ""
    from_fork: bool = False
    sha: str | None = None
    request_title: str | None = None
    base_sha: str | None = None
    target_branch: str | None = None


def _title(message: str | None) -> str | None:
    return message.strip().splitlines()[0].strip() if message and message.strip() else None


class Provider:
    """A CI system: how to detect it and read its variables."""

    name: ClassVar[ProviderName]
    variables: ClassVar[tuple[str, ...]] = ()

    @staticmethod
    def detect(env: Mapping[str, str]) -> bool:
        """Tell whether ``env`` is this provider's."""
        raise NotImplementedError

    @classmethod
    def context(cls, env: Mapping[str, str]) -> CIContext:
        """Read the provider's variables.

        Raises:
            PlanError: the variables are missing or inconsistent.
        """
        raise NotImplementedError


class GitLab(Provider):
    """GitLab CI/CD, detected by ``GITLAB_CI=true``."""

    name: ClassVar[ProviderName] = "gitlab"
    variables = (
        "CI_PIPELINE_SOURCE",
        "CI_DEFAULT_BRANCH",
        "CI_COMMIT_BRANCH",
        "CI_COMMIT_TAG",
        "CI_COMMIT_TITLE",
        "CI_COMMIT_MESSAGE",
        "CI_PIPELINE_IID",
        "CI_MERGE_REQUEST_IID",
        "CI_MERGE_REQUEST_SOURCE_PROJECT_ID",
        "CI_PROJECT_ID",
        "CI_COMMIT_SHA",
    )

    @staticmethod
    def detect(env: Mapping[str, str]) -> bool:
        return env.get("GITLAB_CI") == "true"

    @classmethod
    def context(cls, env: Mapping[str, str]) -> CIContext:
        """Read GitLab's predefined variables.

        Raises:
            PlanError: ``CI_PIPELINE_SOURCE`` is missing, or a merge request
                pipeline lacks ``CI_MERGE_REQUEST_IID``.
        """
        source = env.get("CI_PIPELINE_SOURCE")
        if not source:
            raise PlanError(
                "GITLAB_CI=true but CI_PIPELINE_SOURCE is not set: run inside a GitLab "
                "pipeline, or unset GITLAB_CI"
            )
        tag = env.get("CI_COMMIT_TAG") or None
        fork = False
        event = "tag" if tag else source
        if source == "merge_request_event":
            if not env.get("CI_MERGE_REQUEST_IID"):
                raise PlanError(
                    "CI_PIPELINE_SOURCE=merge_request_event but CI_MERGE_REQUEST_IID is not "
                    "set: the merge request variables are inconsistent"
                )
            source_project = env.get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID")
            fork = bool(source_project) and source_project != env.get("CI_PROJECT_ID")
            event = "merge_request"
        return CIContext(
            provider=cls.name,
            event=event,
            branch=env.get("CI_COMMIT_BRANCH") or None,
            default_branch=env.get("CI_DEFAULT_BRANCH") or None,
            tag=tag,
            commit_title=env.get("CI_COMMIT_TITLE") or _title(env.get("CI_COMMIT_MESSAGE")),
            run_number=env.get("CI_PIPELINE_IID") or None,
            run_number_variable="CI_PIPELINE_IID",
            from_fork=fork,
            sha=env.get("CI_COMMIT_SHA") or None,
            request_title=env.get("CI_MERGE_REQUEST_TITLE") or None,
            base_sha=env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA") or None,
            target_branch=env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME") or None,
        )


def _object(value: object) -> dict[str, object]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    """``value`` when it is a non-empty JSON string, else ``None``."""
    return value if isinstance(value, str) and value else None


class GitHub(Provider):
    """GitHub Actions, detected by ``GITHUB_ACTIONS=true``."""

    name: ClassVar[ProviderName] = "github"
    variables = (
        "GITHUB_EVENT_NAME",
        "GITHUB_REF",
        "GITHUB_REF_NAME",
        "GITHUB_REF_TYPE",
        "GITHUB_EVENT_PATH",
        "GITHUB_RUN_NUMBER",
        "GITHUB_SHA",
    )

    @staticmethod
    def detect(env: Mapping[str, str]) -> bool:
        return env.get("GITHUB_ACTIONS") == "true"

    @staticmethod
    def _payload(env: Mapping[str, str]) -> dict[str, object]:
        import json

        path = env.get("GITHUB_EVENT_PATH")
        if not path:
            raise PlanError("GITHUB_EVENT_PATH is not set: run inside GitHub Actions")
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as exc:
            raise PlanError(
                f"cannot read the GitHub event payload {path} ({type(exc).__name__}): "
                "run inside GitHub Actions, or point GITHUB_EVENT_PATH at the event JSON"
            ) from None
        if not isinstance(data, dict):
            raise PlanError(f"the GitHub event payload {path} is not a JSON object")
        return data

    @staticmethod
    def _refs(env: Mapping[str, str]) -> tuple[str | None, str | None]:
        ref, ref_type = env.get("GITHUB_REF", ""), env.get("GITHUB_REF_TYPE", "")
        if ref.startswith("refs/tags/") or ref_type == "tag":
            return None, env.get("GITHUB_REF_NAME") or ref.removeprefix("refs/tags/")
        if ref.startswith("refs/heads/"):
            return ref.removeprefix("refs/heads/"), None
        return None, None

    @classmethod
    def context(cls, env: Mapping[str, str]) -> CIContext:
        """Read GitHub's variables and the event payload.

        Raises:
            PlanError: ``GITHUB_EVENT_NAME`` is missing or the payload is unreadable.
        """
        event = env.get("GITHUB_EVENT_NAME")
        if not event:
            raise PlanError("GITHUB_ACTIONS=true but GITHUB_EVENT_NAME is not set")
        payload = cls._payload(env)
        repo = _object(payload.get("repository"))
        branch, tag = cls._refs(env)
        fork = False
        request = _object(payload.get("pull_request"))
        if event == "release":
            tag = _text(_object(payload.get("release")).get("tag_name")) or tag
            action = payload.get("action")
            if action not in (None, "published"):
                event = f"release_{action}"
        elif event in ("pull_request", "pull_request_target"):
            head = _object(_object(payload.get("pull_request")).get("head"))
            fork = _object(head.get("repo")).get("full_name") != repo.get("full_name")
        elif event == "push" and tag:
            event = "tag"
        return CIContext(
            provider=cls.name,
            event=event,
            branch=branch,
            default_branch=_text(repo.get("default_branch")),
            tag=tag,
            commit_title=_title(_text(_object(payload.get("head_commit")).get("message"))),
            run_number=env.get("GITHUB_RUN_NUMBER") or None,
            run_number_variable="GITHUB_RUN_NUMBER",
            from_fork=fork,
            sha=env.get("GITHUB_SHA") or None,
            request_title=_text(request.get("title")),
            base_sha=_text(_object(request.get("base")).get("sha")),
            target_branch=env.get("GITHUB_BASE_REF") or None,
        )


class Local(Provider):
    """No CI: a laptop. Nothing is published by plan; sessions name targets."""

    name: ClassVar[ProviderName] = "local"

    @staticmethod
    def detect(env: Mapping[str, str]) -> bool:
        return True

    @classmethod
    def context(cls, env: Mapping[str, str]) -> CIContext:
        return CIContext(provider=cls.name, event="local")


PROVIDERS: tuple[type[Provider], ...] = (GitLab, GitHub, Local)
"""The providers, in detection order (:class:`Local` always matches)."""


def detect(env: Mapping[str, str]) -> CIContext:
    """Return the context of the CI system the environment belongs to.

    ``NOXSHIP_PROVIDER`` (``gitlab``, ``github``, ``local``) beats detection.

    Raises:
        PlanError: the variables are inconsistent, or ``NOXSHIP_PROVIDER`` is unknown.
    """
    by_name = {p.name: p for p in PROVIDERS}
    forced = env.get("NOXSHIP_PROVIDER")
    if forced:
        if forced not in by_name:
            *others, last = by_name
            raise PlanError(
                f"NOXSHIP_PROVIDER={forced!r} is unknown: use {', '.join(others)} or {last}"
            )
        return by_name[forced].context(env)
    provider = next(p for p in PROVIDERS if p.detect(env))
    return provider.context(env)
