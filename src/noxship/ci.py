"""Read the running CI system's variables into one neutral :class:`CIContext`.

One small class per provider names the variables it reads. Sources: GitLab's
predefined CI/CD variables and GitHub Actions' default environment variables and
event payloads (``../shared/reference/ci-variables.md``). Nothing here touches
``os.environ``: the caller passes the environment in.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any, ClassVar

from noxship.errors import PlanError

__all__ = ["CIContext", "GitHub", "GitLab", "Local", "detect", "plan_from_environment"]


@dataclasses.dataclass(frozen=True)
class CIContext:
    """What the planner needs to know about the running pipeline.

    Attributes:
        provider: ``"gitlab"``, ``"github"`` or ``"local"``.
        event: ``push``, ``tag``, ``merge_request``, ``pull_request``, ``release``,
            ``schedule`` or another provider-specific name.
        branch: the branch pushed to, for branch pipelines.
        default_branch: the project's default branch.
        tag: the tag name, for tag pipelines and releases.
        commit_title: the first line of the commit message.
        run_number: GitLab's ``CI_PIPELINE_IID`` or GitHub's ``GITHUB_RUN_NUMBER``.
        from_fork: the merge/pull request comes from a fork.
        sha: the commit id.
    """

    provider: str
    event: str
    branch: str | None = None
    default_branch: str | None = None
    tag: str | None = None
    commit_title: str | None = None
    run_number: str | None = None
    from_fork: bool = False
    sha: str | None = None


def _title(message: str | None) -> str | None:
    return message.strip().splitlines()[0].strip() if message and message.strip() else None


class GitLab:
    """GitLab CI/CD, detected by ``GITLAB_CI=true``."""

    variables: ClassVar[tuple[str, ...]] = (
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

    @staticmethod
    def context(env: Mapping[str, str]) -> CIContext:
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
        if source == "merge_request_event":
            if not env.get("CI_MERGE_REQUEST_IID"):
                raise PlanError(
                    "CI_PIPELINE_SOURCE=merge_request_event but CI_MERGE_REQUEST_IID is not "
                    "set: the merge request variables are inconsistent"
                )
            source_project = env.get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID")
            fork = bool(source_project) and source_project != env.get("CI_PROJECT_ID")
            event = "merge_request"
        else:
            fork = False
            event = "tag" if tag else source
        return CIContext(
            provider="gitlab",
            event=event,
            branch=env.get("CI_COMMIT_BRANCH") or None,
            default_branch=env.get("CI_DEFAULT_BRANCH") or None,
            tag=tag,
            commit_title=env.get("CI_COMMIT_TITLE") or _title(env.get("CI_COMMIT_MESSAGE")),
            run_number=env.get("CI_PIPELINE_IID") or None,
            from_fork=fork,
            sha=env.get("CI_COMMIT_SHA") or None,
        )


class GitHub:
    """GitHub Actions, detected by ``GITHUB_ACTIONS=true``."""

    variables: ClassVar[tuple[str, ...]] = (
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
    def _payload(env: Mapping[str, str]) -> dict[str, Any]:
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
        repo = payload.get("repository") or {}
        ref, ref_type = env.get("GITHUB_REF", ""), env.get("GITHUB_REF_TYPE", "")
        tag = branch = None
        if ref.startswith("refs/tags/") or ref_type == "tag":
            tag = env.get("GITHUB_REF_NAME") or ref.removeprefix("refs/tags/")
        elif ref.startswith("refs/heads/"):
            branch = ref.removeprefix("refs/heads/")
        fork = False
        if event == "release":
            tag = (payload.get("release") or {}).get("tag_name") or tag
            if payload.get("action") not in (None, "published"):
                event = f"release_{payload.get('action')}"
        elif event in ("pull_request", "pull_request_target"):
            head_repo = ((payload.get("pull_request") or {}).get("head") or {}).get("repo") or {}
            fork = head_repo.get("full_name") != repo.get("full_name")
        elif event == "push" and tag:
            event = "tag"
        return CIContext(
            provider="github",
            event=event,
            branch=branch,
            default_branch=repo.get("default_branch"),
            tag=tag,
            commit_title=_title((payload.get("head_commit") or {}).get("message")),
            run_number=env.get("GITHUB_RUN_NUMBER") or None,
            from_fork=fork,
            sha=env.get("GITHUB_SHA") or None,
        )


class Local:
    """No CI: a laptop. Nothing is published by plan; sessions name targets."""

    variables: ClassVar[tuple[str, ...]] = ()

    @staticmethod
    def detect(env: Mapping[str, str]) -> bool:
        return True

    @staticmethod
    def context(env: Mapping[str, str]) -> CIContext:
        return CIContext(provider="local", event="local")


def detect(env: Mapping[str, str]) -> CIContext:
    """Return the context of the CI system the environment belongs to.

    ``NOXSHIP_PROVIDER`` (``gitlab``, ``github``, ``local``) beats detection.

    Raises:
        PlanError: the variables are inconsistent, or ``NOXSHIP_PROVIDER`` is unknown.
    """
    providers: dict[str, type[GitLab] | type[GitHub] | type[Local]] = {
        "gitlab": GitLab,
        "github": GitHub,
        "local": Local,
    }
    forced = env.get("NOXSHIP_PROVIDER")
    if forced:
        if forced not in providers:
            raise PlanError(f"NOXSHIP_PROVIDER={forced!r} is unknown: use gitlab, github or local")
        return providers[forced].context(env)
    for provider in (GitLab, GitHub, Local):
        if provider.detect(env):
            return provider.context(env)
    raise AssertionError("Local always matches")  # pragma: no cover


def plan_from_environment(project: Any, env: Mapping[str, str]) -> Any:
    """Detect the CI context in ``env`` and plan for ``project`` (see :func:`noxship.plan.make_plan`)."""
    from noxship.plan import Policy, make_plan

    return make_plan(detect(env), project, Policy.from_config(project.config, env))
