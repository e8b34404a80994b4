"""Exceptions raised by noxship, and the process exit codes they map to.

Every exception carries a message that says what is wrong and what to do, in
one line. Only :mod:`noxship.cli` and :mod:`noxship.sessions` turn them into an
exit code or a failed Nox session.
"""

from __future__ import annotations

import enum

__all__ = [
    "ConfigError",
    "CredentialsError",
    "DistributionError",
    "ExitCode",
    "IndexConflictError",
    "NoxshipError",
    "PlanError",
    "PublishError",
    "ToolError",
    "WheelTestError",
]


class ExitCode(enum.IntEnum):
    """Exit codes of the ``noxship`` command (documented in ``docs/errors.md``)."""

    OK = 0
    """The command did what it was asked, including a plan that publishes nothing."""
    FAILURE = 1
    """A step of the pipeline failed: a build, a test run, an upload."""
    USAGE = 2
    """Bad input: inconsistent CI variables, a bad ``pyproject.toml``, an unknown target."""
    CREDENTIALS = 3
    """A target needs credentials that are not set."""
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


class ConfigError(NoxshipError):
    """``pyproject.toml`` or ``[tool.noxship]`` is missing, malformed or inconsistent."""

    exit_code = ExitCode.USAGE


class PlanError(NoxshipError):
    """The CI variables contradict each other or the project (for example a release
    message whose version differs from the project's version)."""

    exit_code = ExitCode.USAGE


class DistributionError(NoxshipError):
    """``dist/`` does not hold exactly the distributions of this project and version."""

    exit_code = ExitCode.USAGE


class CredentialsError(NoxshipError):
    """A target needs credentials that are not set; the message names the variables."""

    exit_code = ExitCode.CREDENTIALS


class IndexConflictError(NoxshipError):
    """A file of the same name but other content (sha256) is already on the target."""

    exit_code = ExitCode.CONFLICT


class PublishError(NoxshipError):
    """An upload or the verification after it failed."""


class WheelTestError(NoxshipError):
    """The test suite failed against the installed wheel, or imported the source tree."""


class ToolError(NoxshipError):
    """An external tool (build, twine, pip, uv, pypiserver) failed or is missing.

    Args:
        message: one line: what failed, and what to do.
        output: the tool's captured (already redacted) output, when captured.
    """

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output
