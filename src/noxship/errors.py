"""Exceptions raised by noxship, and the process exit codes they map to.

Every exception carries a message that says what is wrong and what to do, in
one line. Only :mod:`noxship.cli` and :mod:`noxship.sessions` turn them into an
exit code or a failed Nox session, both through :func:`failure_line`, which
also turns any other exception into one line with exit code 1.

This module imports nothing from noxship: every other module may import it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

__all__ = [
    "ConfigError",
    "CredentialsError",
    "DistributionError",
    "ExitCode",
    "IndexConflictError",
    "IndexUnavailableError",
    "NoxshipError",
    "PlanError",
    "PublishError",
    "ToolError",
    "UsageError",
    "WheelTestError",
    "failure_line",
]


class ExitCode(enum.IntEnum):
    """Exit codes of the ``noxship`` command (README.md, ``docs/errors.md``)."""

    OK = 0
    """The command did what it was asked, including a plan that publishes nothing."""
    FAILURE = 1
    """A step of the pipeline failed: a build, a test run, an upload; or an unexpected error."""
    USAGE = 2
    """Bad input: arguments, inconsistent CI variables, a bad ``pyproject.toml``, an unknown target."""
    CREDENTIALS = 3
    """A target needs credentials that are not set, or the index refused them."""
    CONFLICT = 4
    """A file with the same name but other content is already on the target."""


class NoxshipError(Exception):
    """Base class of every error noxship raises on purpose.

    Args:
        message: one line: what is wrong, and what to do about it.
    """

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(NoxshipError):
    """The command line or a session's options after ``--`` are wrong."""

    exit_code = ExitCode.USAGE


class ConfigError(NoxshipError):
    """``pyproject.toml``, ``[tool.noxship]`` or a ``NOXSHIP_*`` variable is missing,
    malformed or inconsistent."""

    exit_code = ExitCode.USAGE


class PlanError(NoxshipError):
    """The CI variables contradict each other or the project (for example a release
    message whose version differs from the project's version)."""

    exit_code = ExitCode.USAGE


class DistributionError(NoxshipError):
    """``dist/`` does not hold exactly the distributions of this project and version."""

    exit_code = ExitCode.USAGE


class CredentialsError(NoxshipError):
    """A target needs credentials that are not set, or its index refused them
    (HTTP 401 or 403); the message names the variables."""

    exit_code = ExitCode.CREDENTIALS


class IndexConflictError(NoxshipError):
    """A file of the same name but other content (sha256) is already on the target."""

    exit_code = ExitCode.CONFLICT


class PublishError(NoxshipError):
    """An upload or the verification after it failed."""


class IndexUnavailableError(PublishError):
    """An index answered with a server error (5xx) or did not answer in time;
    retried with the upload's backoff before it is raised."""


class WheelTestError(NoxshipError):
    """The test suite failed against the installed wheel, or imported the source tree."""


class ToolError(NoxshipError):
    """An external tool (build, twine, pip, uv, pypiserver) failed or is missing.

    Args:
        message: one line: what failed, and what to do.
        output: the tool's captured (already redacted) output, when captured.
        returncode: the tool's exit code, when it ran and failed.
    """

    def __init__(self, message: str, output: str = "", returncode: int | None = None) -> None:
        super().__init__(message)
        self.output = output
        self.returncode = returncode

    @property
    def last_line(self) -> str:
        """The last line of the tool's output (where tools print their error),
        else the message."""
        lines = self.output.strip().splitlines()
        return lines[-1] if lines else str(self)


def failure_line(exc: BaseException, redact: Callable[[str], str]) -> tuple[str, ExitCode]:
    """Return the one line shown for ``exc`` and the exit code it maps to.

    A :class:`NoxshipError` gives its own message and exit code. Any other
    exception is a defect or an unforeseen failure: it gives its type and
    message, with exit code 1, a hint to re-run with ``--verbose`` for the
    traceback, and "please report this". The text goes through ``redact`` (a
    :class:`~noxship.environment.Redactor`), so no credential reaches the line.

    Args:
        exc: the exception that ended the command or session.
        redact: masks secrets and URL credentials in text.

    Returns:
        ``("noxship: error: <message>", exit code)``.
    """
    if isinstance(exc, NoxshipError):
        message, code = str(exc), exc.exit_code
    else:
        detail = " ".join(str(exc).split()) or "no message"
        message = (
            f"unexpected {type(exc).__name__}: {detail}; re-run with --verbose for the "
            "traceback, and please report this"
        )
        code = ExitCode.FAILURE
    return redact(f"noxship: error: {message}"), code
