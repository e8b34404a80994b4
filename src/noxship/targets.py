"""Where distributions go: the targets ``pypi``, ``testpypi``, ``gitlab`` and any
target defined by ``NOXSHIP_TARGET_<NAME>_*`` variables, and the credentials for
each, resolved without ever showing a value.

Sources: twine's repository constants (``twine.utils.DEFAULT_REPOSITORY``,
``TEST_REPOSITORY``) and pypi-simple's ``PYPI_SIMPLE_ENDPOINT``; GitLab's PyPI
package registry docs (upload to ``<CI_API_V4_URL>/projects/<id>/packages/pypi``,
install from ``.../packages/pypi/simple``; job token user ``gitlab-ci-token``);
PyPI's trusted publishing docs (``PYPI_ID_TOKEN``/``TESTPYPI_ID_TOKEN`` on GitLab,
``ACTIONS_ID_TOKEN_REQUEST_URL`` on GitHub; twine exchanges the ID token).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path

from noxship.errors import ConfigError, CredentialsError
from noxship.secrets import Secret

__all__ = [
    "BUILTIN_TARGETS",
    "Credentials",
    "Target",
    "credential_environment",
    "resolve_credentials",
    "resolve_target",
    "twine_environment",
]

BUILTIN_TARGETS = ("pypi", "testpypi", "gitlab")
TOKEN_USERNAME = "__token__"
JOB_TOKEN_USERNAME = "gitlab-ci-token"
_ID_TOKEN_VARIABLES = (
    "PYPI_ID_TOKEN",
    "TESTPYPI_ID_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
)
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclasses.dataclass(frozen=True)
class Target:
    """A package index that receives uploads.

    Attributes:
        name: the target's name (``pypi``, ``testpypi``, ``gitlab`` or user-defined).
        upload_url: the repository URL twine uploads to.
        index_url: the PEP 503 simple index to look files up and install from.
        page_url: a web page of the project on the target, when known.
    """

    name: str
    upload_url: str
    index_url: str
    page_url: str | None = None

    @property
    def env_prefix(self) -> str:
        """``NOXSHIP_TARGET_<NAME>_``, the prefix of the variables that configure it."""
        return env_prefix(self.name)

    @property
    def is_pypi(self) -> bool:
        """``True`` for ``pypi`` and ``testpypi``, which twine and PyPI treat specially."""
        return self.name in {"pypi", "testpypi"}


@dataclasses.dataclass(frozen=True)
class Credentials:
    """How to authenticate to a target.

    Attributes:
        username: the HTTP basic user (``__token__`` for API tokens).
        password: the token or password; ``None`` for trusted publishing, where
            twine exchanges the CI's ID token itself.
        source: where they came from, for the log; never the value.
        kind: ``"token"`` (an API or access token, or a password),
            ``"job-token"`` (GitLab's ``CI_JOB_TOKEN``), ``"deploy-token"``
            (a GitLab deploy token: the package registry only, not the REST
            API) or ``"trusted-publishing"``.
    """

    username: str
    password: Secret | None
    source: str
    kind: str = "token"

    @property
    def trusted_publishing(self) -> bool:
        """``True`` when twine does a trusted-publishing exchange."""
        return self.password is None


def env_prefix(name: str) -> str:
    """Return ``NOXSHIP_TARGET_<NAME>_`` for a target name (``-`` becomes ``_``)."""
    return f"NOXSHIP_TARGET_{name.upper().replace('-', '_')}_"


def credential_environment(root: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """Return the variables credentials are read from.

    On a laptop (``CI`` unset) a ``.env`` file in ``root`` is read with
    python-dotenv; the process environment wins over it. In CI the file is
    ignored, so a stray ``.env`` never overrides the pipeline's variables.

    Args:
        root: the project directory.
        environ: the process environment.
    """
    merged: dict[str, str] = {}
    dotenv = root / ".env"
    if not environ.get("CI") and dotenv.is_file():
        from dotenv import dotenv_values

        merged.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    merged.update(environ)
    return merged


def _pypi_urls(name: str) -> tuple[str, str]:
    from pypi_simple import PYPI_SIMPLE_ENDPOINT
    from twine.utils import DEFAULT_REPOSITORY, TEST_REPOSITORY

    if name == "pypi":
        return DEFAULT_REPOSITORY, PYPI_SIMPLE_ENDPOINT
    # TestPyPI serves its simple index beside its legacy upload endpoint.
    return TEST_REPOSITORY, TEST_REPOSITORY.replace("/legacy/", "/simple/")


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
        ConfigError: the name is unknown, or a variable it needs is missing
            (for ``gitlab``: ``CI_API_V4_URL`` and ``CI_PROJECT_ID``).
    """
    name = name.lower()
    if not _NAME.match(name):
        raise ConfigError(f"target name {name!r} is invalid: use letters, digits, '-' and '_'")
    prefix = env_prefix(name)
    upload = environ.get(prefix + "UPLOAD_URL")
    index = environ.get(prefix + "INDEX_URL")
    page: str | None = None
    if name in {"pypi", "testpypi"}:
        default_upload, default_index = _pypi_urls(name)
        if project_name and not index:
            page = default_index.replace("/simple/", f"/project/{project_name}/")
        upload, index = upload or default_upload, index or default_index
    elif name == "gitlab" and not (upload and index):
        api, project_id = environ.get("CI_API_V4_URL"), environ.get("CI_PROJECT_ID")
        missing = [k for k, v in (("CI_API_V4_URL", api), ("CI_PROJECT_ID", project_id)) if not v]
        if missing:
            raise ConfigError(
                f"target gitlab needs {' and '.join(missing)}: run in GitLab CI, or set them "
                "(CI_API_V4_URL=https://gitlab.example.com/api/v4, CI_PROJECT_ID=<numeric id>)"
            )
        base = f"{str(api).rstrip('/')}/projects/{project_id}/packages/pypi"
        upload, index = upload or base, index or f"{base}/simple/"
        server = environ.get("CI_PROJECT_URL")
        if server:
            page = f"{server}/-/packages"
    elif not upload or not index:
        known = ", ".join(BUILTIN_TARGETS)
        raise ConfigError(
            f"unknown target {name!r}: use one of {known}, or define it with "
            f"{prefix}UPLOAD_URL and {prefix}INDEX_URL"
        )
    if not index.endswith("/"):
        index += "/"
    return Target(name=name, upload_url=upload, index_url=index, page_url=page)


def _secret(environ: Mapping[str, str], key: str) -> Secret | None:
    value = environ.get(key)
    return Secret(value, f"variable {key}") if value else None


def resolve_credentials(target: Target, environ: Mapping[str, str]) -> Credentials:
    """Find the credentials for ``target``; the log may say where, never what.

    Order: trusted publishing when an ID token is available (``pypi`` and
    ``testpypi``); the target's own variables (``PYPI_TOKEN``,
    ``TEST_PYPI_TOKEN``, ``NOXSHIP_TARGET_<NAME>_PASSWORD``; for ``gitlab``:
    ``GITLAB_TOKEN``, a deploy token, then ``CI_JOB_TOKEN``); then
    ``TWINE_USERNAME``/``TWINE_PASSWORD``.

    Raises:
        CredentialsError: none are set; the message names the variables to set.
    """
    prefix = target.env_prefix
    user_override = environ.get(prefix + "USERNAME")
    if target.name in {"pypi", "testpypi"}:
        id_var = "PYPI_ID_TOKEN" if target.name == "pypi" else "TESTPYPI_ID_TOKEN"
        if environ.get(id_var):
            return Credentials(
                TOKEN_USERNAME,
                None,
                f"trusted publishing (GitLab ID token {id_var})",
                "trusted-publishing",
            )
        if environ.get("ACTIONS_ID_TOKEN_REQUEST_URL") and environ.get(
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
        ):
            return Credentials(
                TOKEN_USERNAME,
                None,
                "trusted publishing (GitHub Actions OIDC)",
                "trusted-publishing",
            )
        token_var = "PYPI_TOKEN" if target.name == "pypi" else "TEST_PYPI_TOKEN"
        token = _secret(environ, token_var)
        if token:
            return Credentials(TOKEN_USERNAME, token, token.source)
    own = _secret(environ, prefix + "PASSWORD")
    if own:
        return Credentials(user_override or TOKEN_USERNAME, own, own.source)
    if target.name == "gitlab":
        pat = _secret(environ, "GITLAB_TOKEN")
        if pat:
            return Credentials(user_override or TOKEN_USERNAME, pat, pat.source)
        for user_var, pass_var in (
            ("GITLAB_DEPLOY_USER", "GITLAB_DEPLOY_TOKEN"),
            ("CI_DEPLOY_USER", "CI_DEPLOY_PASSWORD"),
        ):
            deploy = _secret(environ, pass_var)
            if deploy and environ.get(user_var):
                return Credentials(
                    environ[user_var], deploy, f"deploy token {pass_var}", "deploy-token"
                )
    twine_password = _secret(environ, "TWINE_PASSWORD")
    if twine_password:
        return Credentials(
            environ.get("TWINE_USERNAME") or TOKEN_USERNAME, twine_password, twine_password.source
        )
    if target.name == "gitlab":
        job = _secret(environ, "CI_JOB_TOKEN")
        if job:
            return Credentials(
                JOB_TOKEN_USERNAME, job, "the CI job token CI_JOB_TOKEN", "job-token"
            )
    raise CredentialsError(
        f"no credentials for target {target.name}: set {_wanted(target)} "
        "(in CI as a masked variable; on a laptop in .env)"
    )


def _wanted(target: Target) -> str:
    prefix = target.env_prefix
    if target.name == "pypi":
        return "PYPI_TOKEN, or TWINE_USERNAME and TWINE_PASSWORD, or use trusted publishing"
    if target.name == "testpypi":
        return "TEST_PYPI_TOKEN, or TWINE_USERNAME and TWINE_PASSWORD, or use trusted publishing"
    if target.name == "gitlab":
        return "GITLAB_TOKEN, or GITLAB_DEPLOY_USER and GITLAB_DEPLOY_TOKEN (or run in GitLab CI)"
    return f"{prefix}PASSWORD (and {prefix}USERNAME), or TWINE_USERNAME and TWINE_PASSWORD"


def twine_environment(
    target: Target,
    credentials: Credentials,
    base: Mapping[str, str],
    environ: Mapping[str, str],
) -> dict[str, str]:
    """Return the environment for a ``twine upload`` subprocess.

    The credentials go in ``TWINE_USERNAME`` and ``TWINE_PASSWORD`` (never in
    argv, which nox and CI logs show); ``TWINE_REPOSITORY_URL`` names the
    target; ``TWINE_NON_INTERACTIVE`` stops twine from prompting.

    Args:
        target: where to upload.
        credentials: how to authenticate.
        base: the rest of the environment (without other credentials).
        environ: where trusted publishing's ID-token variables are copied from.
    """
    env = dict(base)
    env.update(
        {
            "TWINE_REPOSITORY_URL": target.upload_url,
            "TWINE_USERNAME": credentials.username,
            "TWINE_NON_INTERACTIVE": "1",
        }
    )
    env.pop("TWINE_PASSWORD", None)
    env.pop("TWINE_REPOSITORY", None)
    if credentials.password is not None:
        env["TWINE_PASSWORD"] = credentials.password.reveal()
    else:
        for key in _ID_TOKEN_VARIABLES:
            if environ.get(key):
                env[key] = environ[key]
    return env
