"""What a target already holds: its simple index, read with pypi-simple, or
GitLab's Packages API.

The simple repository API is PEP 503 (HTML) and PEP 691 (JSON); file digests
come from the ``#sha256=`` URL fragment or the JSON ``hashes`` (PEP 503, 691).

A lookup never follows a redirect: GitLab's package registry forwards a request
for a package it does not hold to PyPI ("Package request forwarding", on by
default), and pypiserver without ``--disable-fallback`` redirects to PyPI. What
answers after a redirect is another index, so a redirect means "not on this
index", like a 404.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from noxship.environment import sanitize_url
from noxship.errors import (
    ConfigError,
    CredentialsError,
    IndexUnavailableError,
    NoxshipError,
    PublishError,
)
from noxship.publish.credentials import Credentials
from noxship.publish.targets import Target

if TYPE_CHECKING:
    import requests

__all__ = ["IndexFile", "Lister", "list_files", "project_names", "project_page_exists"]

_TIMEOUT = 30.0
logger = logging.getLogger("noxship")


@dataclasses.dataclass(frozen=True)
class IndexFile:
    """A file on an index.

    Attributes:
        filename: its name.
        sha256: its hex sha256 digest as the index reports it, or ``None`` when
            the index gives none.
        url: where to download it, with any credentials removed; "" when the
            index gives no such URL (GitLab, for a file without a sha256).
    """

    filename: str
    sha256: str | None
    url: str


Lister = Callable[[], Mapping[str, IndexFile]]
"""Reads, each time it is called, file name -> file of the project on a target."""


def _refused(target: Target, status: int, project_name: str, source: str) -> NoxshipError:
    where = f"index of target {target.name} ({sanitize_url(target.index_url)})"
    if status >= 500:
        return IndexUnavailableError(
            f"{where} answered HTTP {status} for project {project_name}: the index is failing; "
            "re-run when it is back"
        )
    if status in (401, 403):
        return CredentialsError(
            f"{where} refused the credentials from {source} (HTTP {status}) for project "
            f"{project_name}: check that token, its scope and its project"
        )
    return PublishError(
        f"{where} answered HTTP {status} for project {project_name}: check the index URL"
    )


def _session() -> requests.Session:
    """pypi-simple's session, but one on which a redirect raises ``TooManyRedirects``."""
    import requests
    from pypi_simple.client import USER_AGENT

    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    session.max_redirects = 0
    return session


def _read_auth(target: Target, credentials: Credentials | None) -> tuple[str, str] | None:
    """HTTP basic auth for an index read, where the target allows it."""
    if credentials is None or credentials.password is None:
        return None
    if not target.index_reads_with_credentials:
        return None
    return credentials.username, credentials.password.reveal()


def _read_failure(exc: Exception, target: Target, project_name: str, source: str) -> NoxshipError:
    """The error for a failed read of a project page. requests' URL errors
    (``MissingSchema``, ``InvalidURL``, ``InvalidSchema``) and its JSON error
    are also ``ValueError``s, so requests' classes are tried first."""
    import requests
    from pypi_simple import UnsupportedContentTypeError

    where = f"index of target {target.name} ({sanitize_url(target.index_url)})"
    if isinstance(exc, UnsupportedContentTypeError):
        return PublishError(
            f"{where} answered with {exc.content_type or 'no content type'}, not a simple "
            "index (PEP 503, 691): check the index URL (a login page or proxy answered)"
        )
    if isinstance(exc, requests.HTTPError):
        status = exc.response.status_code if exc.response is not None else 0
        return _refused(target, status, project_name, source)
    if isinstance(
        exc,
        (
            requests.exceptions.InvalidURL,
            requests.exceptions.InvalidSchema,
            requests.exceptions.MissingSchema,
        ),
    ):
        return ConfigError(
            f"{where} is not a URL requests can read ({type(exc).__name__}): "
            f"fix {target.env_prefix}INDEX_URL"
        )
    if isinstance(exc, requests.RequestException) and not isinstance(exc, ValueError):
        return IndexUnavailableError(
            f"cannot reach the {where}: {type(exc).__name__}; check the URL and the network"
        )
    # bad JSON, a PEP 691 payload of the wrong shape (pydantic)
    return PublishError(
        f"{where} answered with a project page that is not valid "
        f"({type(exc).__name__}; PEP 503, 691): check the URL"
    )


def list_files(
    target: Target, project_name: str, credentials: Credentials | None = None
) -> dict[str, IndexFile]:
    """Return the files the target's simple index lists for a project.

    Args:
        target: the index.
        project_name: the distribution name (normalised by pypi-simple, PEP 503).
        credentials: used for HTTP basic auth when the index needs it (GitLab,
            private indexes), and only where :attr:`Target.index_reads_with_credentials`
            allows: never on PyPI's and TestPyPI's public indexes, nor on an index
            of another origin than the upload URL; ignored for trusted publishing.

    Returns:
        File name -> file; empty on a 404 or a redirect (to another index).

    Raises:
        CredentialsError: the index answered 401 or 403.
        IndexUnavailableError: the index answered 5xx, or could not be reached.
        ConfigError: the index URL is not one requests can read (no scheme, a
            scheme other than http and https, no host).
        PublishError: the index answers with another error, or with a page
            that is not a simple index.
    """
    import requests
    from pypi_simple import NoSuchProjectError, PyPISimple, UnsupportedContentTypeError

    auth = _read_auth(target, credentials)
    try:
        with PyPISimple(endpoint=target.index_url, auth=auth, session=_session()) as client:
            page = client.get_project_page(project_name, timeout=_TIMEOUT)
    except NoSuchProjectError:
        return {}
    except requests.TooManyRedirects as exc:  # see the module docstring
        where = exc.response.headers.get("Location", "?") if exc.response is not None else "?"
        logger.info(
            "index of target %s redirects the lookup of %s (to %s): not on this index",
            target.name,
            project_name,
            sanitize_url(where),
        )
        return {}
    except (UnsupportedContentTypeError, requests.RequestException, ValueError) as exc:
        source = credentials.source if credentials is not None else "no credentials"
        raise _read_failure(exc, target, project_name, source) from None
    return {
        p.filename: IndexFile(p.filename, (p.digests or {}).get("sha256"), sanitize_url(p.url))
        for p in page.packages
    }


def project_page_exists(target: Target, project_name: str) -> bool:
    """Whether the target's simple index has a page for ``project_name`` (PEP 503:
    a 404 means no such project; a redirect leads to another index). Read
    without credentials: a project's existence is public.

    Raises:
        IndexUnavailableError, PublishError, CredentialsError: as :func:`list_files`.
    """
    import requests
    from pypi_simple import NoSuchProjectError, PyPISimple, UnsupportedContentTypeError

    try:
        with PyPISimple(endpoint=target.index_url, session=_session()) as client:
            client.get_project_page(project_name, timeout=_TIMEOUT)
    except (NoSuchProjectError, requests.TooManyRedirects):
        return False
    except (UnsupportedContentTypeError, requests.RequestException, ValueError) as exc:
        raise _read_failure(exc, target, project_name, "no credentials") from None
    return True


def project_names(target: Target) -> Iterator[str]:
    """Every project name the target's simple index lists (PEP 503's root page),
    streamed by pypi-simple.

    Raises:
        IndexUnavailableError, PublishError, CredentialsError: as :func:`list_files`.
    """
    import requests
    from pypi_simple import PyPISimple, UnsupportedContentTypeError

    try:
        with PyPISimple(endpoint=target.index_url, session=_session()) as client:
            yield from client.stream_project_names(timeout=_TIMEOUT * 4)
    except (UnsupportedContentTypeError, requests.RequestException, ValueError) as exc:
        raise _read_failure(exc, target, "(every project)", "no credentials") from None
