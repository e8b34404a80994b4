"""Build the sdist, then the wheel from that sdist, check them, and write checksums.

The build is reproducible: ``SOURCE_DATE_EPOCH`` is set to the time of the last
commit when the project is in git (https://reproducible-builds.org/specs/source-date-epoch/),
so two builds of one commit give byte-identical files with backends that honour it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from packaging.version import Version

from noxship._run import clean_env, run
from noxship.dist import CHECKSUMS_NAME, Distribution, find_distributions, write_checksums
from noxship.errors import ConfigError
from noxship.project import Project

__all__ = ["build", "source_date_epoch"]


def source_date_epoch(root: Path) -> str | None:
    """Return the committer time of ``HEAD`` (Unix seconds) when ``root`` is in git.

    Returns ``None`` outside git or without commits. A value already in the
    environment wins.
    """
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return os.environ["SOURCE_DATE_EPOCH"]
    git = shutil.which("git")
    if git is None:
        return None
    try:
        out = subprocess.run(
            [git, "log", "-1", "--format=%ct"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out or None


_COPY_IGNORE = (".git", ".nox", ".venv", "dist", "build", "__pycache__", "*.egg-info", ".*_cache")


def _with_version(project: Project, version: Version, dest: Path) -> Path:
    """Copy the project to ``dest`` with ``version`` written into its pyproject.toml."""
    import tomlkit

    shutil.copytree(project.root, dest, ignore=shutil.ignore_patterns(*_COPY_IGNORE), symlinks=True)
    path = dest / "pyproject.toml"
    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    table: Any = doc.get("project")
    if table is None or "version" not in table:
        table = doc.get("tool", {}).get("poetry")
    if table is None or "version" not in table:
        raise ConfigError(
            "cannot set the preview version: pyproject.toml has no static version "
            "([project] version or [tool.poetry] version)"
        )
    table["version"] = str(version)
    path.write_text(tomlkit.dumps(doc), encoding="utf-8")
    return dest


def build(
    project: Project, dist_dir: Path | None = None, *, version: Version | None = None
) -> list[Distribution]:
    """Build the project's sdist and wheel into an emptied ``dist_dir``.

    ``python -m build`` builds the sdist and then the wheel from the unpacked
    sdist, in isolated environments made by uv. Then ``twine check --strict``
    checks the metadata and ``dist/SHA256SUMS`` is written.

    Args:
        project: the project to build.
        dist_dir: output directory, default ``<root>/dist``; emptied first.
        version: build this version instead of the project's (a preview build,
            ``1.4.0.dev123``): the project is copied to a temporary directory and the
            version written there; the working tree is left as it was.

    Returns:
        The built distributions, sdist first.

    Raises:
        ToolError: the build or twine's check failed.
        DistributionError: the build left something other than one sdist and
            wheels of this project in ``dist_dir``.
        ConfigError: ``version`` was given but the project's version is dynamic.
    """
    dist_dir = dist_dir or project.root / "dist"
    if dist_dir.exists():
        shutil.rmtree(dist_dir)
    dist_dir.mkdir(parents=True)
    extra: dict[str, str] = {}
    epoch = source_date_epoch(project.root)
    if epoch:
        extra["SOURCE_DATE_EPOCH"] = epoch
    env = clean_env(extra)
    with tempfile.TemporaryDirectory(prefix="noxship-build-") as tmp:
        source = project.root
        if version is not None and version != project.version:
            source = _with_version(project, version, Path(tmp) / "src")
        run(
            [sys.executable, "-m", "build", "--installer", "uv", "--outdir", dist_dir, source],
            env=env,
            what="build",
        )
    dists = find_distributions(dist_dir, project.name, version or project.version)
    run(
        [sys.executable, "-m", "twine", "check", "--strict", *(d.path for d in dists)],
        env=env,
        what="twine check --strict",
    )
    write_checksums(dists, dist_dir / CHECKSUMS_NAME)
    return dists
