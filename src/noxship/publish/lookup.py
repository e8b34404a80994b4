"""Choose how to read what a target holds: GitLab's Packages API or the simple index."""

from __future__ import annotations

from collections.abc import Mapping

from noxship.errors import IndexUnavailableError
from noxship.publish.credentials import CredentialKind, Credentials
from noxship.publish.gitlab import list_package_files
from noxship.publish.index import Lister, list_files
from noxship.publish.retry import RetryPolicy
from noxship.publish.targets import Target

__all__ = ["lister_for"]


def lister_for(
    target: Target,
    credentials: Credentials,
    project_name: str,
    environ: Mapping[str, str],
    retry: RetryPolicy | None = None,
) -> Lister:
    """Return how to read what ``target`` holds of ``project_name``.

    A target with GitLab's Packages API (and no overriding index URL) is read
    through it: it gives each file's sha256 in one request per package. A deploy
    token cannot call the REST API (GitLab docs, "Deploy tokens"), so with one,
    and for every other target, the simple index is read. A lookup that fails
    transiently (:class:`~noxship.errors.IndexUnavailableError`) is retried
    with ``retry``, the upload's policy.
    """
    kind = target.kind
    read: Lister
    if (
        kind is not None
        and kind.packages_api
        and not target.index_overridden
        and credentials.kind is not CredentialKind.DEPLOY_TOKEN
    ):
        read = lambda: list_package_files(target, credentials, project_name, environ)  # noqa: E731
    else:
        read = lambda: list_files(target, project_name, credentials)  # noqa: E731
    policy = retry or RetryPolicy()
    return lambda: policy.retrying(f"lookup on {target.name}", IndexUnavailableError)(read)
