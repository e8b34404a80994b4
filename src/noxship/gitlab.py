"""The GitLab side of publishing, through python-gitlab: which files a project's
PyPI package registry already holds, and the Release that tags a version.

GitLab docs used: Packages API (``GET /projects/:id/packages`` with
``package_type=pypi``, ``package_name``, ``package_version``; ``GET
/projects/:id/packages/:package_id/package_files``, each with ``file_sha256``);
Releases API (``POST /projects/:id/releases`` with ``tag_name`` and ``ref``
creates the tag; job tokens may call it). ``package_name`` matches fuzzily, so
names are compared after PEP 503 normalisation here. A job token authenticates
with the ``JOB-TOKEN`` header, any other token with ``PRIVATE-TOKEN``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from packaging.utils import canonicalize_name

from noxship.errors import ConfigError, PublishError
from noxship.index import IndexFile
from noxship.secrets import sanitize_url
from noxship.targets import JOB_TOKEN_USERNAME, Credentials, Target

__all__ = ["create_release", "list_package_files"]


def _client(credentials: Credentials, environ: Mapping[str, str]) -> Any:
    import gitlab

    api = environ.get("CI_API_V4_URL", "")
    if not api:
        raise ConfigError("target gitlab needs CI_API_V4_URL: run in GitLab CI, or set it")
    server = api.rstrip("/").removesuffix("/api/v4")
    token = credentials.password.reveal() if credentials.password is not None else None
    if credentials.username == JOB_TOKEN_USERNAME:
        return gitlab.Gitlab(server, job_token=token, timeout=30)
    return gitlab.Gitlab(server, private_token=token, timeout=30)


def _project(credentials: Credentials, environ: Mapping[str, str]) -> Any:
    project_id = environ.get("CI_PROJECT_ID")
    if not project_id:
        raise ConfigError("target gitlab needs CI_PROJECT_ID: run in GitLab CI, or set it")
    return _client(credentials, environ).projects.get(project_id, lazy=True)


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
        project = _project(credentials, environ)
        for package in project.packages.list(
            package_type="pypi", package_name=project_name, iterator=True
        ):
            if canonicalize_name(package.name) != wanted:
                continue
            for pf in package.package_files.list(iterator=True):
                files[pf.file_name] = IndexFile(
                    pf.file_name, getattr(pf, "file_sha256", None), target.index_url
                )
    except gitlab.exceptions.GitlabError as exc:
        raise PublishError(
            f"GitLab packages API at {sanitize_url(environ.get('CI_API_V4_URL', ''))} answered "
            f"{exc.response_code or 'no answer'} listing packages of project "
            f"{environ.get('CI_PROJECT_ID')}: check the token's scope (api or read_package_registry)"
        ) from None
    except OSError as exc:
        raise PublishError(f"cannot reach the GitLab API: {type(exc).__name__}") from None
    return files


def create_release(
    credentials: Credentials,
    environ: Mapping[str, str],
    *,
    tag: str,
    ref: str,
    name: str,
    description: str,
    links: Sequence[tuple[str, str]] = (),
) -> str:
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
        The release's tag name.

    Raises:
        PublishError: the API refused the request (the message gives the status).
    """
    import gitlab.exceptions

    try:
        release = _project(credentials, environ).releases.create(
            {
                "name": name,
                "tag_name": tag,
                "ref": ref,
                "description": description,
                "assets": {"links": [{"name": n, "url": u} for n, u in links]},
            }
        )
    except gitlab.exceptions.GitlabError as exc:
        raise PublishError(
            f"GitLab refused to create release {tag} (HTTP {exc.response_code}): "
            "check that the tag does not exist and the token may create releases"
        ) from None
    return str(release.tag_name)
