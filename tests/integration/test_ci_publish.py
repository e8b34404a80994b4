"""The ``build`` and ``publish`` sessions as a GitLab pipeline runs them: a merge
request publishes a preview build, a release message on the default branch
publishes the release and creates the GitLab Release (and with it the tag).
GitLab is the fake HTTP API of ``tests/fake_gitlab.py``; nox, twine, pip and
python-gitlab are real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import run_nox
from tests.fake_gitlab import FakeGitLab

# Builds, installs or npm tools: needs the package registries (README.md).
pytestmark = pytest.mark.network

JOB_TOKEN = "SENTINEL-ci-job-token-91b2"


@pytest.fixture
def gitlab() -> Iterator[FakeGitLab]:
    with FakeGitLab() as fake:
        fake.add_token(JOB_TOKEN, "job")
        yield fake


def pipeline(gitlab: FakeGitLab, **variables: str) -> dict[str, str]:
    """The variables GitLab sets in every job (``../shared/reference/ci-variables.md``)."""
    return {
        "GITLAB_CI": "true",
        "CI_DEFAULT_BRANCH": "main",
        "CI_PROJECT_ID": str(gitlab.project_id),
        "CI_API_V4_URL": gitlab.api_url,
        "CI_JOB_TOKEN": JOB_TOKEN,
        "CI_PIPELINE_IID": "123",
        "CI_COMMIT_SHA": "0123456789abcdef0123456789abcdef01234567",
        **variables,
    }


def tree_state(root: Path) -> tuple[str, bytes]:
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return status, (root / "pyproject.toml").read_bytes()


def test_merge_request_publishes_a_preview_build(
    sample: Callable[..., Path], gitlab: FakeGitLab
) -> None:
    root = sample("good")
    before = tree_state(root)
    env = pipeline(
        gitlab,
        CI_PIPELINE_SOURCE="merge_request_event",
        CI_MERGE_REQUEST_IID="42",
        CI_MERGE_REQUEST_SOURCE_PROJECT_ID=str(gitlab.project_id),
        CI_COMMIT_REF_NAME="feature",
        NOXSHIP_PREVIEW_TARGETS="gitlab",
        NOXSHIP_RELEASE_TARGETS="gitlab",  # the release history is read there
    )
    built = run_nox(root, "-s", "build", env=env)
    assert built.returncode == 0, built.stderr[-3000:]
    names = sorted(p.name for p in (root / "dist").iterdir())
    assert names == [
        "SHA256SUMS",
        "good_sample-0.3.0.dev123-py3-none-any.whl",
        "good_sample-0.3.0.dev123.tar.gz",
    ]
    # The preview version was written into a copy; the working tree is unchanged.
    assert tree_state(root) == before

    published = run_nox(root, "-s", "publish", env=env)
    assert published.returncode == 0, published.stderr[-3000:]
    assert sorted(gitlab.files()) == names[1:]
    assert gitlab.releases == {}  # previews are never tagged
    assert JOB_TOKEN not in published.stdout + published.stderr


def test_release_message_publishes_and_creates_the_release(
    sample: Callable[..., Path], gitlab: FakeGitLab
) -> None:
    root = sample("good")
    # The release notes come from the changelog, as `noxship bump` writes it.
    (root / "CHANGELOG.md").write_text(
        "# Changelog\n\n## [0.3.0] - 2026-12-01\n\n### Added\n\n"
        "- a first feature\n\n## [0.2.0] - 2026-01-01\n\n- old\n"
    )
    subprocess.run(["git", "add", "CHANGELOG.md"], cwd=root, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit",
                    "-qm", "changelog"], cwd=root, check=True)  # fmt: skip
    env = pipeline(
        gitlab,
        CI_PIPELINE_SOURCE="push",
        CI_COMMIT_BRANCH="main",
        CI_COMMIT_REF_NAME="main",
        CI_COMMIT_TITLE="0.3.0",
        CI_COMMIT_MESSAGE="0.3.0\n\nFirst release.",
        NOXSHIP_RELEASE_TARGETS="gitlab",
    )
    plan = subprocess.run(
        [sys.executable, "-m", "noxship", "plan", "--format", "json"],
        cwd=root,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(plan.stdout)["targets"] == ["gitlab"]
    built = run_nox(root, "-s", "build", env=env)
    assert built.returncode == 0, built.stderr[-3000:]
    published = run_nox(root, "-s", "publish", env=env)
    assert published.returncode == 0, published.stderr[-3000:]
    assert sorted(gitlab.files()) == [
        "good_sample-0.3.0-py3-none-any.whl",
        "good_sample-0.3.0.tar.gz",
    ]
    release = gitlab.releases["v0.3.0"]
    assert gitlab.tags == {"v0.3.0": env["CI_COMMIT_SHA"]}
    assert release["name"] == "good-sample 0.3.0"
    assert release["description"] == (
        "### Added\n\n- a first feature\n\nPublished to gitlab by noxship."
    )
    assert ("POST", "/api/v4/projects/1217/releases", "job") in gitlab.requests
    assert JOB_TOKEN not in published.stdout + published.stderr

    # A retried job: the files are skipped and the release for this commit exists.
    again = run_nox(root, "-s", "publish", env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "already published" in again.stdout
    assert "release v0.3.0 already exists" in again.stderr
    assert len(gitlab.releases) == 1


def test_feature_branch_publishes_nothing(sample: Callable[..., Path], gitlab: FakeGitLab) -> None:
    root = sample("good")
    env = pipeline(
        gitlab,
        CI_PIPELINE_SOURCE="push",
        CI_COMMIT_BRANCH="feature",
        CI_COMMIT_REF_NAME="feature",
        CI_COMMIT_TITLE="0.3.0",
        NOXSHIP_RELEASE_TARGETS="gitlab",
    )
    assert run_nox(root, "-s", "build", env=env).returncode == 0
    published = run_nox(root, "-s", "publish", env=env)
    assert published.returncode == 0, published.stderr[-3000:]
    assert "publishes nothing" in published.stderr
    assert gitlab.files() == {}
    assert gitlab.requests == []
