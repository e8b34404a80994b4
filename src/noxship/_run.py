"""Run external tools: log the command line (never a secret: credentials go
through the environment), stream or capture the output, turn failure into a
:class:`~noxship.errors.ToolError`; find uv and a venv's interpreter."""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from noxship.environment import Redactor, clean_env
from noxship.errors import ToolError

__all__ = ["run", "uv_binary", "uv_install", "uv_tool", "uv_venv", "venv_python"]

logger = logging.getLogger("noxship")


def uv_binary() -> str:
    """Return the path of uv: the one on ``PATH``, else the one the ``uv``
    distribution (a dependency of noxship) installs.

    Raises:
        ToolError: neither is present.
    """
    found = shutil.which("uv")
    if found:
        return found
    try:
        from uv import find_uv_bin

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        raise ToolError("uv not found: reinstall noxship (it depends on uv)") from None


def uv_tool(spec: str, extra: Sequence[str] = ()) -> list[str]:
    """The arguments after uv's own that run the pinned tool ``spec``
    (``"auditwheel==6.8.2"``, its command named as its distribution) in an
    environment of its own, with the requirements ``extra`` beside it
    (``uv tool run --from``; uv docs, "Tools")."""
    withs = [arg for requirement in extra for arg in ("--with", requirement)]
    return ["tool", "run", "--quiet", *withs, "--from", spec, spec.split("==")[0]]


def venv_python(venv: Path) -> Path:
    """Return the interpreter of the virtual environment ``venv``.

    ``Scripts\\python.exe`` on Windows, ``bin/python`` elsewhere (the layout
    ``venv`` and uv create; Python docs, "venv: How venvs work").
    """
    if os.name == "nt":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def run(
    args: Sequence[str | Path],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    capture: bool = False,
    redactor: Redactor | None = None,
    what: str | None = None,
    timeout: float | None = None,
    show_failure: bool = True,
) -> str:
    """Run a command and wait for it.

    Args:
        args: the command line; it is logged, so it must hold no secret.
        env: the whole environment for the command; default
            :func:`~noxship.environment.clean_env`.
        cwd: the working directory.
        capture: return the output instead of streaming it to stderr/stdout;
            the output is then shown only on failure.
        redactor: masks secrets in captured output before it is shown.
        what: a short description for the error message (``"uv pip install"``).
        timeout: seconds before the command is killed.
        show_failure: on failure, write the captured output to stderr (else
            only the error's ``output`` holds it).

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
            encoding="utf-8",
            errors="replace",  # a tool's output in another encoding is still shown
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise ToolError(f"{argv[0]} not found: install it, or reinstall noxship") from None
    except subprocess.TimeoutExpired:
        raise ToolError(f"{label} did not finish within {timeout:.0f} s: see the log") from None
    output = redact(proc.stdout or "") if capture else ""
    if proc.returncode != 0:
        raise _failed(label, proc.returncode, output, show_failure and capture)
    return output


def _failed(label: str, returncode: int, output: str, show: bool) -> ToolError:
    """The error of a failed command; its captured output goes to stderr when ``show``."""
    if show and output:
        sys.stderr.write(output if output.endswith("\n") else output + "\n")
    above = ": see its output above" if show and output else ""
    return ToolError(f"{label} failed (exit code {returncode}){above}", output, returncode)


def uv_venv(venv: Path, python: str | Path, *, capture: bool = False) -> Path:
    """Make (or empty) the venv ``venv`` for the interpreter ``python`` with uv;
    return its interpreter.

    Raises:
        ToolError: uv failed.
    """
    run(
        [uv_binary(), "venv", "--quiet", "--clear", "--python", python, venv],
        what="uv venv",
        capture=capture,
    )
    return venv_python(venv)


def uv_install(
    python: Path,
    args: Sequence[str | Path],
    *,
    env: Mapping[str, str] | None = None,
    capture: bool = False,
    what: str = "uv pip install",
) -> None:
    """``uv pip install args`` into the venv of ``python`` (``env``: the whole
    environment, default :func:`~noxship.environment.clean_env`).

    Raises:
        ToolError: uv failed.
    """
    run(
        [uv_binary(), "pip", "install", "--quiet", "--python", python, *args],
        env=env,
        what=what,
        capture=capture,
    )
