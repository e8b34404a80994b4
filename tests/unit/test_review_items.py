"""Home-made parsing replaced by libraries (review section 1), and failures no
longer swallowed (section 3): each test fails on the code before the change."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from packaging.version import Version

from noxship import __version__
from noxship.build.dist import wheel_metadata
from noxship.errors import ConfigError, DistributionError
from noxship.plan import CIContext, preview_version
from noxship.project import Project
from noxship.release.tagging import tag_release


def project_with(tmp_path: Path, body: str) -> Project:
    (tmp_path / "pyproject.toml").write_text(body, encoding="utf-8")
    return Project.load(tmp_path, check_requires_python=False)


def test_poetry_caret_constraint_is_not_any_python(tmp_path: Path) -> None:
    project = project_with(
        tmp_path,
        '[tool.poetry]\nname = "p"\nversion = "1.0"\n[tool.poetry.dependencies]\npython = "^3.10"\n',
    )
    assert str(project.requires_python) == "<4.0,>=3.10"
    assert not project.supported("3.9.1") and project.supported("3.13.0")


def test_invalid_requires_python_is_an_error_not_any_python(tmp_path: Path) -> None:
    project = project_with(
        tmp_path, '[project]\nname = "p"\nversion = "1.0"\nrequires-python = ">=three"\n'
    )
    with pytest.raises(ConfigError, match="not a valid specifier"):
        project.supported("3.12.0")


@pytest.mark.parametrize(
    ("version", "preview"),
    [
        ("1.4.0", "1.4.0.dev7"),
        ("1.4.0rc1", "1.4.0rc1.dev7"),
        ("1!2.0.post1", "1!2.0.post1.dev7"),
        ("1.4.0+local", "1.4.0.dev7"),
        ("1.4.0.dev3", "1.4.0.dev7"),
    ],
)
def test_preview_version_with_packaging(tmp_path: Path, version: str, preview: str) -> None:
    project = project_with(tmp_path, f'[project]\nname = "p"\nversion = "{version}"\n')
    ctx = CIContext(
        "gitlab", "merge_request", run_number="7", run_number_variable="CI_PIPELINE_IID"
    )
    assert preview_version(project, ctx)[0] == Version(preview)


def test_wheel_without_metadata_is_a_distribution_error(tmp_path: Path) -> None:
    wheel = tmp_path / "p-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("p/__init__.py", "")
    with pytest.raises(DistributionError, match="holds 0 .dist-info/METADATA"):
        wheel_metadata(wheel)


def test_version_comes_from_the_installed_metadata() -> None:
    from importlib.metadata import version

    assert __version__ == version("noxship")


@pytest.mark.parametrize(
    ("provider", "variable"), [("gitlab", "CI_COMMIT_SHA"), ("github", "GITHUB_SHA")]
)
def test_tag_without_the_commit_variable_is_refused(
    tmp_path: Path, provider: str, variable: str
) -> None:
    """Review 3: the literal "HEAD" was sent as the ref when the variable was missing."""
    project = project_with(tmp_path, '[project]\nname = "p"\nversion = "1.0"\n')
    with pytest.raises(ConfigError, match=f"{variable} is not set"):
        tag_release(project, {"CI_JOB_TOKEN": "x"}, provider, "v1.0", "1.0", ["pypi"])


def test_github_payload_of_unexpected_types_is_read_safely(tmp_path: Path) -> None:
    import json

    from noxship.plan import detect

    payload = tmp_path / "event.json"
    payload.write_text(json.dumps({"repository": "oops", "head_commit": ["x"], "pull_request": 3}))
    ctx = detect({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
                  "GITHUB_EVENT_PATH": str(payload)})  # fmt: skip
    assert ctx.event == "pull_request" and ctx.default_branch is None


def test_a_build_outside_git_says_it_is_not_reproducible(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Review 3: the build gave up reproducible builds without a word."""
    import logging

    from noxship.build import source_date_epoch

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    with caplog.at_level(logging.WARNING, logger="noxship"):
        assert source_date_epoch(tmp_path) is None
    assert "this build is not reproducible" in caplog.text


def test_preview_copy_keeps_a_package_named_build(tmp_path: Path) -> None:
    """The preview build's copy left out every directory named ``build``, so a
    package with a ``build`` subpackage (noxship itself) lost it."""
    from noxship.build.builder import _with_version

    root = tmp_path / "p"
    (root / "src" / "p" / "build").mkdir(parents=True)
    (root / "src" / "p" / "build" / "__init__.py").write_text("")
    (root / "build").mkdir()
    (root / "build" / "junk").write_text("")
    project = project_with(root, '[project]\nname = "p"\nversion = "1.0"\n')
    copy = _with_version(project, Version("1.0.dev3"), tmp_path / "copy")
    assert (copy / "src" / "p" / "build" / "__init__.py").is_file()
    assert not (copy / "build").exists()
    assert 'version = "1.0.dev3"' in (copy / "pyproject.toml").read_text()
