"""Find the CPython interpreters on this machine that a project supports.

Discovery is python-discovery's (virtualenv's interpreter discovery, as a
library): every ``python`` on ``PATH``, uv-managed installations, and, tried
first, the installations under pyenv's ``$PYENV_ROOT/versions`` (pyenv's shims
run only the active version, so the others are not on ``PATH``). Each
candidate is run once to read its version; the answers are cached on disk.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from noxship.context import Context
from noxship.errors import ToolError
from noxship.project import Project

__all__ = ["Interpreter", "find_interpreters", "no_interpreter"]

logger = logging.getLogger("noxship")


@dataclasses.dataclass(frozen=True)
class Interpreter:
    """A runnable Python interpreter.

    Attributes:
        executable: its path.
        version: its full version, ``"3.12.1"``.
        minor: its feature version, ``"3.12"``.
    """

    executable: Path
    version: str
    minor: str


def _pyenv_executables(context: Context) -> list[str]:
    versions = context.pyenv_root / "versions"
    return sorted(str(p) for p in versions.glob("*/bin/python3") if p.is_file())


def _discovery_env(context: Context) -> dict[str, str]:
    """The context's environment with pyenv's shim directories left out of
    ``PATH``: a shim of a version that is not active fails when run (after a
    second's probing), and every pyenv installation is offered directly instead."""
    root = str(context.pyenv_root)
    kept = [p for p in context.search_path if not (p.startswith(root) and Path(p).name == "shims")]
    return {**context.environ, "PATH": os.pathsep.join(kept)}


def find_interpreters(
    project: Project, wanted: Iterable[str] | None = None, *, context: Context
) -> list[Interpreter]:
    """Return one interpreter per Python feature version that the project supports.

    Args:
        project: gives ``requires-python`` and ``[tool.noxship] pythons``.
        wanted: feature versions to look for (``["3.12"]``); default the
            project's ``pythons`` setting, else every CPython 3 found.
        context: gives ``PATH``, ``PYENV_ROOT`` and the cache directory (the
            answers are cached under ``<cache>/noxship/python-discovery``).

    Returns:
        Interpreters, oldest first, each satisfying ``requires-python``; empty when
        none is present.

    Raises:
        ConfigError: ``requires-python`` is not a valid specifier set.
    """
    from python_discovery import DiskCache, PythonInfo, iter_interpreters

    minors = tuple(wanted or project.config.pythons or ())
    keys = tuple(f"cpython{m}" for m in minors) or ("cpython3",)
    spec = project.requires_python

    def admitted(info: PythonInfo) -> bool:
        version = ".".join(map(str, info.version_info[:3]))
        return spec.contains(version, prereleases=True)

    found: dict[str, Interpreter] = {}
    for info in iter_interpreters(
        keys,
        try_first_with=_pyenv_executables(context),
        cache=DiskCache(context.cache_home / "noxship" / "python-discovery"),
        env=_discovery_env(context),
        predicate=admitted,
    ):
        major, minor, micro = info.version_info[:3]
        if info.executable is None:
            continue
        feature = f"{major}.{minor}"
        found.setdefault(feature, Interpreter(Path(info.executable), f"{feature}.{micro}", feature))
    return sorted(found.values(), key=lambda i: tuple(map(int, i.minor.split("."))))


def no_interpreter(project: Project, wanted: Sequence[str] | None, purpose: str) -> ToolError:
    """The error for :func:`find_interpreters` finding none: names
    ``requires-python``, the feature versions ``wanted``, and ``purpose``."""
    among = f" among {', '.join(wanted)}" if wanted else ""
    return ToolError(
        f"no Python interpreter on this machine satisfies requires-python "
        f"{project.requires_python or '(any)'}{among}: install one to {purpose} "
        "(for example with uv python install)"
    )
