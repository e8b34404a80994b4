"""Where distributions go: the targets ``pypi``, ``testpypi``, ``gitlab`` and any
target defined by ``NOXSHIP_TARGET_<NAME>_*`` variables, and the credentials
for each, resolved without ever showing a value.

One class per kind of target (:class:`PyPIKind`, :class:`GitLabKind`,
:class:`CustomKind`) says where its URLs come from and which credentials it
takes; adding a kind is adding a class to :data:`KINDS`.

Sources: twine's repository constants (``twine.utils.DEFAULT_REPOSITORY``,
``TEST_REPOSITORY``) and pypi-simple's ``PYPI_SIMPLE_ENDPOINT``; GitLab's
"PyPI packages in the package registry" (upload to
``<CI_API_V4_URL>/projects/<id>/packages/pypi``, install from
``.../packages/pypi/simple``; job token user ``gitlab-ci-token``); PyPI's
trusted publishing docs (the GitLab ID token in ``PYPI_ID_TOKEN`` /
``TESTPYPI_ID_TOKEN``, GitHub's ``ACTIONS_ID_TOKEN_REQUEST_URL``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import ClassVar

from noxship.environment import sanitize_url
from noxship.errors import ConfigError, CredentialsError
from noxship.publish.credentials import (
    JOB_TOKEN_USERNAME,
    TOKEN_USERNAME,
    CredentialKind,
    Credentials,
    secret_from,
)

__all__ = [
    "BUILTIN_TARGETS",
    "KINDS",
    "CustomKind",
    "GitLabKind",
    "PyPIKind",
    "Target",
    "TargetKind",
    "env_prefix",
    "gitlab_access_token",
    "gitlab_job_token",
    "origin",
    "resolve_credentials",
    "resolve_target",
]

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


def _on_host_of(url: str, path: str) -> str:
    """``url``'s scheme and host with the absolute ``path`` (RFC 3986 section 5.2
    reference resolution, as :func:`urllib.parse.urljoin` does it)."""
    from urllib.parse import urljoin

    return urljoin(url, path)


def origin(url: str) -> tuple[str, str, int | None]:
    """``url``'s scheme, host and port (RFC 6454's origin; the default port filled
    in), to compare where two URLs send a request."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return (
        scheme,
        (parts.hostname or "").lower(),
        parts.port or {"https": 443, "http": 80}.get(scheme),
    )


def _checked_url(variable: str, url: str) -> str:
    """``url`` if it is an absolute http or https URL with a host (RFC 3986, read
    with rfc3986's validator), else a :class:`ConfigError` naming ``variable``."""
    from rfc3986 import exceptions, uri_reference, validators  # type: ignore[import-untyped]

    validator = (
        validators.Validator()
        .require_presence_of("scheme", "host")
        .allow_schemes("http", "https")
        .check_validity_of("scheme", "host", "port", "path")
    )
    try:
        validator.validate(uri_reference(url))
    except exceptions.ValidationError as exc:
        raise ConfigError(
            f"{variable} {sanitize_url(url)!r} is not an http or https URL with a host "
            f"({type(exc).__name__}): write it in full, for example https://host/simple/"
        ) from None
    return url


def env_prefix(name: str) -> str:
    """Return ``NOXSHIP_TARGET_<NAME>_`` for a target name (``-`` becomes ``_``)."""
    return f"NOXSHIP_TARGET_{name.upper().replace('-', '_')}_"


@dataclasses.dataclass(frozen=True)
class Target:
    """A package index that receives uploads.

    Attributes:
        name: the target's name (``pypi``, ``testpypi``, ``gitlab`` or user-defined).
        repository_url: the URL twine uploads to (twine's "repository URL").
        index_url: the PEP 503 simple index to look files up and install from.
        page_url: a web page of the project on the target, when known.
        kind: the kind of target.
        index_overridden: ``NOXSHIP_TARGET_<NAME>_INDEX_URL`` replaced the kind's
            own index (then GitLab's Packages API is not the index to ask).
        builtin_credentials: the kind's own credentials (``PYPI_TOKEN``, trusted
            publishing, ``TWINE_*``, ``GITLAB_TOKEN``, ``CI_JOB_TOKEN``) may go to
            the repository URL: it is the kind's own, or the user named its host
            in ``NOXSHIP_TARGET_<NAME>_TRUST_HOST``.
    """

    name: str
    repository_url: str
    index_url: str
    page_url: str | None = None
    kind: type[TargetKind] | None = None
    index_overridden: bool = False
    builtin_credentials: bool = True

    @property
    def env_prefix(self) -> str:
        """``NOXSHIP_TARGET_<NAME>_``, the prefix of the variables that configure it."""
        return env_prefix(self.name)

    @property
    def is_pypi(self) -> bool:
        """``True`` for PyPI and TestPyPI, which twine and PyPI treat specially."""
        return self.kind is PyPIKind

    @property
    def index_reads_with_credentials(self) -> bool:
        """Whether reading the index may carry the upload credentials: never for
        PyPI's and TestPyPI's own simple indexes (public), and elsewhere (a private
        index, or an overridden one) only when the index has the upload URL's
        origin (scheme, host and port)."""
        public = self.is_pypi and not self.index_overridden
        return not public and origin(self.index_url) == origin(self.repository_url)


class TargetKind:
    """A kind of target: its names, URLs and credentials."""

    names: ClassVar[tuple[str, ...]] = ()
    packages_api: ClassVar[bool] = False
    """Whether files can be looked up through GitLab's Packages API."""

    @classmethod
    def urls(
        cls, name: str, environ: Mapping[str, str], project_name: str | None
    ) -> tuple[str, str, str | None]:
        """Return (repository URL, index URL, page URL) of target ``name``.

        Raises:
            ConfigError: a variable the kind needs is missing.
        """
        raise NotImplementedError

    @classmethod
    def credentials(cls, target: Target, environ: Mapping[str, str]) -> Credentials | None:
        """The kind's own credentials, tried before ``NOXSHIP_TARGET_*`` and ``TWINE_*``."""
        return None

    @classmethod
    def last_resort(cls, target: Target, environ: Mapping[str, str]) -> Credentials | None:
        """Credentials tried after every other source."""
        return None

    @classmethod
    def wanted(cls, target: Target) -> str:
        """The variables to set, for the error message when none are found."""
        prefix = target.env_prefix
        return f"{prefix}PASSWORD (and {prefix}USERNAME)"


class PyPIKind(TargetKind):
    """PyPI and TestPyPI: API tokens, or trusted publishing."""

    names = ("pypi", "testpypi")
    _token: ClassVar[Mapping[str, str]] = {"pypi": "PYPI_TOKEN", "testpypi": "TEST_PYPI_TOKEN"}
    _id_token: ClassVar[Mapping[str, str]] = {
        "pypi": "PYPI_ID_TOKEN",
        "testpypi": "TESTPYPI_ID_TOKEN",
    }

    @classmethod
    def urls(
        cls, name: str, environ: Mapping[str, str], project_name: str | None
    ) -> tuple[str, str, str | None]:
        from pypi_simple import PYPI_SIMPLE_ENDPOINT
        from twine.utils import DEFAULT_REPOSITORY, TEST_REPOSITORY

        # twine's constants name the upload URLs; TestPyPI's simple index is on
        # its upload host, and project pages are on the index host (PyPI docs,
        # "Simple repository API", "Using TestPyPI").
        upload = DEFAULT_REPOSITORY if name == "pypi" else TEST_REPOSITORY
        index = PYPI_SIMPLE_ENDPOINT if name == "pypi" else _on_host_of(upload, "/simple/")
        return upload, index, _on_host_of(index, "/project/")

    @classmethod
    def credentials(cls, target: Target, environ: Mapping[str, str]) -> Credentials | None:
        id_var = cls._id_token[target.name]
        tp = CredentialKind.TRUSTED_PUBLISHING
        if environ.get(id_var):
            return Credentials(
                TOKEN_USERNAME, None, f"trusted publishing (GitLab ID token {id_var})", tp, id_var
            )
        if environ.get("ACTIONS_ID_TOKEN_REQUEST_URL") and environ.get(
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
        ):
            return Credentials(TOKEN_USERNAME, None, "trusted publishing (GitHub Actions OIDC)", tp)
        token = secret_from(environ, cls._token[target.name])
        return Credentials(TOKEN_USERNAME, token, token.source) if token else None

    @classmethod
    def wanted(cls, target: Target) -> str:
        return (
            f"{cls._token[target.name]}, or TWINE_USERNAME and TWINE_PASSWORD, "
            "or use trusted publishing"
        )


def gitlab_access_token(environ: Mapping[str, str], user: str | None = None) -> Credentials | None:
    """``GITLAB_TOKEN``: a personal, project or group access token (GitLab docs,
    "Authenticate with the package registry"; the REST API takes it too)."""
    pat = secret_from(environ, "GITLAB_TOKEN")
    return Credentials(user or TOKEN_USERNAME, pat, pat.source) if pat else None


def gitlab_job_token(environ: Mapping[str, str]) -> Credentials | None:
    """``CI_JOB_TOKEN``, the job's own token (GitLab docs, "CI/CD job token")."""
    job = secret_from(environ, "CI_JOB_TOKEN")
    if job is None:
        return None
    source = "the CI job token CI_JOB_TOKEN"
    return Credentials(JOB_TOKEN_USERNAME, job, source, CredentialKind.JOB_TOKEN)


class GitLabKind(TargetKind):
    """A GitLab project's PyPI package registry."""

    names = ("gitlab",)
    packages_api = True

    @classmethod
    def urls(
        cls, name: str, environ: Mapping[str, str], project_name: str | None
    ) -> tuple[str, str, str | None]:
        api, project_id = environ.get("CI_API_V4_URL"), environ.get("CI_PROJECT_ID")
        missing = [k for k, v in (("CI_API_V4_URL", api), ("CI_PROJECT_ID", project_id)) if not v]
        if missing:
            raise ConfigError(
                f"target gitlab needs {' and '.join(missing)}: run in GitLab CI, or set them "
                "(CI_API_V4_URL=https://gitlab.example.com/api/v4, CI_PROJECT_ID=<numeric id>)"
            )
        base = f"{str(api).rstrip('/')}/projects/{project_id}/packages/pypi"
        server = environ.get("CI_PROJECT_URL")
        return base, f"{base}/simple/", f"{server}/-/packages" if server else None

    @classmethod
    def credentials(cls, target: Target, environ: Mapping[str, str]) -> Credentials | None:
        pat = gitlab_access_token(environ, environ.get(target.env_prefix + "USERNAME"))
        if pat:
            return pat
        for user_var, pass_var in (
            ("GITLAB_DEPLOY_USER", "GITLAB_DEPLOY_TOKEN"),
            ("CI_DEPLOY_USER", "CI_DEPLOY_PASSWORD"),
        ):
            deploy = secret_from(environ, pass_var)
            if deploy and environ.get(user_var):
                source = f"deploy token {pass_var}"
                return Credentials(environ[user_var], deploy, source, CredentialKind.DEPLOY_TOKEN)
        return None

    @classmethod
    def last_resort(cls, target: Target, environ: Mapping[str, str]) -> Credentials | None:
        return gitlab_job_token(environ)

    @classmethod
    def wanted(cls, target: Target) -> str:
        return "GITLAB_TOKEN, or GITLAB_DEPLOY_USER and GITLAB_DEPLOY_TOKEN (or run in GitLab CI)"


class CustomKind(TargetKind):
    """Any index named by ``NOXSHIP_TARGET_<NAME>_UPLOAD_URL`` and ``_INDEX_URL``."""

    @classmethod
    def urls(
        cls, name: str, environ: Mapping[str, str], project_name: str | None
    ) -> tuple[str, str, str | None]:
        prefix = env_prefix(name)
        known = ", ".join(BUILTIN_TARGETS)
        raise ConfigError(
            f"unknown target {name!r}: use one of {known}, or define it with "
            f"{prefix}UPLOAD_URL and {prefix}INDEX_URL"
        )


KINDS: tuple[type[TargetKind], ...] = (PyPIKind, GitLabKind)
"""The built-in kinds; any other name is a :class:`CustomKind`."""
BUILTIN_TARGETS = tuple(n for k in KINDS for n in k.names)


def resolve_target(
    name: str, environ: Mapping[str, str], project_name: str | None = None
) -> Target:
    """Return the target called ``name``.

    ``NOXSHIP_TARGET_<NAME>_UPLOAD_URL`` and ``NOXSHIP_TARGET_<NAME>_INDEX_URL``
    define a new target or override a built-in one's URLs (mirrors, tests).

    Args:
        name: the target's name.
        environ: the environment.
        project_name: used to build the project's page URL.

    Raises:
        ConfigError: the name is invalid or unknown, or a variable it needs is
            missing (for ``gitlab``: ``CI_API_V4_URL`` and ``CI_PROJECT_ID``), or
            a URL it is given is not an absolute http or https URL (RFC 3986).
    """
    name = name.lower()
    if not _NAME.match(name):
        raise ConfigError(f"target name {name!r} is invalid: use letters, digits, '-' and '_'")
    kind = next((k for k in KINDS if name in k.names), CustomKind)
    prefix = env_prefix(name)
    upload, index = environ.get(prefix + "UPLOAD_URL"), environ.get(prefix + "INDEX_URL")
    if upload:
        _checked_url(prefix + "UPLOAD_URL", upload)
    if index:
        _checked_url(prefix + "INDEX_URL", index)
    page: str | None = None
    if not (upload and index):
        default_upload, default_index, page = kind.urls(name, environ, project_name)
        upload, index = upload or default_upload, index or default_index
    overridden = bool(environ.get(prefix + "INDEX_URL"))
    if kind is PyPIKind:
        page = f"{page}{project_name}/" if project_name and page and not overridden else None
    index = index if index.endswith("/") else index + "/"
    return Target(
        name,
        upload,
        index,
        page,
        kind,
        overridden,
        _builtin_credentials(name, kind, upload, environ, project_name),
    )


def _builtin_credentials(
    name: str,
    kind: type[TargetKind],
    upload: str,
    environ: Mapping[str, str],
    project_name: str | None,
) -> bool:
    """Whether a built-in kind's credentials may go to ``upload``: it is the kind's
    own URL, or ``NOXSHIP_TARGET_<NAME>_TRUST_HOST`` names its host (``host`` or
    ``host:port``)."""
    if kind is CustomKind or not environ.get(env_prefix(name) + "UPLOAD_URL"):
        return True
    try:
        own, _, _ = kind.urls(name, environ, project_name)
    except ConfigError:
        own = ""
    if own and origin(own) == origin(upload):
        return True
    _, host, port = origin(upload)
    trusted = environ.get(env_prefix(name) + "TRUST_HOST", "").lower().split()
    return host in trusted or f"{host}:{port}" in trusted


def resolve_credentials(target: Target, environ: Mapping[str, str]) -> Credentials:
    """Find the credentials for ``target``; the log may say where, never what.

    Order: the kind's own (trusted publishing, then ``PYPI_TOKEN`` /
    ``TEST_PYPI_TOKEN`` for PyPI and TestPyPI; ``GITLAB_TOKEN``, then a deploy
    token for ``gitlab``); ``NOXSHIP_TARGET_<NAME>_PASSWORD``;
    ``TWINE_USERNAME``/``TWINE_PASSWORD`` (PyPI and TestPyPI only: twine's
    variables hold PyPI tokens); for ``gitlab`` last, ``CI_JOB_TOKEN``. A custom
    target takes only its own ``NOXSHIP_TARGET_<NAME>_*`` variables. A built-in
    target whose upload URL is overridden to another host gets none of its
    built-in credentials unless ``NOXSHIP_TARGET_<NAME>_TRUST_HOST`` names that host.

    Raises:
        CredentialsError: none are set; the message names the variables to set.
    """
    kind = target.kind or CustomKind
    builtin = target.builtin_credentials
    found = kind.credentials(target, environ) if builtin else None
    if found:
        return found
    prefix = target.env_prefix
    own = secret_from(environ, prefix + "PASSWORD")
    if own:
        return Credentials(environ.get(prefix + "USERNAME") or TOKEN_USERNAME, own, own.source)
    twine_password = secret_from(environ, "TWINE_PASSWORD")
    if twine_password and kind is PyPIKind and builtin:  # twine's variables: PyPI's tokens
        user = environ.get("TWINE_USERNAME") or TOKEN_USERNAME
        return Credentials(user, twine_password, twine_password.source)
    found = kind.last_resort(target, environ) if builtin else None
    if found:
        return found
    if not builtin:
        _, host, port = origin(target.repository_url)
        raise CredentialsError(
            f"target {target.name} uploads to {host}:{port} ({prefix}UPLOAD_URL), not its own "
            f"host, so its built-in credentials stay home: set {prefix}PASSWORD (and "
            f"{prefix}USERNAME), or {prefix}TRUST_HOST={host}:{port} to send them there"
        )
    raise CredentialsError(
        f"no credentials for target {target.name}: set {kind.wanted(target)} "
        "(in CI as a masked variable; on a laptop in .env)"
    )
