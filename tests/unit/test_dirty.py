"""A version from git made dirty by uncommitted changes is said once, naming the
files, and noxship init's own files are named as such."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import pytest

from noxship.project import Project
from noxship.release.chains import warn_dirty


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_init_changes_are_named(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools", "setuptools_scm"]\n'
        'build-backend = "setuptools.build_meta"\n[project]\nname = "x"\ndynamic = ["version"]\n'
        "[tool.setuptools_scm]\n",
        encoding="utf-8",
    )
    (tmp_path / ".gitignore").write_text("dist/\n", encoding="utf-8")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "1.0")
    project = Project.load(tmp_path)
    assert project.version_source.is_vcs
    assert warn_dirty(project) == []
    (tmp_path / ".gitignore").write_text("dist/\n.env\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="noxship"):
        assert warn_dirty(project) == [".gitignore"]
    assert "uncommitted changes (.gitignore)" in caplog.text
    assert "they are noxship init's" in caplog.text
