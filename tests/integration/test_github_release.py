"""The GitHub tag job: the tag pushed to the remote (a bare repository here),
then the GitHub release with the changelog's section as its notes, against a
fake of GitHub's API (``tests/fake_github.py``); a re-run finds both done."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from noxship.context import Context
from noxship.project import Project
from noxship.release import tag_release
from tests.fake_github import FakeGitHub

ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
       "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}  # fmt: skip


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=ENV, check=True, capture_output=True,
                          text=True).stdout  # fmt: skip


def test_the_tag_job_pushes_the_tag_and_creates_the_release_with_its_notes(
    tmp_path: Path,
) -> None:
    origin, root = tmp_path / "origin.git", tmp_path / "project"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "1.5.0"\n')
    (root / "CHANGELOG.md").write_text(
        "# Changelog\n\n## [1.5.0] - 2026-12-01\n\n### Fixed\n\n- a crash\n"
    )
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "1.5.0")
    git(root, "remote", "add", "origin", str(origin))
    sha = git(root, "rev-parse", "HEAD").strip()
    token = "SENTINEL-github-token-77"
    with FakeGitHub(token) as github:
        env = {"GITHUB_SHA": sha, "GITHUB_TOKEN": token, "GITHUB_REPOSITORY": "acme/demo",
               "GITHUB_API_URL": github.api_url}  # fmt: skip
        context = Context.from_environ(env, project=Project.load(root))
        tag_release(context, "github", "v1.5.0", "1.5.0", ["testpypi", "pypi"])
        assert git(origin, "rev-parse", "refs/tags/v1.5.0").strip() == sha
        assert github.releases["v1.5.0"] == {
            "tag_name": "v1.5.0",
            "name": "demo 1.5.0",
            "body": "### Fixed\n\n- a crash\n\nPublished to testpypi, pypi by noxship.",
        }
        # The re-run of a failed job: the tag and the release exist; both count as done.
        tag_release(context, "github", "v1.5.0", "1.5.0", ["testpypi", "pypi"])
        assert len(github.releases) == 1
