"""What a target already holds: its simple index, read with pypi-simple.

The simple repository API is PEP 503 (HTML) and PEP 691 (JSON); file digests
come from the ``#sha256=`` URL fragment or the JSON ``hashes`` (PEP 503, 691).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from noxship.errors import PublishError
from noxship.targets import Credentials, Target

__all__ = ["IndexFile", "list_files"]

_TIMEOUT = 30.0


@dataclasses.dataclass(frozen=True)
class IndexFile:
    """A file on an index.

    Attributes:
        filename: its name.
        sha256: its hex sha256 digest as the index reports it, or ``None`` when
            the index gives none.
        url: where to download it, with any credentials removed.
    """

    filename: str
    sha256: str | None
    url: str


def list_files(
    target: Target, project_name: str, credentials: Credentials | None = None
) -> dict[str, IndexFile]:
    """Return the files the target's simple index lists for a project.

    Args:
        target: the index.
        project_name: the distribution name (normalised by pypi-simple, PEP 503).
        credentials: used for HTTP basic auth when the index needs it (GitLab,
            private indexes); ignored for trusted publishing.

    Returns:
        File name -> file; empty when the index does not know the project (404).

    Raises:
        PublishError: the index cannot be reached or answers with an error.
    """
    import requests
    from pypi_simple import NoSuchProjectError, PyPISimple

    from noxship.secrets import sanitize_url

    auth = None
    if credentials is not None and credentials.password is not None:
        auth = (credentials.username, credentials.password.reveal())
    try:
        with PyPISimple(endpoint=target.index_url, auth=auth) as client:
            page = client.get_project_page(project_name, timeout=_TIMEOUT)
    except NoSuchProjectError:
        return {}
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise PublishError(
            f"index of target {target.name} ({sanitize_url(target.index_url)}) answered "
            f"HTTP {status} for project {project_name}: check the index URL and credentials"
        ) from None
    except requests.RequestException as exc:
        raise PublishError(
            f"cannot reach the index of target {target.name} ({sanitize_url(target.index_url)}): "
            f"{type(exc).__name__}; check the URL and the network"
        ) from None
    files: dict[str, IndexFile] = {}
    for package in page.packages:
        digests: Mapping[str, str] = package.digests or {}
        files[package.filename] = IndexFile(
            package.filename, digests.get("sha256"), sanitize_url(package.url)
        )
    return files
