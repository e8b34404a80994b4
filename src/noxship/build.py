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
from pathlib import Path

from noxship._run import clean_env, run
from noxship.dist import CHECKSUMS_NAME, Distribution, find_distributions, write_checksums
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


def build(project: Project, dist_dir: Path | None = None) -> list[Distribution]:
    """Build the project's sdist and wheel into an emptied ``dist_dir``.

    ``python -m build`` builds the sdist and then the wheel from the unpacked
    sdist, in isolated environments made by uv. Then ``twine check --strict``
    checks the metadata and ``dist/SHA256SUMS`` is written.

    Args:
        project: the project to build.
        dist_dir: output directory, default ``<root>/dist``; emptied first.

    Returns:
        The built distributions, sdist first.

    Raises:
        ToolError: the build or twine's check failed.
        DistributionError: the build left something other than one sdist and
            wheels of this project in ``dist_dir``.
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
    run(
        [sys.executable, "-m", "build", "--installer", "uv", "--outdir", dist_dir, project.root],
        env=env,
        what="build",
    )
    dists = find_distributions(dist_dir, project.name, project.version)
    run(
        [sys.executable, "-m", "twine", "check", "--strict", *(d.path for d in dists)],
        env=env,
        what="twine check --strict",
    )
    write_checksums(dists, dist_dir / CHECKSUMS_NAME)
    return dists
