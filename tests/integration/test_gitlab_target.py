"""The ``gitlab`` target against a fake GitLab HTTP API on 127.0.0.1
(``tests/fake_gitlab.py``, which cites the GitLab documentation it follows),
driven by real twine, real pip and real python-gitlab."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from noxship.build.dist import Distribution
from noxship.errors import ConfigError, CredentialsError, IndexConflictError, PublishError
from noxship.project import Project
from noxship.publish import RetryPolicy, publish, resolve_credentials, resolve_target
from noxship.publish.gitlab import api_credentials
from noxship.release.forges.gitlab import create_release
from tests.fake_gitlab import FakeGitLab, Package, PackageFile

# Builds, installs or npm tools: needs the package registries (README.md).
pytestmark = pytest.mark.network

JOB_TOKEN = "SENTINEL-job-token-5e1f"
PAT = "SENTINEL-glpat-77aa"
DEPLOY_TOKEN = "SENTINEL-deploy-0c3d"


@pytest.fixture
def gitlab() -> Iterator[FakeGitLab]:
    with FakeGitLab() as fake:
        fake.add_token(JOB_TOKEN, "job")
        fake.add_token(PAT, "personal")
        fake.add_token(DEPLOY_TOKEN, "deploy", username="gitlab+deploy-token-1")
        yield fake


def ci_env(gitlab: FakeGitLab, **extra: str) -> dict[str, str]:
    return {
        "GITLAB_CI": "true",
        "CI_API_V4_URL": gitlab.api_url,
        "CI_PROJECT_ID": str(gitlab.project_id),
        **extra,
    }


def once(dists: list[Distribution]) -> dict[str, list[str]]:
    return {d.filename: [d.sha256] for d in dists}


def test_job_token_publish_then_republish(
    gitlab: FakeGitLab, good_release: tuple[Project, list[Distribution]]
) -> None:
    project, dists = good_release
    env = ci_env(gitlab, CI_JOB_TOKEN=JOB_TOKEN)
    target = resolve_target("gitlab", env, project.name)
    assert target.repository_url == f"{gitlab.api_url}/projects/1217/packages/pypi"
    creds = resolve_credentials(target, env)
    assert (creds.username, creds.kind) == ("gitlab-ci-token", "job-token")

    report = publish(dists, target, creds, environ=env)
    assert sorted(report.uploaded) == sorted(d.filename for d in dists)
    assert report.installed  # real uv installed it from the fake's simple index
    assert gitlab.files() == once(dists)
    # python-gitlab looked the files up with the JOB-TOKEN header; twine and pip
    # used basic auth as user gitlab-ci-token.
    assert ("GET", "/api/v4/projects/1217/packages", "job") in gitlab.requests
    assert any(m == "POST" and k == "job" for m, _, k in gitlab.requests)

    uploads_before = sum(1 for m, _, _ in gitlab.requests if m == "POST")
    again = publish(dists, target, creds, environ=env, check_install=False)
    assert again.uploaded == ()
    assert sorted(again.skipped) == sorted(d.filename for d in dists)
    assert sum(1 for m, _, _ in gitlab.requests if m == "POST") == uploads_before
    assert gitlab.files() == once(dists)


def test_personal_token_uses_private_token_header(
    gitlab: FakeGitLab, good_release: tuple[Project, list[Distribution]]
) -> None:
    project, dists = good_release
    env = ci_env(gitlab, GITLAB_TOKEN=PAT, CI_JOB_TOKEN=JOB_TOKEN)
    target = resolve_target("gitlab", env, project.name)
    creds = resolve_credentials(target, env)
    assert creds.source == "variable GITLAB_TOKEN"
    publish(dists, target, creds, environ=env, check_install=False)
    assert ("GET", "/api/v4/projects/1217/packages", "personal") in gitlab.requests
    assert gitlab.files() == once(dists)


def test_deploy_token_reads_the_simple_index(
    gitlab: FakeGitLab, good_release: tuple[Project, list[Distribution]]
) -> None:
    project, dists = good_release
    env = ci_env(
        gitlab, GITLAB_DEPLOY_USER="gitlab+deploy-token-1", GITLAB_DEPLOY_TOKEN=DEPLOY_TOKEN
    )
    target = resolve_target("gitlab", env, project.name)
    creds = resolve_credentials(target, env)
    assert creds.kind == "deploy-token"
    report = publish(dists, target, creds, environ=env)
    assert report.installed
    assert gitlab.files() == once(dists)
    # A deploy token never reaches the REST API (GitLab would answer 401).
    assert not any("/packages/pypi" not in p for _, p, _ in gitlab.requests)
    with pytest.raises(CredentialsError, match="deploy token cannot call the REST API"):
        create_release(creds, env, tag="v0.1.0", ref="abc", name="x", description="")


def test_fuzzy_package_names_are_compared_exactly(
    gitlab: FakeGitLab, good_release: tuple[Project, list[Distribution]]
) -> None:
    """GitLab's Packages API filters ``package_name`` fuzzily (the fake follows
    GitLab's rule, [PACKAGES-API]): ``good-sample`` also finds
    ``good-sample-extras``, whose file of the same name must not count."""
    project, dists = good_release
    wheel = next(d for d in dists if d.kind == "wheel")
    gitlab.packages.append(
        Package(
            900,
            "good-sample-extras",
            "0.1.0",
            [PackageFile(901, wheel.filename, b"other", "0" * 64)],
        )
    )
    env = ci_env(gitlab, CI_JOB_TOKEN=JOB_TOKEN)
    target = resolve_target("gitlab", env, project.name)
    report = publish(
        dists, target, resolve_credentials(target, env), environ=env, check_install=False
    )
    assert sorted(report.uploaded) == sorted(d.filename for d in dists)


def test_conflicting_file_stops_before_any_upload(
    gitlab: FakeGitLab, good_release: tuple[Project, list[Distribution]]
) -> None:
    project, dists = good_release
    wheel = next(d for d in dists if d.kind == "wheel")
    gitlab.packages.append(
        Package(900, project.name, "0.1.0", [PackageFile(901, wheel.filename, b"x", "f" * 64)])
    )
    env = ci_env(gitlab, CI_JOB_TOKEN=JOB_TOKEN)
    target = resolve_target("gitlab", env, project.name)
    with pytest.raises(IndexConflictError, match="Nothing was uploaded"):
        publish(dists, target, resolve_credentials(target, env), environ=env)
    assert not any(m == "POST" for m, _, _ in gitlab.requests)


def test_wrong_token_is_one_clear_error(
    gitlab: FakeGitLab, good_release: tuple[Project, list[Distribution]]
) -> None:
    project, dists = good_release
    env = ci_env(gitlab, GITLAB_TOKEN="SENTINEL-revoked-token")
    target = resolve_target("gitlab", env, project.name)
    with pytest.raises(CredentialsError, match="answered 401") as info:
        publish(
            dists,
            target,
            resolve_credentials(target, env),
            environ=env,
            retry=RetryPolicy(attempts=2, base_delay=0),
        )
    assert "SENTINEL" not in str(info.value)
    assert gitlab.files() == {}


def test_release_with_job_token_creates_the_tag(gitlab: FakeGitLab) -> None:
    env = ci_env(gitlab, CI_JOB_TOKEN=JOB_TOKEN)
    creds = api_credentials(env)
    created = create_release(
        creds,
        env,
        tag="v1.4.0",
        ref="0123abcd",
        name="good 1.4.0",
        description="Published",
        links=[("pypi: good 1.4.0", "https://pypi.org/project/good/1.4.0/")],
    )
    assert created is True
    assert gitlab.tags == {"v1.4.0": "0123abcd"}
    assert gitlab.releases["v1.4.0"]["assets"]["links"] == [
        {"name": "pypi: good 1.4.0", "url": "https://pypi.org/project/good/1.4.0/"}
    ]
    assert ("POST", "/api/v4/projects/1217/releases", "job") in gitlab.requests
    # A re-run job finds the release for the same commit: done, nothing new.
    again = create_release(creds, env, tag="v1.4.0", ref="0123abcd", name="x", description="")
    assert again is False
    assert len(gitlab.releases) == 1
    # The same tag for another commit is refused.
    with pytest.raises(PublishError, match="already exists for commit 0123abcd") as info:
        create_release(creds, env, tag="v1.4.0", ref="ffff0000", name="x", description="")
    assert JOB_TOKEN not in str(info.value)


def test_release_needs_a_token(gitlab: FakeGitLab) -> None:
    with pytest.raises(CredentialsError, match="GITLAB_TOKEN"):
        api_credentials(ci_env(gitlab))


@pytest.mark.usefixtures("gitlab")
def test_missing_gitlab_variables_are_named(
    good_release: tuple[Project, list[Distribution]],
) -> None:
    project, _ = good_release
    with pytest.raises(ConfigError, match="CI_PROJECT_ID"):
        resolve_target("gitlab", {"CI_API_V4_URL": "http://127.0.0.1:1/api/v4"}, project.name)
