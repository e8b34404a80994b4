"""Hazardous material: the environment, the credentials in it, and their masking.

The one home of:

- :data:`CREDENTIAL_VARIABLES` and :func:`is_credential`: which variables hold
  credentials (README.md's credentials table, the CI systems' token variables);
- :func:`clean_env`: the environment for code noxship does not own (build
  backends, a project's tests, hooks, pip, uv), without any credential;
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
    "Redactor",
    "Secret",
    "clean_env",
    "credential_environment",
    "is_credential",
    "redactor_for",
    "sanitize_url",
    "secret_values",
    "without_index_settings",
]

HIDDEN = "<hidden>"

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
    }
)
"""Variables that hold credentials; removed from every environment noxship
hands to code it does not own. ``NOXSHIP_TARGET_<NAME>_*`` variables count too
(:func:`is_credential`)."""

_TARGET_VARIABLE = re.compile(
    r"^NOXSHIP_TARGET_[A-Z0-9_]+_(?:UPLOAD_URL|INDEX_URL|USERNAME|PASSWORD)$"
)
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

_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")


def is_credential(name: str) -> bool:
    """Tell whether the environment variable ``name`` holds a credential.

    True for the names in :data:`CREDENTIAL_VARIABLES` and for every
    ``NOXSHIP_TARGET_<NAME>_UPLOAD_URL``, ``_INDEX_URL`` (a URL may carry a
    user and password), ``_USERNAME`` and ``_PASSWORD``.
    """
    return name in CREDENTIAL_VARIABLES or bool(_TARGET_VARIABLE.match(name))


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
    """Return the environment without credentials, plus ``extra``.

    Args:
        extra: variables to add (never a credential: they are added as given).
        environ: the environment to clean; default this process's.

    Returns:
        A new dict without any variable for which :func:`is_credential` holds.
    """
    source = os.environ if environ is None else environ
    env = {k: v for k, v in source.items() if not is_credential(k)}
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
