"""One home for credentials: every variable README.md's credentials table names
is a credential, and environments for code noxship does not own hold none."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from noxship.environment import (
    clean_env,
    is_credential,
    redactor_for,
    without_index_settings,
)

README = Path(__file__).resolve().parents[2] / "README.md"
SENTINEL = "SENTINEL-env-4c2a"


def readme_credential_variables() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Credentials", 1)[1].split("\n## ", 1)[0]
    table = "\n".join(line for line in section.splitlines() if line.startswith("|"))
    names = re.findall(r"`([A-Z_][A-Z0-9_<>]+)`", table)
    prefix = "NOXSHIP_TARGET_<NAME>"
    full = [n if not n.startswith("_") else prefix + n for n in names]
    return [n.replace("<NAME>", "MIRROR") for n in full if n != "NAME"]


def test_readme_table_is_read() -> None:
    names = readme_credential_variables()
    assert {"PYPI_TOKEN", "CI_JOB_TOKEN", "NOXSHIP_TARGET_MIRROR_PASSWORD"} <= set(names)


@pytest.mark.parametrize("name", readme_credential_variables())
def test_every_readme_credential_is_known(name: str) -> None:
    assert is_credential(name)
    assert name not in clean_env(environ={name: SENTINEL})


def test_target_username_is_removed_and_password_masked() -> None:
    """Review 4: one module treated NOXSHIP_TARGET_*_USERNAME as secret, another did not."""
    env = {"NOXSHIP_TARGET_X_USERNAME": "someone", "NOXSHIP_TARGET_X_PASSWORD": SENTINEL}
    assert clean_env(environ=env) == {}
    assert redactor_for(env)(f"pw {SENTINEL}") == "pw <hidden>"


def test_index_settings_are_removed_for_pip_and_uv() -> None:
    env = {
        "PIP_INDEX_URL": "http://x/",
        "PIP_EXTRA_INDEX_URL": "http://y/",
        "UV_INDEX": "http://z/",
        "UV_EXTRA_INDEX_URL": "http://w/",
        "UV_FIND_LINKS": "/tmp",
        "UV_CACHE_DIR": "/cache",
        "PATH": "/bin",
    }
    assert without_index_settings(env) == {
        "UV_CACHE_DIR": "/cache",
        "PATH": "/bin",
        "UV_NO_CONFIG": "1",
    }


GITLAB_AND_GITHUB_COPIES = {
    # M1 of the 2026-12-03 security review: GitLab's copies of the job token, and others.
    "CI_REPOSITORY_URL": f"https://gitlab-ci-token:{SENTINEL}@gitlab.example.com/g/p.git",
    "CI_REGISTRY_PASSWORD": SENTINEL,
    "CI_DEPENDENCY_PROXY_PASSWORD": SENTINEL,
    "CI_JOB_JWT_V2": SENTINEL,
    "GH_TOKEN": SENTINEL,
    "ACTIONS_RUNTIME_TOKEN": SENTINEL,
    "UV_PUBLISH_TOKEN": SENTINEL,
    "UV_INDEX_CORP_PASSWORD": SENTINEL,
    "PIP_INDEX_URL": f"https://alice:{SENTINEL}@pypi.corp.example/simple/",
    "MY_APP_SECRET": SENTINEL,
    "SOME_TOOL_SETTING": SENTINEL,  # not on the allow-list
    "CI_COMMIT_MESSAGE": f"release, leaking {SENTINEL} that PYPI_TOKEN holds",
    "PYPI_TOKEN": SENTINEL,
}


def test_the_environment_is_an_allow_list() -> None:
    """No credential, no copy of one, and nothing unknown reaches code noxship does not
    own; the tools' own settings and the CI's metadata do."""
    passed = {
        "PATH": "/usr/bin",
        "HOME": "/root",
        "LANG": "C.UTF-8",
        "UV_CACHE_DIR": "/cache/uv",
        "CI_PROJECT_DIR": "/builds/g/p",
        "GITHUB_SHA": "abc",
        "SETUPTOOLS_SCM_PRETEND_VERSION": "1.0",
        "CC": "gcc",
    }
    environ = {
        **GITLAB_AND_GITHUB_COPIES,
        **dict.fromkeys(readme_credential_variables(), SENTINEL),
        **passed,
    }
    env = clean_env(environ=environ)
    assert not any(SENTINEL in value for value in env.values()), env
    assert env == passed


def test_more_variables_pass_by_name_but_never_a_credential() -> None:
    environ = {
        "SOME_TOOL_SETTING": "x",
        "PYPI_TOKEN": SENTINEL,
        "NOXSHIP_PASS_ENV": "SOME_TOOL_SETTING, PYPI_TOKEN",
    }
    env = clean_env(environ=environ)
    assert env["SOME_TOOL_SETTING"] == "x" and "PYPI_TOKEN" not in env


def test_a_context_is_a_snapshot_that_never_shows_a_value() -> None:
    """Issue 26, part 3: one immutable object holds what a run reads from outside;
    its repr names no value (tokens live there)."""
    from noxship.context import Context

    given = {
        "TWINE_PASSWORD": "pypi-AgEIcHlwaS5vcmc-secret",
        "XDG_CACHE_HOME": "/c",
        "PATH": "/a:/b",
    }
    context = Context.from_environ(given)
    given["PATH"] = "/changed"
    assert context.search_path == ("/a", "/b")  # a copy: later changes do not reach it
    assert context.cache_home == Path("/c")
    assert "secret" not in repr(context) and "secret" not in str(context)
    with pytest.raises(TypeError):
        context.environ["PATH"] = "/x"  # type: ignore[index]
    with pytest.raises(AttributeError):
        context.environ = {}  # type: ignore[misc]


def test_a_context_carries_the_project_and_the_ci_provider(tmp_path: Path) -> None:
    """The release chains take one Context: the environment, the project and the
    CI provider its variables describe; a context without a project says so."""
    from noxship.context import Context
    from noxship.project import Project

    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "1.0"\n', encoding="utf-8"
    )
    project = Project.load(tmp_path)
    gitlab = {"GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "push", "CI_JOB_TOKEN": "glcbt-secret"}
    context = Context.from_environ(gitlab, project=project)
    assert context.project is project
    assert context.ci.provider == "gitlab"
    assert repr(context) == "Context(demo, <3 variables>)"
    assert Context.from_environ({}).ci.provider == "local"
    with pytest.raises(ValueError, match="holds no project"):
        _ = Context.from_environ({}).project
