"""Run external tools: log the command line (never a secret: credentials go
through the environment), stream or capture the output, turn failure into a
:class:`~noxship.errors.ToolError`."""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from noxship.errors import ToolError
from noxship.secrets import Redactor

__all__ = ["CREDENTIAL_VARIABLES", "clean_env", "run"]

logger = logging.getLogger("noxship")

CREDENTIAL_VARIABLES = (
    "TWINE_PASSWORD",
    "TWINE_USERNAME",
    "PYPI_TOKEN",
    "TEST_PYPI_TOKEN",
    "PYPI_ID_TOKEN",
    "TESTPYPI_ID_TOKEN",
    "GITLAB_TOKEN",
    "CI_JOB_TOKEN",
    "CI_DEPLOY_PASSWORD",
    "GITLAB_DEPLOY_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "GITHUB_TOKEN",
)
"""Variables removed from the environment of every tool that does not need them."""


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return this process's environment without credentials, plus ``extra``.

    Variables named in :data:`CREDENTIAL_VARIABLES` and any
    ``NOXSHIP_TARGET_*_PASSWORD`` are removed, so the project's tests and build
    backends never see a token.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in CREDENTIAL_VARIABLES
        and not (k.startswith("NOXSHIP_TARGET_") and k.endswith(("_PASSWORD", "_USERNAME")))
    }
    env.update(extra or {})
    return env


def run(
    args: Sequence[str | Path],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    capture: bool = False,
    redactor: Redactor | None = None,
    what: str | None = None,
    timeout: float | None = None,
) -> str:
    """Run a command and wait for it.

    Args:
        args: the command line; it is logged, so it must hold no secret.
        env: the whole environment for the command; default :func:`clean_env`.
        cwd: the working directory.
        capture: return the output instead of streaming it to stderr/stdout;
            the output is then logged only on failure.
        redactor: masks secrets in captured output before it is shown.
        what: a short description for the error message (``"twine upload"``).
        timeout: seconds before the command is killed.

    Returns:
        The captured standard output and error (empty when not captured).

    Raises:
        ToolError: the command is missing, timed out or exited non-zero.
    """
    argv = [str(a) for a in args]
    label = what or Path(argv[0]).name
    logger.info("$ %s", shlex.join(argv))
    redact = redactor or Redactor()
    try:
        proc = subprocess.run(
            argv,
            env=dict(env) if env is not None else clean_env(),
            cwd=cwd,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.STDOUT if capture else None,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise ToolError(f"{argv[0]} not found: install it, or reinstall noxship") from None
    except subprocess.TimeoutExpired:
        raise ToolError(f"{label} did not finish within {timeout:.0f} s: see the log") from None
    output = redact(proc.stdout or "") if capture else ""
    if proc.returncode != 0:
        if capture and output:
            sys.stderr.write(output if output.endswith("\n") else output + "\n")
        raise ToolError(
            f"{label} failed (exit code {proc.returncode}): see its output above", output
        )
    return output
