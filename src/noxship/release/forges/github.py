"""GitHub's release of a pushed tag, through GitHub's REST API with requests.

GitHub docs used: REST API, "Create a release" (``POST
/repos/{owner}/{repo}/releases``: 201 when created; 422 with an error whose
``code`` is ``already_exists`` when the tag has a release, which counts as done;
the ``X-GitHub-Api-Version: 2022-11-28`` header).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from noxship.errors import PublishError

if TYPE_CHECKING:
    import requests

__all__ = ["create_release"]

logger = logging.getLogger("noxship")


def create_release(environ: Mapping[str, str], tag: str, name: str, notes: str) -> None:
    """Create the GitHub release of the pushed tag ``tag``.

    Args:
        environ: gives ``GITHUB_TOKEN`` (``contents: write``), ``GITHUB_REPOSITORY``
            and ``GITHUB_API_URL`` (GitHub Enterprise; default ``https://api.github.com``).
        tag: the tag name, ``v1.4.0``.
        name: the release title.
        notes: Markdown text.

    Without a token or repository it warns and creates nothing (the tag is pushed).

    Raises:
        PublishError: the API cannot be reached, or answers other than 201 and
            422 ``already_exists``.
    """
    import requests

    token, repository = environ.get("GITHUB_TOKEN"), environ.get("GITHUB_REPOSITORY")
    if not token or not repository:
        logger.warning(
            "no GITHUB_TOKEN or GITHUB_REPOSITORY: tag %s pushed, no GitHub release", tag
        )
        return
    api = environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
    }
    body = {"tag_name": tag, "name": name, "body": notes}
    try:
        response = requests.post(
            f"{api}/repos/{repository}/releases", json=body, headers=headers, timeout=30
        )
    except requests.RequestException as exc:
        raise PublishError(
            f"cannot reach the GitHub API ({type(exc).__name__}) to create the "
            f"release of {tag}: re-run the tag job"
        ) from None
    codes = {e.get("code") for e in _errors(response)}
    if response.status_code == 422 and "already_exists" in codes:
        logger.info("the GitHub release of %s exists: nothing to do", tag)
        return
    if response.status_code != 201:
        raise PublishError(
            f"the GitHub API answered HTTP {response.status_code} to the release "
            f"of {tag}: give the job `permissions: contents: write`, then re-run"
        )
    logger.info("created the GitHub release of %s", tag)


def _errors(response: requests.Response) -> list[dict[str, object]]:
    try:
        errors = response.json().get("errors", [])
    except (ValueError, AttributeError):
        return []
    return [e for e in errors if isinstance(e, dict)]
