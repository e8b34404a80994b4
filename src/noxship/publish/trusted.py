"""Trusted publishing: check the CI's ID token, then exchange it for a
short-lived API token once per job and target.

PyPI's protocol (PyPI docs, "Trusted publishers: internals"; warehouse
``oidc/views.py``): ``GET https://<upload host>/_/oidc/audience`` answers
``{"audience": "pypi"}``; the CI issues an OIDC ID token for that audience
(GitLab: an ``id_tokens`` variable such as ``PYPI_ID_TOKEN``; GitHub Actions:
the ``ACTIONS_ID_TOKEN_REQUEST_*`` endpoint, read with the ``id`` library);
``POST https://<upload host>/_/oidc/mint-token`` with ``{"token": <ID token>}``
answers ``{"success": true, "token": "pypi-…"}``, an API token valid for 15
minutes, or 422 with ``{"message": ..., "errors": [{"code", "description"}]}``.

PyPI accepts each ID token once (replay protection on its ``jti`` claim; the
error code is ``invalid-reuse-token``). twine exchanges the token on every call
of its own, so noxship does the exchange itself, once per process and target,
and gives twine the API token as a password for every upload, retries
included. The minted token lasts 15 minutes: before each upload,
:func:`renewed` mints a new one when the current one is 12 minutes old, on
GitHub Actions (which issues a new ID token on request); on GitLab the job's
ID token is spent, so the log says that an upload refused after expiry needs a
re-run of the job.

The exchange talks only to the target's own host (PyPI's, TestPyPI's, or one the
user named in ``NOXSHIP_TARGET_<NAME>_TRUST_HOST``: credential resolution drops
trusted publishing anywhere else), follows no redirect, and refuses an audience
other than the target's (``pypi``, ``testpypi``).

Before anything is built, :func:`check_claims` reads the ID token's claims
(without verifying the signature: PyPI does that) and says which claim cannot
match a trusted publisher: PyPI accepts ID tokens from gitlab.com and GitHub
Actions only, for its own audience.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from noxship.environment import Secret
from noxship.errors import CredentialsError, IndexUnavailableError
from noxship.publish.credentials import TOKEN_USERNAME, CredentialKind, Credentials

if TYPE_CHECKING:
    from noxship.publish.targets import Target

__all__ = ["ISSUERS", "RENEW_AFTER", "check_claims", "exchange_once", "id_token_claims", "renewed"]

logger = logging.getLogger("noxship")

ISSUERS = {
    "https://gitlab.com": "GitLab",
    "https://token.actions.githubusercontent.com": "GitHub Actions",
}
"""The OIDC issuers PyPI accepts for trusted publishing (PyPI docs, "Adding a
trusted publisher"; self-managed GitLab instances are not among them)."""

_TIMEOUT = 30.0
RENEW_AFTER = 12 * 60.0
"""Seconds after which a minted token is renewed (PyPI's last 15 minutes)."""
_MINTED: dict[tuple[str, str], tuple[Credentials, float]] = {}
"""(upload URL, credential source) -> the API token minted in this process, and when."""
_WARNED: set[tuple[str, str]] = set()


def _audience(target: Target) -> str:
    """The audience the index asks ID tokens to have (``GET /_/oidc/audience``)."""
    import requests

    url = urljoin(target.repository_url, "/_/oidc/audience")
    try:
        response = requests.get(url, timeout=_TIMEOUT, allow_redirects=False)
        response.raise_for_status()
        audience = str(response.json()["audience"])
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        raise IndexUnavailableError(
            f"target {target.name} did not tell its trusted-publishing audience ({url}: "
            f"{type(exc).__name__}): re-run, or publish with an API token"
        ) from None
    if audience != target.name or response.is_redirect:
        raise CredentialsError(
            f"target {target.name} asks for ID tokens of audience {audience!r}, not "
            f"{target.name!r}: noxship mints no token for another index; check "
            f"{target.env_prefix}UPLOAD_URL"
        )
    return audience


def _id_token(target: Target, credentials: Credentials, environ: Mapping[str, str]) -> Secret:
    """The CI's ID token: GitLab's ``id_tokens`` variable, else GitHub's, asked for."""
    if credentials.id_token_variable:
        return Secret(environ[credentials.id_token_variable], credentials.source)
    from id import IdentityError, detect_credential

    audience = _audience(target)
    try:
        token = detect_credential(audience)
    except IdentityError as exc:
        raise CredentialsError(
            f"no ID token for trusted publishing to {target.name} ({exc}): give the job "
            "`permissions: id-token: write`, or publish with an API token"
        ) from None
    if not token:
        raise CredentialsError(
            f"no ID token for trusted publishing to {target.name}: run in GitHub Actions with "
            "`permissions: id-token: write`, or in GitLab with an id_tokens entry"
        )
    return Secret(token, credentials.source)


def id_token_claims(token: Secret) -> dict[str, object]:
    """The claims of an ID token, decoded without verifying it (PyPI verifies).

    Raises:
        CredentialsError: the token is not a JWT.
    """
    import jwt

    try:
        claims = jwt.decode(token.reveal(), options={"verify_signature": False})
    except jwt.PyJWTError:
        raise CredentialsError(
            f"the ID token from {token.source} is not a JWT: check the id_tokens entry"
        ) from None
    return dict(claims)


def _expected(target: Target, environ: Mapping[str, str]) -> dict[str, str]:
    """GitLab ID token claim -> the value this job says it must have (GitLab docs,
    "ID token authentication": ``aud``, ``project_path``, ``ref``, ``environment``)."""
    expected = {
        "aud": target.name if target.is_pypi else "",
        "project_path": environ.get("CI_PROJECT_PATH", ""),
        "ref": environ.get("CI_COMMIT_REF_NAME", ""),
        "environment": environ.get(target.env_prefix + "ENVIRONMENT", ""),
    }
    return {k: v for k, v in expected.items() if v}


def check_claims(
    target: Target, credentials: Credentials, environ: Mapping[str, str]
) -> dict[str, object]:
    """Check, before anything is built, that a GitLab ID token can match a
    trusted publisher of ``target``: its issuer is one PyPI accepts
    (:data:`ISSUERS`), its audience is the target's (``pypi``, ``testpypi``),
    its project and ref are this job's, and its environment is the one
    ``NOXSHIP_TARGET_<NAME>_ENVIRONMENT`` names (the trusted-publisher form's
    "Environment name"; the GitLab component sets it). A GitHub token is asked
    for only at the exchange, and GitHub issues it for the running workflow.

    Args:
        target: the target.
        credentials: its credentials; nothing is checked unless they are
            trusted publishing with an ID token in a variable (GitLab).
        environ: the environment (the ID token, the CI variables).

    Returns:
        The token's claims (empty when nothing was checked).

    Raises:
        CredentialsError: a claim cannot match; the message names the claim,
            its value and what to change.
    """
    if not credentials.trusted_publishing or not credentials.id_token_variable:
        return {}
    variable = credentials.id_token_variable
    claims = id_token_claims(Secret(environ[variable], credentials.source))
    issuer = str(claims.get("iss", ""))
    if issuer not in ISSUERS:
        raise CredentialsError(
            f"the ID token {variable} was issued by {issuer!r}; PyPI accepts trusted "
            f"publishing only from {' and '.join(ISSUERS)}: publish to {target.name} with "
            "an API token instead"
        )
    for claim, wanted in _expected(target, environ).items():
        found = claims.get(claim)
        if found != wanted:
            raise CredentialsError(
                f"the ID token {variable} has {claim} {found!r}, but trusted publishing to "
                f"{target.name} needs {wanted!r}: {_fix(claim, target)}"
            )
    logger.info(
        "trusted publishing to %s: the ID token's claims can match (%s, project %s)",
        target.name,
        ISSUERS[issuer],
        claims.get("project_path"),
    )
    return claims


def _fix(claim: str, target: Target) -> str:
    return {
        "aud": f"set `aud: {target.name}` in the job's id_tokens entry",
        "project_path": "the token was issued to another project: define id_tokens in this "
        "project's pipeline",
        "ref": "the token was issued for another ref: re-run the pipeline",
        "environment": f"run the job in environment {target.name!r} (`environment:`), as the "
        f"trusted publisher on {target.name} names it",
    }.get(claim, "check the trusted publisher's settings")


def _mint(target: Target, id_token: Secret) -> Secret:
    import requests

    url = urljoin(target.repository_url, "/_/oidc/mint-token")
    try:
        response = requests.post(
            url, json={"token": id_token.reveal()}, timeout=_TIMEOUT, allow_redirects=False
        )
    except requests.RequestException as exc:
        raise IndexUnavailableError(
            f"cannot reach {target.name}'s token exchange ({type(exc).__name__}): re-run"
        ) from None
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    if response.is_redirect:
        raise CredentialsError(
            f"{target.name}'s token exchange answered a redirect (HTTP {response.status_code}): "
            "the ID token goes to no other host; check the upload URL"
        )
    if response.status_code >= 500:
        raise IndexUnavailableError(
            f"{target.name}'s token exchange answered HTTP {response.status_code}: re-run"
        )
    if not response.ok or not isinstance(payload, dict) or not payload.get("token"):
        errors = payload.get("errors") if isinstance(payload, dict) else None
        said = (
            "; ".join(
                f"{e.get('code')}: {e.get('description')}"
                for e in errors or []
                if isinstance(e, dict)
            )
            or f"HTTP {response.status_code}"
        )
        raise CredentialsError(
            f"{target.name} refused the trusted-publishing exchange ({said}): check the "
            "trusted publisher on the index against the job (project, workflow or pipeline "
            "file, environment)"
        )
    return Secret(str(payload["token"]), f"a token minted by trusted publishing to {target.name}")


def exchange_once(
    target: Target, credentials: Credentials, environ: Mapping[str, str]
) -> Credentials:
    """Return API-token credentials for ``target``: for trusted publishing, the
    ID token exchanged once per process (see the module docstring); other
    credentials unchanged.

    Raises:
        CredentialsError: the ID token's claims cannot match, or the index
            refused the exchange (its error codes are in the message).
        IndexUnavailableError: the exchange could not be reached, or failed (5xx).
    """
    if not credentials.trusted_publishing:
        return credentials
    key = (target.repository_url, credentials.source)
    if key not in _MINTED:
        check_claims(target, credentials, environ)
        _MINTED[key] = (_minted(target, credentials, environ), time.monotonic())
        logger.info(
            "trusted publishing to %s: exchanged the ID token once (%s)",
            target.name,
            credentials.source,
        )
    return _MINTED[key][0]


def _minted(target: Target, credentials: Credentials, environ: Mapping[str, str]) -> Credentials:
    minted = _mint(target, _id_token(target, credentials, environ))
    return Credentials(TOKEN_USERNAME, minted, minted.source, CredentialKind.TOKEN)


def renewed(
    target: Target, credentials: Credentials, environ: Mapping[str, str], now: float | None = None
) -> Credentials | None:
    """A new API token for ``target`` when the one minted for ``credentials`` (the
    trusted-publishing ones) is :data:`RENEW_AFTER` seconds old, else ``None``.

    On GitHub Actions a fresh ID token is requested and exchanged. On GitLab the
    job's ID token was spent by the first exchange: the log says so once, and
    ``None`` is returned (an upload refused after expiry needs a re-run).

    Raises:
        CredentialsError, IndexUnavailableError: as :func:`exchange_once`.
    """
    key = (target.repository_url, credentials.source)
    if not credentials.trusted_publishing or key not in _MINTED:
        return None
    _, minted_at = _MINTED[key]
    age = (time.monotonic() if now is None else now) - minted_at
    if age < RENEW_AFTER:
        return None
    if credentials.id_token_variable:  # GitLab: the ID token is spent
        if key not in _WARNED:
            _WARNED.add(key)
            logger.warning(
                "trusted publishing to %s: the token minted %d minutes ago lasts 15 minutes, "
                "and GitLab's ID token %s cannot be exchanged twice: if an upload is refused, "
                "re-run the job (uploaded files are skipped)",
                target.name,
                age // 60,
                credentials.id_token_variable,
            )
        return None
    fresh = _minted(target, credentials, environ)
    _MINTED[key] = (fresh, time.monotonic() if now is None else now)
    logger.info(
        "trusted publishing to %s: renewed the API token (%d minutes old)", target.name, age // 60
    )
    return fresh
