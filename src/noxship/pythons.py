"""Find the Python interpreters on this machine that a project supports.

An interpreter counts as present when it runs: a ``python3.X`` on ``PATH``, or a
pyenv installation (``$PYENV_ROOT/versions/3.X.*``) that is not on ``PATH``.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from noxship.project import Project

__all__ = ["Interpreter", "find_interpreters"]

_MINORS = tuple(f"3.{m}" for m in range(8, 16))


@dataclasses.dataclass(frozen=True)
class Interpreter:
    """A runnable Python interpreter.

    Attributes:
        executable: its path.
        version: its full version, ``"3.12.1"``.
    """

    executable: Path
    version: str

    @property
    def minor(self) -> str:
        """``"3.12"`` for ``3.12.1``."""
        return ".".join(self.version.split(".")[:2])


def _probe(executable: Path) -> Interpreter | None:
    try:
        out = subprocess.run(
            [str(executable), "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return Interpreter(executable, out) if out else None


def _candidates(minor: str) -> Iterable[Path]:
    found = shutil.which(f"python{minor}")
    if found:
        yield Path(found)
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    for version_dir in sorted((pyenv_root / "versions").glob(f"{minor}.*"), reverse=True):
        if version_dir.name.replace(".", "").isdigit():  # not 3.12.1-dev, not a venv
            yield version_dir / "bin" / f"python{minor}"


def find_interpreters(project: Project, wanted: Iterable[str] | None = None) -> list[Interpreter]:
    """Return one interpreter per Python minor version that the project supports.

    Args:
        project: gives ``requires-python`` and ``[tool.noxship] pythons``.
        wanted: minor versions to look for (``["3.12"]``); default the project's
            ``pythons`` setting, else every 3.8 to 3.15.

    Returns:
        Interpreters, oldest first, each satisfying ``requires-python``; empty when
        none is present.
    """
    minors = tuple(wanted or project.config.pythons or _MINORS)
    result: list[Interpreter] = []
    for minor in minors:
        for path in _candidates(minor):
            interp = _probe(path)
            if interp is not None and interp.minor == minor and project.supported(interp.version):
                result.append(interp)
                break
    return result
