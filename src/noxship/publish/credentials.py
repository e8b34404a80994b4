"""How noxship authenticates to a target: :class:`Credentials`, and an index URL
that carries them for uv. (Where they are read from, the environment and
``.env`` on a laptop, is :func:`noxship.environment.credential_environment`.)

The values are :class:`~noxship.environment.Secret` objects: logs say where a
credential came from, never what it is (twine's ``auth.Resolver`` does the same).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping

from noxship.environment import Secret

__all__ = [
    "JOB_TOKEN_USERNAME",
    "TOKEN_USERNAME",
    "CredentialKind",
    "Credentials",
    "secret_from",
    "url_with_credentials",
]

TOKEN_USERNAME = "__token__"
"""The HTTP basic user name for API tokens (PyPI's API token docs; twine's ``TOKEN_USERNAME``)."""
JOB_TOKEN_USERNAME = "gitlab-ci-token"
"""The HTTP basic user name for GitLab's ``CI_JOB_TOKEN`` (GitLab docs, "CI/CD job token")."""


class CredentialKind(enum.StrEnum):
    """What a credential is, which decides what it may call."""

    TOKEN = "token"
    """An API token, access token or password."""
    JOB_TOKEN = "job-token"
    """GitLab's ``CI_JOB_TOKEN``: package registry and Releases API."""
    DEPLOY_TOKEN = "deploy-token"
    """A GitLab deploy token: the package registry only, not the REST API."""
    TRUSTED_PUBLISHING = "trusted-publishing"
    """No stored secret: the CI's OIDC ID token is exchanged for an API token
    (PyPI's trusted publishing docs; :mod:`noxship.publish.trusted`)."""


@dataclasses.dataclass(frozen=True)
class Credentials:
    """How to authenticate to a target.

    Attributes:
        username: the HTTP basic user (``__token__`` for API tokens).
        password: the token or password; ``None`` for trusted publishing.
        source: where they came from, for the log; never the value.
        kind: what the credential is.
        id_token_variable: for trusted publishing on GitLab, the ``id_tokens``
            variable that holds the ID token (``PYPI_ID_TOKEN``).
    """

    username: str
    password: Secret | None
    source: str
    kind: CredentialKind = CredentialKind.TOKEN
    id_token_variable: str | None = None

    @property
    def trusted_publishing(self) -> bool:
        """``True`` when the CI's ID token is to be exchanged for an API token."""
        return self.kind is CredentialKind.TRUSTED_PUBLISHING


def secret_from(environ: Mapping[str, str], key: str) -> Secret | None:
    """Return the variable ``key`` as a :class:`Secret`, or ``None`` when unset or empty."""
    value = environ.get(key)
    return Secret(value, f"variable {key}") if value else None


def url_with_credentials(url: str, credentials: Credentials | None) -> str:
    """Return ``url`` with ``user:password@`` from ``credentials`` (percent-encoded,
    RFC 3986 section 3.2.1), or ``url`` itself for trusted publishing or none.

    The host is kept as written, so an IPv6 literal keeps its brackets.
    """
    if credentials is None or credentials.password is None:
        return url
    from rfc3986 import builder, uri_reference  # type: ignore[import-untyped]

    return str(
        builder.URIBuilder.from_uri(uri_reference(url))
        .add_credentials(credentials.username, credentials.password.reveal())
        .finalize()
        .unsplit()
    )
