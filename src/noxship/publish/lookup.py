"""Choose how to read what a target holds: GitLab's Packages API or the simple index."""

from __future__ import annotations

from collections.abc import Mapping

from noxship.publish.credentials import CredentialKind, Credentials
from noxship.publish.gitlab import list_package_files
from noxship.publish.index import Lister, list_files
from noxship.publish.targets import Target

__all__ = ["lister_for"]


def lister_for(
    target: Target, credentials: Credentials, project_name: str, environ: Mapping[str, str]
) -> Lister:
    """Return how to read what ``target`` holds of ``project_name``.

    A target with GitLab's Packages API (and no overriding index URL) is read
    through it: it gives each file's sha256 in one request per package. A deploy
    token cannot call the REST API (GitLab docs, "Deploy tokens"), so with one,
    and for every other target, the simple index is read.
    """
    kind = target.kind
    if (
        kind is not None
        and kind.packages_api
        and not target.index_overridden
        and credentials.kind is not CredentialKind.DEPLOY_TOKEN
    ):
        return lambda: list_package_files(target, credentials, project_name, environ)
    return lambda: list_files(target, project_name, credentials)
