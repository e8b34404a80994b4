"""Resumable releases: a release pipeline that failed part-way completes, on
re-run, exactly what is missing. Targets: ``testpypi`` (a real pypiserver on
127.0.0.1, its URLs overridden the documented way) then ``gitlab`` (the fake
GitLab API); the tag is the GitLab Release's. Each partial state is made for
real, then the plan and ``publish`` of a default-branch push with the release
message run again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from noxship.build.dist import Distribution, sha256_of
from noxship.context import Context
from noxship.errors import CredentialsError, PublishError
from noxship.plan import plan_from_environment
from noxship.project import Project
from noxship.publish.local_index import LocalIndex
from noxship.release import publish_planned, publish_to
from noxship.release.history import history_reader
from tests.fake_gitlab import FakeGitLab

pytestmark = pytest.mark.network  # builds with the registries (the good_release fixture)

JOB_TOKEN = "SENTINEL-resume-job-token-51"
SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def world() -> Iterator[tuple[LocalIndex, FakeGitLab]]:
    with LocalIndex() as index, FakeGitLab() as gitlab:
        gitlab.add_token(JOB_TOKEN, "job")
        yield index, gitlab


def release_job(index: LocalIndex, gitlab: FakeGitLab, token: str = JOB_TOKEN) -> dict[str, str]:
    """A GitLab job of the default-branch pipeline of the release commit 0.3.0."""
    return {
        "GITLAB_CI": "true", "CI_DEFAULT_BRANCH": "main", "CI_PIPELINE_SOURCE": "push",
        "CI_COMMIT_BRANCH": "main", "CI_COMMIT_TITLE": "0.3.0", "CI_COMMIT_SHA": SHA,
        "CI_PIPELINE_IID": "7", "CI_PROJECT_ID": str(gitlab.project_id),
        "CI_API_V4_URL": gitlab.api_url, "CI_JOB_TOKEN": token,
        "NOXSHIP_RELEASE_TARGETS": "testpypi gitlab", "NOXSHIP_RETRY_DELAY": "0",
        "NOXSHIP_TARGET_TESTPYPI_UPLOAD_URL": index.url,
        "NOXSHIP_TARGET_TESTPYPI_INDEX_URL": index.simple_url,
        "NOXSHIP_TARGET_TESTPYPI_USERNAME": index.username,
        "NOXSHIP_TARGET_TESTPYPI_PASSWORD": index.password.reveal(),
    }  # fmt: skip


def state(index: LocalIndex, gitlab: FakeGitLab) -> tuple[dict[str, str], list[str], set[str]]:
    return ({p.name: sha256_of(p) for p in index.files()}, sorted(gitlab.files()),
            set(gitlab.releases))  # fmt: skip


def rerun(project: Project, env: dict[str, str]) -> tuple[list[str], dict[str, tuple[str, ...]]]:
    """The re-run: the plan's reasons, then what each target's publish uploaded."""
    plan = plan_from_environment(
        project, env, history_reader(Context.from_environ(env, project=project))
    )
    reports = publish_planned(Context.from_environ(env, project=project))
    return list(plan.reasons), {r.target.name: r.uploaded for r in reports}


def test_testpypi_done_and_gitlab_failed(
    world: tuple[LocalIndex, FakeGitLab], good_release: tuple[Project, list[Distribution]]
) -> None:
    index, gitlab = world
    project, dists = good_release
    with pytest.raises(CredentialsError):  # the gitlab upload is refused: a revoked token
        publish_planned(
            Context.from_environ(release_job(index, gitlab, token="revoked"), project=project)
        )
    testpypi_files, gitlab_files, releases = state(index, gitlab)
    assert len(testpypi_files) == 2 and gitlab_files == [] and releases == set()
    reasons, uploaded = rerun(project, release_job(index, gitlab))
    assert any("already done by an earlier run: 0.3.0 on testpypi" in r for r in reasons)
    assert uploaded == {"testpypi": (), "gitlab": uploaded["gitlab"]}
    assert sorted(uploaded["gitlab"]) == sorted(d.filename for d in dists)
    assert state(index, gitlab) == (testpypi_files, sorted(d.filename for d in dists), {"v0.3.0"})
    assert gitlab.tags == {"v0.3.0": SHA}


def test_every_target_done_and_the_tag_failed(
    world: tuple[LocalIndex, FakeGitLab], good_release: tuple[Project, list[Distribution]]
) -> None:
    index, gitlab = world
    project, _ = good_release
    gitlab.fail_releases = 100  # GitLab fails every release creation of the first run
    with pytest.raises(PublishError):
        publish_planned(Context.from_environ(release_job(index, gitlab), project=project))
    before = state(index, gitlab)
    assert before[2] == set() and gitlab.tags == {}
    gitlab.fail_releases = 0
    reasons, uploaded = rerun(project, release_job(index, gitlab))
    assert any("0.3.0 on testpypi, gitlab;" in r for r in reasons), reasons
    assert uploaded == {"testpypi": (), "gitlab": ()}
    assert state(index, gitlab) == (before[0], before[1], {"v0.3.0"})
    assert gitlab.tags == {"v0.3.0": SHA}


def test_the_tag_exists_and_the_release_does_not(
    world: tuple[LocalIndex, FakeGitLab], good_release: tuple[Project, list[Distribution]]
) -> None:
    index, gitlab = world
    project, _ = good_release
    env = release_job(index, gitlab)
    publish_to(Context.from_environ(env, project=project), ["testpypi", "gitlab"])
    gitlab.tags["v0.3.0"] = SHA  # tagged by hand, or by a job that died before the Release
    before = state(index, gitlab)
    reasons, uploaded = rerun(project, env)
    assert uploaded == {"testpypi": (), "gitlab": ()}
    assert state(index, gitlab) == (before[0], before[1], {"v0.3.0"})
    assert gitlab.releases["v0.3.0"]["commit"] == {"id": SHA}
    assert any(r.startswith("already done by an earlier run:") for r in reasons)
