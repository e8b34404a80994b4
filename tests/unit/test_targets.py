from __future__ import annotations

import pytest
from pypi_simple import PYPI_SIMPLE_ENDPOINT
from twine.utils import DEFAULT_REPOSITORY, TEST_REPOSITORY

from noxship.environment import Secret, credential_environment
from noxship.errors import ConfigError, CredentialsError, ExitCode
from noxship.publish import (
    CredentialKind,
    Credentials,
    resolve_credentials,
    resolve_target,
    url_with_credentials,
)

SENTINEL = "SENTINEL-secret-value"


def test_builtin_urls_come_from_twine_and_pypi_simple() -> None:
    pypi = resolve_target("pypi", {}, "x")
    assert (pypi.repository_url, pypi.index_url) == (DEFAULT_REPOSITORY, PYPI_SIMPLE_ENDPOINT)
    test = resolve_target("testpypi", {})
    assert test.repository_url == TEST_REPOSITORY
    assert test.index_url.endswith("/simple/")


def test_env_overrides_builtin_and_defines_new_targets() -> None:
    env = {
        "NOXSHIP_TARGET_TESTPYPI_UPLOAD_URL": "http://127.0.0.1:1/",
        "NOXSHIP_TARGET_TESTPYPI_INDEX_URL": "http://127.0.0.1:1/simple",
        "NOXSHIP_TARGET_MIRROR_UPLOAD_URL": "http://127.0.0.1:2/",
        "NOXSHIP_TARGET_MIRROR_INDEX_URL": "http://127.0.0.1:2/simple/",
    }
    assert resolve_target("testpypi", env).index_url == "http://127.0.0.1:1/simple/"
    assert resolve_target("mirror", env).repository_url == "http://127.0.0.1:2/"


def test_unknown_target() -> None:
    with pytest.raises(ConfigError, match="unknown target 'nope'.*NOXSHIP_TARGET_NOPE_UPLOAD_URL"):
        resolve_target("nope", {})


def test_gitlab_target_needs_ci_variables() -> None:
    with pytest.raises(ConfigError, match="CI_API_V4_URL and CI_PROJECT_ID"):
        resolve_target("gitlab", {})
    target = resolve_target(
        "gitlab", {"CI_API_V4_URL": "https://gl.example/api/v4", "CI_PROJECT_ID": "7"}
    )
    assert target.repository_url == "https://gl.example/api/v4/projects/7/packages/pypi"
    assert target.index_url == "https://gl.example/api/v4/projects/7/packages/pypi/simple/"


@pytest.mark.parametrize(
    ("name", "env", "username", "source"),
    [
        ("pypi", {"PYPI_ID_TOKEN": "x", "PYPI_TOKEN": "t"}, "__token__", "trusted publishing"),
        ("pypi", {"NOXSHIP_TARGET_PYPI_PASSWORD": SENTINEL}, "__token__", "TARGET_PYPI_PASSWORD"),
        (
            "pypi",
            {"ACTIONS_ID_TOKEN_REQUEST_URL": "u", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t"},
            "__token__",
            "GitHub Actions OIDC",
        ),
        ("pypi", {"PYPI_TOKEN": SENTINEL, "TWINE_PASSWORD": "p"}, "__token__", "PYPI_TOKEN"),
        (  # M2: twine's variables hold PyPI tokens; GitLab takes the job token
            "gitlab",
            {"CI_JOB_TOKEN": SENTINEL, "TWINE_PASSWORD": "pypi-x"},
            "gitlab-ci-token",
            "CI_JOB_TOKEN",
        ),
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
    if creds.password is None:
        assert creds.kind is CredentialKind.TRUSTED_PUBLISHING
    else:
        assert creds.password.reveal() == SENTINEL  # each row's winner holds the sentinel
        assert SENTINEL not in repr(creds) and SENTINEL not in f"{creds}"


@pytest.mark.parametrize(
    ("name", "wanted"), [("pypi", "PYPI_TOKEN"), ("testpypi", "TEST_PYPI_TOKEN")]
)
def test_missing_credentials_name_the_variables(name: str, wanted: str) -> None:
    with pytest.raises(CredentialsError, match=wanted) as info:
        resolve_credentials(resolve_target(name, {}), {})
    assert info.value.exit_code == ExitCode.CREDENTIALS


def test_trusted_publishing_holds_no_secret() -> None:
    env = {"TESTPYPI_ID_TOKEN": SENTINEL}
    creds = resolve_credentials(resolve_target("testpypi", env), env)
    assert creds.password is None and creds.trusted_publishing


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://[::1]:8080/simple/", "http://u%3Ax:p%40w@[::1]:8080/simple/"),
        ("https://gl.example/api/v4/simple/", "https://u%3Ax:p%40w@gl.example/api/v4/simple/"),
    ],
)
def test_url_with_credentials_keeps_ipv6_brackets(url: str, expected: str) -> None:
    """Review 1: the host was rebuilt from ``hostname``, which drops IPv6 brackets."""
    creds = Credentials("u:x", Secret("p@w", "test"), "test")
    assert url_with_credentials(url, creds) == expected
    assert url_with_credentials(url, None) == url


def test_index_url_override_drops_the_pypi_page_and_the_packages_api() -> None:
    env = {"NOXSHIP_TARGET_GITLAB_INDEX_URL": "http://127.0.0.1:1/simple/",
           "CI_API_V4_URL": "https://gl.example/api/v4", "CI_PROJECT_ID": "7"}  # fmt: skip
    assert resolve_target("gitlab", env).index_overridden
    assert not resolve_target(
        "gitlab", {**env, "NOXSHIP_TARGET_GITLAB_INDEX_URL": ""}
    ).index_overridden
    assert resolve_target("pypi", {}, "x").page_url == "https://pypi.org/project/x/"
    assert (
        resolve_target("pypi", {"NOXSHIP_TARGET_PYPI_INDEX_URL": "http://h/"}, "x").page_url is None
    )
    assert resolve_target("pypi", {}).is_pypi and not resolve_target("gitlab", env).is_pypi


def test_dotenv_read_on_laptop_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".env").write_text(f"PYPI_TOKEN={SENTINEL}\nTWINE_USERNAME=file\n")
    assert credential_environment(tmp_path, {})["PYPI_TOKEN"] == SENTINEL
    assert credential_environment(tmp_path, {"TWINE_USERNAME": "env"})["TWINE_USERNAME"] == "env"
    assert "PYPI_TOKEN" not in credential_environment(tmp_path, {"CI": "true"})


def test_each_credential_is_bound_to_its_target_and_host() -> None:
    """M2 of the 2026-12-03 security review."""
    from noxship.errors import CredentialsError

    # twine's variables serve PyPI and TestPyPI only, never a custom target
    custom = {
        "NOXSHIP_TARGET_CORP_UPLOAD_URL": "https://corp.example/legacy/",
        "NOXSHIP_TARGET_CORP_INDEX_URL": "https://corp.example/simple/",
        "TWINE_PASSWORD": SENTINEL,
    }
    with pytest.raises(CredentialsError, match="set NOXSHIP_TARGET_CORP_PASSWORD"):
        resolve_credentials(resolve_target("corp", custom), custom)
    # a URL override of a built-in target keeps its built-in credentials home...
    moved = {
        "NOXSHIP_TARGET_TESTPYPI_UPLOAD_URL": "http://127.0.0.1:18081/legacy/",
        "TEST_PYPI_TOKEN": SENTINEL,
        "TESTPYPI_ID_TOKEN": SENTINEL,
    }
    with pytest.raises(CredentialsError, match=r"TRUST_HOST=127\.0\.0\.1:18081 to send them"):
        resolve_credentials(resolve_target("testpypi", moved), moved)
    # ...unless the user names that host
    trusted = {**moved, "NOXSHIP_TARGET_TESTPYPI_TRUST_HOST": "127.0.0.1:18081"}
    creds = resolve_credentials(resolve_target("testpypi", trusted), trusted)
    assert creds.kind is CredentialKind.TRUSTED_PUBLISHING


@pytest.mark.parametrize(
    ("name", "env", "reads_with_credentials"),
    [
        ("pypi", {}, False),  # a public index: reads need no credential
        (
            "testpypi",
            {"NOXSHIP_TARGET_TESTPYPI_INDEX_URL": "https://mirror.example/simple/"},
            False,
        ),
        (
            "corp",
            {
                "NOXSHIP_TARGET_CORP_UPLOAD_URL": "https://corp.example/legacy/",
                "NOXSHIP_TARGET_CORP_INDEX_URL": "https://corp.example/simple/",
            },
            True,
        ),
        (
            "corp",
            {
                "NOXSHIP_TARGET_CORP_UPLOAD_URL": "https://corp.example/legacy/",
                "NOXSHIP_TARGET_CORP_INDEX_URL": "https://mirror.example/simple/",
            },
            False,
        ),
        (
            "corp",
            {
                "NOXSHIP_TARGET_CORP_UPLOAD_URL": "https://corp.example/legacy/",
                "NOXSHIP_TARGET_CORP_INDEX_URL": "http://corp.example/simple/",
            },
            False,
        ),
        (
            "corp",
            {
                "NOXSHIP_TARGET_CORP_UPLOAD_URL": "https://corp.example/legacy/",
                "NOXSHIP_TARGET_CORP_INDEX_URL": "https://corp.example:8443/simple/",
            },
            False,
        ),
        ("gitlab", {}, True),
    ],
)
def test_index_reads_carry_credentials_only_to_the_upload_origin(
    name: str, env: dict[str, str], reads_with_credentials: bool
) -> None:
    env = {"CI_API_V4_URL": "https://gl.example/api/v4", "CI_PROJECT_ID": "7", **env}
    assert resolve_target(name, env).index_reads_with_credentials is reads_with_credentials


def test_the_comparison_download_sends_credentials_only_to_the_index_origin() -> None:
    from noxship.publish.targets import origin

    assert origin("https://corp.example/simple/") == origin("https://corp.example:443/x")
    assert origin("https://corp.example/simple/") != origin("http://corp.example/x")
    assert origin("https://corp.example/simple/") != origin("https://corp.example:8443/x")


@pytest.mark.parametrize(
    ("url", "missing"),
    [
        ("pypi.example.org/simple/", "MissingComponentError"),
        ("ftp://pypi.example.org/simple/", "UnpermittedComponentError"),
        ("https://", "MissingComponentError"),
    ],
)
def test_a_bad_index_url_is_named_as_such(url: str, missing: str) -> None:
    """Review N18: requests' MissingSchema is a ValueError, which read as "a
    project page that is not valid"; the URL is now checked where it is read."""
    env = {
        "NOXSHIP_TARGET_MIRROR_UPLOAD_URL": "https://pypi.example.org/legacy/",
        "NOXSHIP_TARGET_MIRROR_INDEX_URL": url,
    }
    with pytest.raises(ConfigError) as caught:
        resolve_target("mirror", env)
    assert str(caught.value) == (
        f"NOXSHIP_TARGET_MIRROR_INDEX_URL {url!r} is not an http or https URL with a host "
        f"({missing}): write it in full, for example https://host/simple/"
    )


def test_a_url_requests_cannot_read_is_a_config_error_not_a_bad_page() -> None:
    """The same for a Target made without resolve_target: requests' URL errors
    are caught before ValueError (review N18)."""
    import dataclasses

    from noxship.publish.index import list_files

    target = dataclasses.replace(resolve_target("testpypi", {}), index_url="http:///simple/")
    with pytest.raises(ConfigError, match=r"is not a URL requests can read \(InvalidURL\)"):
        list_files(target, "x")
