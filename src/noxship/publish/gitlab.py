"""The GitLab side of publishing, through python-gitlab: which files a project's
PyPI package registry already holds, and the API client that the Release which
tags a version uses (:mod:`noxship.release.forges.gitlab`).

GitLab docs used: Packages API (``GET /projects/:id/packages`` with
``package_type=pypi``, ``package_name``, ``package_version``; ``GET
/projects/:id/packages/:package_id/package_files``, each with ``file_sha256``);
``package_name`` matches fuzzily, so
names are compared after PEP 503 normalisation here. A job token authenticates
with the ``JOB-TOKEN`` header, any other token with ``PRIVATE-TOKEN``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

import requests
from packaging.utils import canonicalize_name

from noxship.environment import sanitize_url
from noxship.errors import ConfigError, CredentialsError, IndexUnavailableError, PublishError
from noxship.publish.credentials import (
    JOB_TOKEN_USERNAME,
    CredentialKind,
    Credentials,
)
from noxship.publish.index import IndexFile
from noxship.publish.targets import Target, gitlab_access_token, gitlab_job_token

if TYPE_CHECKING:
    from gitlab import Gitlab
    from gitlab.v4.objects import Project as GitLabProject

__all__ = ["api_credentials", "api_project", "list_package_files"]

logger = logging.getLogger("noxship")


def api_credentials(environ: Mapping[str, str]) -> Credentials:
    """Return the credentials for GitLab's REST API (Releases API).

    ``GITLAB_TOKEN`` (a personal or project access token with ``api`` scope,
    sent as ``PRIVATE-TOKEN``) wins over ``CI_JOB_TOKEN`` (sent as
    ``JOB-TOKEN``; the job token may call every Releases API endpoint).

    Raises:
        CredentialsError: neither variable is set.
    """
    found = gitlab_access_token(environ) or gitlab_job_token(environ)
    if found is not None:
        return found
    raise CredentialsError(
        "cannot call the GitLab API: set GITLAB_TOKEN (api scope) or run in GitLab CI "
        "(CI_JOB_TOKEN)"
    )


def _client(credentials: Credentials, environ: Mapping[str, str]) -> Gitlab:
    import gitlab

    api = environ.get("CI_API_V4_URL", "")
    if not api:
        raise ConfigError("target gitlab needs CI_API_V4_URL: run in GitLab CI, or set it")
    server = api.rstrip("/").removesuffix("/api/v4")
    token = credentials.password.reveal() if credentials.password is not None else None
    if credentials.kind is CredentialKind.DEPLOY_TOKEN:
        raise CredentialsError(
            "a GitLab deploy token cannot call the REST API (Releases, Packages): "
            "set GITLAB_TOKEN (api scope) or run in GitLab CI for the job token"
        )
    if credentials.kind is CredentialKind.JOB_TOKEN or credentials.username == JOB_TOKEN_USERNAME:
        return gitlab.Gitlab(server, job_token=token, timeout=30)
    return gitlab.Gitlab(server, private_token=token, timeout=30)


def api_project(credentials: Credentials, environ: Mapping[str, str]) -> GitLabProject:
    """The pipeline's GitLab project (``CI_PROJECT_ID``) on the server of
    ``CI_API_V4_URL``, as python-gitlab's lazy ``Project`` (no request is made yet).

    Raises:
        ConfigError: ``CI_API_V4_URL`` or ``CI_PROJECT_ID`` is not set.
        CredentialsError: ``credentials`` is a deploy token, which the REST API refuses.
    """
    project_id = environ.get("CI_PROJECT_ID")
    if not project_id:
        raise ConfigError("target gitlab needs CI_PROJECT_ID: run in GitLab CI, or set it")
    return _client(credentials, environ).projects.get(project_id, lazy=True)


def _download_url(environ: Mapping[str, str], file_name: str, sha256: str | None) -> str:
    """The file's URL on GitLab's PyPI API, "Download a package file from a project":
    ``GET /projects/:id/packages/pypi/files/:sha256/:file_identifier`` (GitLab's PyPI
    API documentation); "" without a sha256, for which GitLab has no such URL."""
    from urllib.parse import quote

    if not sha256:
        return ""
    api = environ["CI_API_V4_URL"].rstrip("/")
    project = quote(environ["CI_PROJECT_ID"], safe="")
    return f"{api}/projects/{project}/packages/pypi/files/{sha256}/{quote(file_name)}"


def list_package_files(
    target: Target,
    credentials: Credentials,
    project_name: str,
    environ: Mapping[str, str],
) -> dict[str, IndexFile]:
    """Return the files of every version of ``project_name`` in the project's registry.

    Args:
        target: the ``gitlab`` target (for messages and download URLs).
        credentials: a job token, personal/project access token or deploy token.
        project_name: the distribution name; compared exactly after normalisation.
        environ: gives ``CI_API_V4_URL`` and ``CI_PROJECT_ID``.

    Returns:
        File name -> file with its sha256.

    Raises:
        PublishError: the API refused the request or could not be reached.
    """
    import gitlab.exceptions

    wanted = canonicalize_name(project_name)
    files: dict[str, IndexFile] = {}
    try:
        project = api_project(credentials, environ)
        for package in project.packages.list(
            package_type="pypi", package_name=project_name, iterator=True
        ):
            if canonicalize_name(package.name) != wanted:
                continue
            for pf in package.package_files.list(iterator=True):
                sha256 = getattr(pf, "file_sha256", None)
                files[pf.file_name] = IndexFile(
                    pf.file_name, sha256, _download_url(environ, pf.file_name, sha256)
                )
    except gitlab.exceptions.GitlabError as exc:
        code = exc.response_code or 0
        error = CredentialsError if code in (401, 403) else PublishError
        error = IndexUnavailableError if code >= 500 else error
        raise error(
            f"GitLab packages API at {sanitize_url(environ.get('CI_API_V4_URL', ''))} answered "
            f"{exc.response_code or 'no answer'} listing packages of project "
            f"{environ.get('CI_PROJECT_ID')}: check the token's scope (api or read_package_registry)"
        ) from None
    except (OSError, requests.RequestException) as exc:
        raise IndexUnavailableError(
            f"cannot reach the GitLab API at {sanitize_url(environ.get('CI_API_V4_URL', ''))}: "
            f"{type(exc).__name__}; check CI_API_V4_URL and the network"
        ) from None
    return files
