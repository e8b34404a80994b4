"""Hazardous material: the environment, the credentials in it, and their masking.

The one home of:

- :data:`CREDENTIAL_VARIABLES` and :func:`is_credential`: which variables hold
  credentials (README.md's credentials table, the CI systems' token variables);
- :func:`clean_env`: the environment for code noxship does not own (build
  backends, a project's tests, hooks, pip, uv): an allow-list of variables
  (:data:`PASSED_VARIABLES`, :data:`PASSED_PREFIXES`), never a credential;
- :func:`without_index_settings`: the same environment without the pip and uv
  variables and configuration files that add or replace a package index;
- :func:`credential_environment`: the variables credentials are read from
  (``.env`` merged on a laptop), and :func:`secret_values`: the secrets in them;
- :class:`Secret`, :func:`sanitize_url` and :class:`Redactor`: a value that
  hides itself, and the masking of secrets in text and log records.

Sources: twine's ``sanitize_url`` (``twine.utils``); pip's ``PIP_<OPTION>``
variables ("pip configuration: environment variables"); uv's environment
variables reference (``UV_INDEX``, ``UV_DEFAULT_INDEX``, ``UV_INDEX_URL``,
``UV_EXTRA_INDEX_URL``, ``UV_FIND_LINKS``, ``UV_NO_CONFIG``). This module
imports nothing from noxship: it is at the bottom of the import graph.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging

__all__ = [
    "CREDENTIAL_VARIABLES",
    "HIDDEN",
    "PASSED_PREFIXES",
    "PASSED_VARIABLES",
    "Redactor",
    "Secret",
    "clean_env",
    "credential_environment",
    "is_credential",
    "passed",
    "redactor_for",
    "sanitize_url",
    "secret_values",
    "without_index_settings",
]

HIDDEN = "<hidden>"
"""What a masked secret reads as in logs, errors and reprs."""

CREDENTIAL_VARIABLES = frozenset(
    {
        # README.md's credentials table.
        "TWINE_USERNAME",
        "TWINE_PASSWORD",
        "PYPI_TOKEN",
        "TEST_PYPI_TOKEN",
        "PYPI_ID_TOKEN",
        "TESTPYPI_ID_TOKEN",
        "GITLAB_TOKEN",
        "GITLAB_DEPLOY_USER",
        "GITLAB_DEPLOY_TOKEN",
        "CI_JOB_TOKEN",
        # GitLab's predefined deploy token variables ("Predefined CI/CD variables").
        "CI_DEPLOY_USER",
        "CI_DEPLOY_PASSWORD",
        # GitLab's Sigstore ID token for PEP 740 attestations.
        "SIGSTORE_ID_TOKEN",
        # GitHub Actions: the OIDC request token and URL, and the workflow token.
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "GITHUB_TOKEN",
        # noxship's own hand-over of GITHUB_TOKEN to git's credential helper.
        "NOXSHIP_GIT_TOKEN",
        # GitLab's own copies of the job token ("Predefined CI/CD variables"):
        # the clone URL carries it in its userinfo.
        "CI_REPOSITORY_URL",
        "CI_REGISTRY_PASSWORD",
        "CI_DEPENDENCY_PROXY_PASSWORD",
        # The GitHub CLI's token, the Actions runtime's, and uv's publish credentials.
        "GH_TOKEN",
        "ACTIONS_RUNTIME_TOKEN",
        "UV_PUBLISH_TOKEN",
        "UV_PUBLISH_USERNAME",
        "UV_PUBLISH_PASSWORD",
    }
)
"""Variables that hold credentials; removed from every environment noxship
hands to code it does not own. ``NOXSHIP_TARGET_<NAME>_*`` variables count too
(:func:`is_credential`)."""

_TARGET_VARIABLE = re.compile(
    r"^NOXSHIP_TARGET_[A-Z0-9_]+_(?:UPLOAD_URL|INDEX_URL|USERNAME|PASSWORD)$"
    r"|^UV_INDEX_[A-Z0-9_]+_(?:USERNAME|PASSWORD)$"
)
_SECRET_NAME = re.compile(
    r"(?:TOKEN|PASSWORD|PASSWD|SECRET|CREDENTIALS?|_KEY|_PAT|_AUTH|JWT(?:_V\d)?)$"
)
"""Names that say they hold a secret: never passed, whatever the allow-list says."""

PASSED_VARIABLES = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "SHELL",
        "LANG",
        "LANGUAGE",
        "TERM",
        "TZ",
        "TMPDIR",
        "TEMP",
        "TMP",
        "COLUMNS",
        "LINES",
        "NO_COLOR",
        "FORCE_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "DISPLAY",
        "SOURCE_DATE_EPOCH",
        "VIRTUAL_ENV",
        "CONDA_PREFIX",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "http_proxy",
        "https_proxy",
        "no_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
        "all_proxy",
        "CC",
        "CXX",
        "LD",
        "AR",
        "CFLAGS",
        "CXXFLAGS",
        "CPPFLAGS",
        "LDFLAGS",
        "LD_LIBRARY_PATH",
        "LIBRARY_PATH",
        "CPATH",
        "PKG_CONFIG_PATH",
        "MAKEFLAGS",
        "JAVA_HOME",
        "MACOSX_DEPLOYMENT_TARGET",
        "ARCHFLAGS",
        "CI",
        "GITLAB_CI",
        "GITHUB_ACTIONS",
        "SYSTEMROOT",
        "SystemRoot",
        "COMSPEC",
        "PATHEXT",
        "WINDIR",
        "APPDATA",
        "LOCALAPPDATA",
        "USERPROFILE",
        "PROGRAMDATA",
        "PROGRAMFILES",
        "NUMBER_OF_PROCESSORS",
        "PROCESSOR_ARCHITECTURE",
        # The shell's own: a shell started without SHLVL takes itself for a login's
        # first and may reset PATH from the profile (pyenv's, for one).
        "SHLVL",
        "PWD",
        "OLDPWD",
        "HOSTNAME",
    }
)
"""Variables passed, by name, to code noxship does not own (:func:`clean_env`)."""
PASSED_PREFIXES = (
    "LC_",
    "XDG_",
    "PYTHON",
    "PIP_",
    "UV_",
    "NOX",
    "PYTEST_",
    "COVERAGE_",
    "HYPOTHESIS_",
    "SETUPTOOLS_",
    "PDM_",
    "PBR_",
    "HATCH_",
    "FLIT_",
    "POETRY_",
    "MATURIN_",
    "CARGO_",
    "RUSTUP_",
    "CIBW_",
    "CI_",
    "GITHUB_",
    "RUNNER_",
    "GIT_",
    "PYENV",
    "TOX_",
    "VIRTUALENV_",
    "CMAKE_",
    "MESON",
    "SKBUILD_",
    "AUDITWHEEL_",
    "NPY_",
    "OMP_",
    "MKL_",
)
"""Prefixes of the variables passed (the tools' own settings, CI metadata); a name
with a secret's suffix (``CI_JOB_TOKEN``, ``UV_INDEX_X_PASSWORD``) never is."""
_MASKED_SUFFIXES = ("TOKEN", "PASSWORD")

_PIP_UV_INDEX_VARIABLES = frozenset(
    {
        "UV_INDEX",
        "UV_DEFAULT_INDEX",
        "UV_INDEX_URL",
        "UV_EXTRA_INDEX_URL",
        "UV_FIND_LINKS",
        "UV_NO_INDEX",
        "UV_CONFIG_FILE",
        "UV_OFFLINE",
        "UV_INDEX_STRATEGY",
        "UV_KEYRING_PROVIDER",
    }
)

_PASSWORD_IN_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/@\s:]+:[^/@\s]+@")
"""A URL whose userinfo holds a password (``https://user:token@host``)."""
_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")


def is_credential(name: str) -> bool:
    """Tell whether the environment variable ``name`` holds a credential.

    True for the names in :data:`CREDENTIAL_VARIABLES`, for every
    ``NOXSHIP_TARGET_<NAME>_UPLOAD_URL``, ``_INDEX_URL`` (a URL may carry a
    user and password), ``_USERNAME`` and ``_PASSWORD``, and for uv's per-index
    ``UV_INDEX_<NAME>_USERNAME`` and ``_PASSWORD`` (uv docs, "Index authentication").
    """
    return name in CREDENTIAL_VARIABLES or bool(_TARGET_VARIABLE.match(name))


def passed(name: str) -> bool:
    """Tell whether ``name`` may reach code noxship does not own: it is in
    :data:`PASSED_VARIABLES` or starts with one of :data:`PASSED_PREFIXES`, and
    it is neither a credential (:func:`is_credential`) nor named like a secret."""
    if is_credential(name) or _SECRET_NAME.search(name.upper()):
        return False
    return name in PASSED_VARIABLES or name.startswith(PASSED_PREFIXES)


def _masked(name: str) -> bool:
    return is_credential(name) and name.endswith(_MASKED_SUFFIXES)


def secret_values(environ: Mapping[str, str]) -> list[str]:
    """Return the values of the token and password variables in ``environ``
    (credentials by :func:`is_credential` whose names end in ``TOKEN`` or
    ``PASSWORD``; user names and URLs are not secrets to look for)."""
    return [v for k, v in environ.items() if _masked(k) and v]


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


def clean_env(
    extra: Mapping[str, str] | None = None, *, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Return the environment for code noxship does not own, plus ``extra``.

    An allow-list: only the variables :func:`passed` admits (the system's, the
    build and test tools' own settings, CI metadata), and of those none whose
    value holds a credential's value, a password in a URL's userinfo
    (``https://user:token@host``), or a secret noxship knows of.
    ``NOXSHIP_PASS_ENV`` (names separated by spaces or commas) passes more
    variables by name; a credential never.

    Args:
        extra: variables to add (never a credential: they are added as given).
        environ: the environment to clean; default this process's.

    Returns:
        A new dict.
    """
    source = os.environ if environ is None else environ
    wanted = set(source.get("NOXSHIP_PASS_ENV", "").replace(",", " ").split())
    secrets = [v for k, v in source.items() if is_credential(k) and len(v) >= 8]
    env = {}
    for name, value in source.items():
        if not (passed(name) or (name in wanted and not is_credential(name))):
            continue
        if _PASSWORD_IN_URL.search(value) or any(secret in value for secret in secrets):
            continue
        env[name] = value
    env.update(extra or {})
    return env


def without_index_settings(env: Mapping[str, str]) -> dict[str, str]:
    """Return ``env`` without anything that tells pip or uv where packages come from.

    Every ``PIP_*`` variable and the uv variables that add, replace or rank an
    index or a find-links location are removed, and ``UV_NO_CONFIG=1`` makes uv
    ignore its configuration files, so that the caller's ``--index-url`` (or
    ``UV_INDEX``/``UV_DEFAULT_INDEX``) are the only sources.
    """
    kept = {
        k: v
        for k, v in env.items()
        if not k.startswith("PIP_") and k not in _PIP_UV_INDEX_VARIABLES
    }
    kept["UV_NO_CONFIG"] = "1"
    return kept


class Secret:
    """A credential value that hides itself.

    Args:
        value: the secret text (a token or password).
        source: where it came from, for logs (for example ``"variable
            PYPI_TOKEN"``); never the value.
    """

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str) -> None:
        self._value = value
        self.source = source

    def reveal(self) -> str:
        """Return the secret text. Call it only to hand it to the code that sends it."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({HIDDEN}, source={self.source!r})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> str:
        raise TypeError("a Secret cannot be pickled")


def sanitize_url(text: str) -> str:
    """Return ``text`` with the ``user:password@`` part of every URL in it
    replaced by ``<hidden>@``.

    The rule of ``twine.utils.sanitize_url``, applied to every URL inside a
    text, so it also serves tracebacks and tool output.
    """
    return _URL_USERINFO.sub(lambda m: f"{m['scheme']}{HIDDEN}@", text)


class Redactor:
    """Mask secrets in text and in log records.

    A filter for :mod:`logging` handlers (``handler.addFilter(redactor)``: logging
    calls any object's ``filter`` method); not a ``logging.Filter`` subclass, so
    that ``noxship plan`` starts without importing :mod:`logging`.

    Args:
        secrets: values to mask wherever they appear; values shorter than four
            characters are ignored, since masking them would garble the text.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        for value in secrets:
            self.add(value)

    def add(self, value: str | Secret | None) -> None:
        """Mask ``value`` from now on (``None`` is ignored)."""
        if isinstance(value, Secret):
            value = value.reveal()
        if value is not None and len(value) >= 4:
            self._secrets.add(value)

    def add_all(self, other: Redactor) -> None:
        """Mask every secret ``other`` masks, from now on."""
        self._secrets |= other._secrets

    def __call__(self, text: str) -> str:
        """Return ``text`` with every known secret and URL credential masked."""
        for value in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(value, HIDDEN)
        return sanitize_url(text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record's message and traceback; keep the record (logging's filter protocol)."""
        import logging

        record.msg = self(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def redactor_for(environ: Mapping[str, str] | None = None) -> Redactor:
    """Return a :class:`Redactor` that masks the value of every token and password
    variable in ``environ`` (default this process's environment)."""
    return Redactor(secret_values(os.environ if environ is None else environ))
