"""Releases only from reviewed commits, on real git repositories: an origin with
a default branch and a side branch, and job clones made the way GitLab's tag
jobs make them (``git init``, a shallow fetch of the tag alone, a detached
checkout). Needs no package registry."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from noxship.errors import ExitCode, PlanError
from noxship.release.provenance import check_reviewed

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, env=ENV, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A bare origin: main (two commits, tag v1.0.0 on the second), a side branch
    (one more commit, tagged v1.1.0), and a release/1.x branch (tagged v1.0.1)."""
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    (work / "f").write_text("1")
    git(work, "add", "f")
    git(work, "commit", "-qm", "c1")
    (work / "f").write_text("2")
    git(work, "commit", "-qam", "c2")
    git(work, "tag", "v1.0.0")
    git(work, "checkout", "-qb", "side")
    (work / "f").write_text("side")
    git(work, "commit", "-qam", "unreviewed")
    git(work, "tag", "v1.1.0")
    git(work, "checkout", "-q", "main")
    git(work, "checkout", "-qb", "release/1.x")
    (work / "f").write_text("fix")
    git(work, "commit", "-qam", "fix")
    git(work, "tag", "v1.0.1")
    bare = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(bare))
    return bare


def tag_job_clone(origin: Path, dest: Path, tag: str) -> str:
    """What a GitLab tag job holds: the tag's commit, shallow, detached."""
    dest.mkdir()
    git(dest, "init", "-q")
    git(dest, "remote", "add", "origin", str(origin))
    git(dest, "fetch", "-q", "--depth", "1", "origin", f"+refs/tags/{tag}:refs/tags/{tag}")
    git(dest, "checkout", "-q", tag)
    assert git(dest, "rev-parse", "--is-shallow-repository") == "true"
    return git(dest, "rev-parse", "HEAD")


def test_a_tag_on_the_default_branch_releases(origin: Path, tmp_path: Path) -> None:
    job = tmp_path / "job"
    sha = tag_job_clone(origin, job, "v1.0.0")
    assert check_reviewed(job, "v1.0.0", sha, ["main"]) == "main"


def test_a_tag_on_a_side_branch_publishes_nothing(origin: Path, tmp_path: Path) -> None:
    job = tmp_path / "job"
    sha = tag_job_clone(origin, job, "v1.1.0")
    with pytest.raises(PlanError, match="on none of the release branches \\(main\\)") as info:
        check_reviewed(job, "v1.1.0", sha, ["main"])
    assert info.value.exit_code == ExitCode.USAGE


def test_a_named_release_branch_counts(origin: Path, tmp_path: Path) -> None:
    job = tmp_path / "job"
    sha = tag_job_clone(origin, job, "v1.0.1")
    with pytest.raises(PlanError):
        check_reviewed(job, "v1.0.1", sha, ["main"])
    assert check_reviewed(job, "v1.0.1", sha, ["main", "release/1.x"]) == "release/1.x"
    assert check_reviewed(job, "v1.0.1", sha, ["main", "gone", "release/1.x"]) == "release/1.x"


def test_a_commit_git_cannot_find_is_an_error_not_an_answer(origin: Path, tmp_path: Path) -> None:
    """Review N14: ``git merge-base`` exits 128 for a commit the clone does not
    hold; that read as "not on a release branch"."""
    job = tmp_path / "job"
    tag_job_clone(origin, job, "v1.0.0")
    missing = "0123456789abcdef0123456789abcdef01234567"
    with pytest.raises(PlanError) as info:
        check_reviewed(job, "v9.9.9", missing, ["main"])
    assert str(info.value).startswith(
        f"git merge-base could not tell whether commit {missing} is on branch main (exit 128;"
    )


def sdist_and_wheel(dist: Path) -> None:
    """Hand-made distributions of tests/projects/good, with dist/SHA256SUMS."""
    import io
    import tarfile

    from noxship.build.dist import CHECKSUMS_NAME, find_distributions, write_checksums
    from tests.wheels import make_wheel

    dist.mkdir()
    make_wheel(dist, "good-sample", "0.3.0", {"good/__init__.py": ""})
    members = {
        "PKG-INFO": b"Metadata-Version: 2.1\nName: good-sample\nVersion: 0.3.0\n",
        "src/good/__init__.py": b"",
    }
    with tarfile.open(dist / "good_sample-0.3.0.tar.gz", "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(f"good_sample-0.3.0/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    write_checksums(find_distributions(dist, "good-sample"), dist / CHECKSUMS_NAME)


@pytest.mark.parametrize(("on", "code"), [("main", ExitCode.OK), ("side", ExitCode.USAGE)])
def test_noxship_publish_in_a_tag_job(tmp_path: Path, on: str, code: ExitCode) -> None:
    import shutil
    import sys

    from noxship.publish import LocalIndex
    from tests.conftest import PROJECTS

    work = tmp_path / "work"
    shutil.copytree(PROJECTS / "good", work)
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "0.3.0")
    if on == "side":
        git(work, "checkout", "-qb", "side")
        (work / "README.md").write_text("unreviewed\n")
        git(work, "commit", "-qam", "unreviewed")
    git(work, "tag", "v0.3.0")
    bare = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(bare))
    job = tmp_path / "job"
    sha = tag_job_clone(bare, job, "v0.3.0")
    sdist_and_wheel(job / "dist")
    with LocalIndex() as index:
        env = {
            **{
                k: v
                for k, v in ENV.items()
                if not k.startswith(("CI", "GITLAB", "GITHUB", "NOXSHIP"))
            },
            "GITLAB_CI": "true",
            "CI_PIPELINE_SOURCE": "push",
            "CI_COMMIT_TAG": "v0.3.0",
            "CI_COMMIT_SHA": sha,
            "CI_DEFAULT_BRANCH": "main",
            "NOXSHIP_RELEASE_TARGETS": "local",
            "NOXSHIP_TARGET_LOCAL_UPLOAD_URL": index.url,
            "NOXSHIP_TARGET_LOCAL_INDEX_URL": index.simple_url,
            "NOXSHIP_TARGET_LOCAL_USERNAME": index.username,
            "NOXSHIP_TARGET_LOCAL_PASSWORD": index.password.reveal(),
        }
        result = subprocess.run(
            [sys.executable, "-m", "noxship", "publish"], cwd=job, env=env,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert result.returncode == code, result.stderr[-3000:]
        if code == ExitCode.OK:
            assert [p.name for p in index.files()] == sorted(
                p.name for p in (job / "dist").glob("good*")
            )
        else:
            assert "on none of the release branches (main): nothing is published" in result.stderr
            assert index.files() == []
