"""GitLab's Release of a version, through python-gitlab.

GitLab docs used: Releases API (``POST /projects/:id/releases`` with ``tag_name``
and ``ref`` creates the tag as well; job tokens may call it; 409 when the release
exists; ``GET /projects/:id/releases/:tag_name`` shows it, with its commit).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import requests

from noxship.errors import CredentialsError, IndexUnavailableError, PublishError
from noxship.publish.credentials import Credentials
from noxship.publish.gitlab import api_project

if TYPE_CHECKING:
    from gitlab.v4.objects import Project as GitLabProject

__all__ = ["create_release"]

logger = logging.getLogger("noxship")


def create_release(
    credentials: Credentials,
    environ: Mapping[str, str],
    *,
    tag: str,
    ref: str,
    name: str,
    description: str,
    links: Sequence[tuple[str, str]] = (),
) -> bool:
    """Create a GitLab Release, and with it the tag ``tag`` on ``ref``.

    Args:
        credentials: a job token or an access token with ``api`` scope.
        environ: gives ``CI_API_V4_URL`` and ``CI_PROJECT_ID``.
        tag: the tag name, ``v1.4.0``.
        ref: the commit SHA the tag points to.
        name: the release title.
        description: Markdown text.
        links: (name, URL) pairs shown as release assets.

    Returns:
        ``True`` when this call created the release, ``False`` when it already
        existed for ``ref`` (a re-run job; GitLab answers 409).

    Raises:
        PublishError: the API refused the request (the message gives the
            status), or the tag's release exists for another commit.
    """
    import gitlab.exceptions

    project = api_project(credentials, environ)
    try:
        release = project.releases.create(
            {
                "name": name,
                "tag_name": tag,
                "ref": ref,
                "description": description,
                "assets": {"links": [{"name": n, "url": u} for n, u in links]},
            }
        )
    except gitlab.exceptions.GitlabError as exc:
        if exc.response_code == 409:
            # A re-run of a release job: the release exists. Fine when it is
            # for the same commit; anything else needs a person.
            _existing_release(project, tag, ref)
            return False
        error = CredentialsError if exc.response_code in (401, 403) else PublishError
        raise error(
            f"GitLab refused to create release {tag} (HTTP {exc.response_code}): "
            "check that the token may create releases (job token, or api scope)"
        ) from None
    except requests.RequestException as exc:
        raise PublishError(
            f"cannot reach the GitLab API to create release {tag}: {type(exc).__name__}; "
            "check CI_API_V4_URL and the network, then re-run the job"
        ) from None
    logger.info("created GitLab release %s (tag on %s)", release.tag_name, ref[:12])
    return True


def _existing_release(project: GitLabProject, tag: str, ref: str) -> None:
    import gitlab.exceptions

    try:
        existing = project.releases.get(tag)
    except gitlab.exceptions.GitlabError as exc:
        raise PublishError(
            f"GitLab says release {tag} exists but cannot show it (HTTP {exc.response_code}): "
            "look at the project's releases, then re-run"
        ) from None
    except requests.RequestException as exc:
        raise IndexUnavailableError(
            f"GitLab says release {tag} exists, then could not be reached to show it "
            f"({type(exc).__name__}): re-run when it answers"
        ) from None
    commit = (getattr(existing, "commit", None) or {}).get("id", "")
    if ref and commit and not (commit.startswith(ref) or ref.startswith(commit)):
        raise PublishError(
            f"release {tag} already exists for commit {commit[:12]}, not {ref[:12]}: "
            "a version is released once; bump the version"
        )
    logger.info("release %s already exists for this commit: nothing to create", tag)
