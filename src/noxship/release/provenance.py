"""Release only reviewed commits: a tag (or a GitHub release) publishes only
when its commit is on the default branch or on a branch named in
``release-branches``.

The check runs before any upload, with git against the job's remote: a GitLab
tag job's clone is shallow and holds only the tag (GitLab docs, "Git shallow
clone"), so each release branch is fetched first (the remote URL of a GitLab
job already carries the job token). ``git merge-base --is-ancestor`` then
answers (git docs). A shallow boundary at the tagged commit does not matter:
the walk starts from the branch, whose history is fetched whole.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from noxship.errors import ConfigError, PlanError, ToolError
from noxship.release.git import git

__all__ = ["check_reviewed"]

logger = logging.getLogger("noxship")


def _contains(root: Path, sha: str, branch: str, environ: Mapping[str, str]) -> bool:
    ref = f"refs/noxship/release-branches/{branch}"
    fetch = ["fetch", "--quiet", "--no-tags", "origin", f"+refs/heads/{branch}:{ref}"]
    try:
        git(fetch, environ, cwd=root, what=f"git fetch of branch {branch}")
    except ToolError:
        logger.warning("branch %s could not be fetched from origin: it does not count", branch)
        return False
    try:
        git(["merge-base", "--is-ancestor", sha, ref], environ, cwd=root, what="git merge-base")
    except ToolError as exc:
        if exc.returncode == 1:  # git docs: 1 is "not an ancestor", anything else an error
            return False
        raise PlanError(
            f"git merge-base could not tell whether commit {sha} is on branch {branch} "
            f"(exit {exc.returncode}; the commit may be missing from a shallow clone): "
            "fetch it (GIT_DEPTH: 0 in GitLab, fetch-depth: 0 on GitHub) and re-run"
        ) from None
    return True


def check_reviewed(
    root: Path,
    tag: str,
    sha: str | None,
    branches: Sequence[str],
    environ: Mapping[str, str] | None = None,
) -> str:
    """Make sure the commit ``sha`` that ``tag`` names is on one of ``branches``.

    Args:
        root: the git work tree (the CI job's clone).
        tag: the tag being released, for messages.
        sha: the tagged commit (``CI_COMMIT_SHA``, ``GITHUB_SHA``).
        branches: the default branch, then ``release-branches``.
        environ: gives ``GITHUB_TOKEN`` for a private repository on GitHub.

    Returns:
        The first branch that holds the commit.

    Raises:
        ConfigError: ``sha`` or the branch list is missing.
        PlanError: no branch holds the commit, or git cannot tell (the commit is
            missing from the clone: git merge-base exits 128); nothing may be published.
    """
    if not sha:
        raise ConfigError(
            f"the commit of tag {tag} is unknown (CI_COMMIT_SHA or GITHUB_SHA is not set): "
            "run in CI, where it is set"
        )
    wanted = [b for b in dict.fromkeys(branches) if b]
    if not wanted:
        raise ConfigError(
            f"no release branch is known for tag {tag} (the default branch is not set): set "
            "CI_DEFAULT_BRANCH, or release-branches in [tool.noxship]"
        )
    for branch in wanted:
        if _contains(root, sha, branch, environ or {}):
            logger.info("tag %s names commit %s, on branch %s: reviewed", tag, sha[:12], branch)
            return branch
    raise PlanError(
        f"tag {tag} names commit {sha[:12]}, which is on none of the release branches "
        f"({', '.join(wanted)}): nothing is published. Tag a commit of {wanted[0]} once it is "
        "merged, or name its branch in release-branches ([tool.noxship] or "
        "NOXSHIP_RELEASE_BRANCHES)"
    )
