"""``noxship init``: write the small ``noxfile.py`` (and optionally a CI file) into
a project."""

from __future__ import annotations

from pathlib import Path

from noxship.errors import ConfigError

__all__ = ["NOXFILE", "write_noxfile"]

NOXFILE = '''\
# /// script
# dependencies = ["nox", "noxship"]
# ///
"""Release pipeline from noxship: `nox -l` lists the sessions."""
import noxship.sessions  # noqa: F401  (registers lint, tests, build, test_wheel, publish, release_*)
'''
"""The noxfile ``noxship init`` writes: five lines. The PEP 723 block lets a bare
``nox`` (or ``pipx run nox``) fetch noxship when it is not installed."""


def write_noxfile(directory: Path, *, force: bool = False) -> Path:
    """Write ``noxfile.py`` into ``directory``.

    Args:
        directory: an existing project directory (with ``pyproject.toml``).
        force: overwrite an existing ``noxfile.py``.

    Returns:
        The file written.

    Raises:
        ConfigError: the directory or its ``pyproject.toml`` is missing, or a
            ``noxfile.py`` exists and ``force`` is false.
    """
    if not directory.is_dir():
        raise ConfigError(f"{directory} is not a directory: give the project's directory")
    if not (directory / "pyproject.toml").is_file():
        raise ConfigError(
            f"{directory} has no pyproject.toml: noxship needs a PEP 621 project; "
            "run init in the project's root"
        )
    path = directory / "noxfile.py"
    if path.exists() and not force:
        raise ConfigError(f"{path} exists: keep it, or run `noxship init --force` to replace it")
    path.write_text(NOXFILE, encoding="utf-8")
    return path
