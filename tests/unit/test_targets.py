from __future__ import annotations

import pytest
from pypi_simple import PYPI_SIMPLE_ENDPOINT
from twine.utils import DEFAULT_REPOSITORY, TEST_REPOSITORY

from noxship.errors import ConfigError, CredentialsError, ExitCode
from noxship.targets import (
    credential_environment,
    resolve_credentials,
    resolve_target,
    twine_environment,
)

SENTINEL = "SENTINEL-secret-value"


def test_builtin_urls_come_from_twine_and_pypi_simple() -> None:
    pypi = resolve_target("pypi", {}, "x")
    assert (pypi.upload_url, pypi.index_url) == (DEFAULT_REPOSITORY, PYPI_SIMPLE_ENDPOINT)
    test = resolve_target("testpypi", {})
    assert test.upload_url == TEST_REPOSITORY
    assert test.index_url.endswith("/simple/")


def test_env_overrides_builtin_and_defines_new_targets() -> None:
    env = {
        "NOXSHIP_TARGET_TESTPYPI_UPLOAD_URL": "http://127.0.0.1:1/",
        "NOXSHIP_TARGET_TESTPYPI_INDEX_URL": "http://127.0.0.1:1/simple",
        "NOXSHIP_TARGET_MIRROR_UPLOAD_URL": "http://127.0.0.1:2/",
        "NOXSHIP_TARGET_MIRROR_INDEX_URL": "http://127.0.0.1:2/simple/",
    }
    assert resolve_target("testpypi", env).index_url == "http://127.0.0.1:1/simple/"
    assert resolve_target("mirror", env).upload_url == "http://127.0.0.1:2/"


def test_unknown_target() -> None:
    with pytest.raises(ConfigError, match="unknown target 'nope'.*NOXSHIP_TARGET_NOPE_UPLOAD_URL"):
        resolve_target("nope", {})


def test_gitlab_target_needs_ci_variables() -> None:
    with pytest.raises(ConfigError, match="CI_API_V4_URL and CI_PROJECT_ID"):
        resolve_target("gitlab", {})
    target = resolve_target(
        "gitlab", {"CI_API_V4_URL": "https://gl.example/api/v4", "CI_PROJECT_ID": "7"}
    )
    assert target.upload_url == "https://gl.example/api/v4/projects/7/packages/pypi"
    assert target.index_url == "https://gl.example/api/v4/projects/7/packages/pypi/simple/"


@pytest.mark.parametrize(
    ("name", "env", "username", "source"),
    [
        ("pypi", {"PYPI_ID_TOKEN": "x", "PYPI_TOKEN": "t"}, "__token__", "trusted publishing"),
        (
            "pypi",
            {"ACTIONS_ID_TOKEN_REQUEST_URL": "u", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t"},
            "__token__",
            "GitHub Actions OIDC",
        ),
        ("pypi", {"PYPI_TOKEN": SENTINEL, "TWINE_PASSWORD": "p"}, "__token__", "PYPI_TOKEN"),
        ("testpypi", {"TEST_PYPI_TOKEN": SENTINEL}, "__token__", "TEST_PYPI_TOKEN"),
        ("testpypi", {"TWINE_USERNAME": "me", "TWINE_PASSWORD": SENTINEL}, "me", "TWINE_PASSWORD"),
        ("gitlab", {"GITLAB_TOKEN": SENTINEL, "CI_JOB_TOKEN": "j"}, "__token__", "GITLAB_TOKEN"),
        ("gitlab", {"GITLAB_DEPLOY_USER": "d", "GITLAB_DEPLOY_TOKEN": SENTINEL}, "d", "deploy"),
        ("gitlab", {"CI_JOB_TOKEN": SENTINEL}, "gitlab-ci-token", "CI_JOB_TOKEN"),
    ],
)
def test_credential_order(name: str, env: dict[str, str], username: str, source: str) -> None:
    env = {"CI_API_V4_URL": "https://gl.example/api/v4", "CI_PROJECT_ID": "7", **env}
    creds = resolve_credentials(resolve_target(name, env), env)
    assert creds.username == username
    assert source in creds.source
    assert SENTINEL not in repr(creds)


@pytest.mark.parametrize(
    ("name", "wanted"), [("pypi", "PYPI_TOKEN"), ("testpypi", "TEST_PYPI_TOKEN")]
)
def test_missing_credentials_name_the_variables(name: str, wanted: str) -> None:
    with pytest.raises(CredentialsError, match=wanted) as info:
        resolve_credentials(resolve_target(name, {}), {})
    assert info.value.exit_code == ExitCode.CREDENTIALS


def test_twine_environment_carries_credentials_not_argv() -> None:
    env = {"PYPI_TOKEN": SENTINEL}
    target = resolve_target("pypi", env)
    twine_env = twine_environment(target, resolve_credentials(target, env), {}, env)
    assert twine_env["TWINE_PASSWORD"] == SENTINEL
    assert twine_env["TWINE_REPOSITORY_URL"] == DEFAULT_REPOSITORY
    assert twine_env["TWINE_NON_INTERACTIVE"] == "1"


def test_trusted_publishing_passes_the_id_token_only() -> None:
    env = {"TESTPYPI_ID_TOKEN": SENTINEL}
    target = resolve_target("testpypi", env)
    creds = resolve_credentials(target, env)
    twine_env = twine_environment(target, creds, {}, env)
    assert "TWINE_PASSWORD" not in twine_env
    assert twine_env["TESTPYPI_ID_TOKEN"] == SENTINEL


def test_dotenv_read_on_laptop_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".env").write_text(f"PYPI_TOKEN={SENTINEL}\nTWINE_USERNAME=file\n")
    assert credential_environment(tmp_path, {})["PYPI_TOKEN"] == SENTINEL
    assert credential_environment(tmp_path, {"TWINE_USERNAME": "env"})["TWINE_USERNAME"] == "env"
    assert "PYPI_TOKEN" not in credential_environment(tmp_path, {"CI": "true"})
