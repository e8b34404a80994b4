"""Say why a test run against the wheel failed: the files of the project's
import packages that are in the source tree but not in the wheel."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from noxship.build.dist import wheel_files, wheel_top_level

__all__ = ["missing_from_wheel"]

_IGNORED_SUFFIXES = frozenset(
    {".pyc", ".pyo", ".c", ".h", ".cc", ".cpp", ".hpp", ".pyx", ".pxd", ".rs", ".f90"}
)
"""Compiled caches, and the sources of compiled extensions (the wheel holds what
they compile to, never them)."""
IGNORED_DIRS = frozenset({"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"})


def _package_files(base: Path, name: str) -> list[tuple[Path, str]]:
    """(path, path inside a wheel) of each file of package ``base/name``."""
    files = []
    for path in sorted((base / name).rglob("*")):
        parts = path.relative_to(base).parts
        if path.is_dir() or path.suffix in _IGNORED_SUFFIXES or IGNORED_DIRS.intersection(parts):
            continue
        files.append((path, str(PurePosixPath(*parts))))
    return files


def missing_from_wheel(root: Path, wheel: Path) -> list[str]:
    """List the files of the project's import packages that the wheel leaves out.

    The source of each top-level package the wheel installs is looked for at
    ``<root>/<name>`` (flat layout) and ``<root>/src/<name>`` (src layout);
    compiled caches are ignored.

    Args:
        root: the project directory.
        wheel: the wheel file.

    Returns:
        Paths relative to ``root``, sorted; empty when nothing is missing.
    """
    in_wheel = {str(p) for p in wheel_files(wheel)}
    missing: list[str] = []
    for name in wheel_top_level(wheel):
        base = next((b for b in (root, root / "src") if (b / name).is_dir()), None)
        if base is None:
            continue
        missing += [
            str(path.relative_to(root))
            for path, inside in _package_files(base, name)
            if inside not in in_wheel
        ]
    return sorted(missing)
