"""The pipelines ``noxship init`` writes follow ``requires-python`` and the CPython
calendar (issue "Today's Pythons", part 2), on a fixed date (never today's).

For each ``requires-python`` shape the written ``.gitlab-ci.yml`` and GitHub
workflow test on exactly the supported Pythons it admits and run the other jobs
on the newest, and both still pass the real checkers: gitlab-ci-local (the
component's ``parallel: matrix`` jobs), check-jsonschema, actionlint and zizmor.
The files noxship itself ships (component, action, this repository's pipelines)
follow the same table on :data:`~noxship.project.cpython.CHECKED`.
"""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from noxship.init import write_ci
from noxship.project import Project
from noxship.project.cpython import CHECKED, supported_pythons
from tests.conftest import PROJECTS, REPO_ROOT, git_repo
from tests.integration.test_zizmor import findings
from tests.pipeline_tools import (
    COMPONENT,
    actionlint,
    check_jsonschema,
    listed_jobs,
    seed_component,
    with_origin,
)

pytestmark = pytest.mark.network  # npm tools, zizmor

ON = datetime.date(2026, 12, 1)  # 3.10 ended 2026-10-31 (PEP 619); 3.15.0 2026-10-01 (PEP 790)

SHAPES = [
    (">=3.9", ["3.11", "3.12", "3.13", "3.14", "3.15"]),
    (">=3.12", ["3.12", "3.13", "3.14", "3.15"]),
    (">=3.11,<3.14", ["3.11", "3.12", "3.13"]),
    (None, ["3.11", "3.12", "3.13", "3.14", "3.15"]),
]


def project_with(root: Path, requires: str | None) -> Path:
    shutil.copytree(PROJECTS / "good", root)
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    line = 'requires-python = ">=3.9"\n'
    assert line in text
    new = f'requires-python = "{requires}"\n' if requires is not None else ""
    pyproject.write_text(text.replace(line, new), encoding="utf-8")
    return root


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(params=SHAPES, ids=[s or "none" for s, _ in SHAPES])
def shaped(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, list[str]]:
    """A project of each ``requires-python`` shape, and the matrix it should get."""
    requires, expected = request.param
    return project_with(tmp_path / "p", requires), expected


def test_gitlab_pipeline_follows_requires_python(shaped: tuple[Path, list[str]]) -> None:
    root, expected = shaped
    path = write_ci(root, "gitlab", on=ON)
    inputs = load(path)["include"][0]["inputs"]
    assert inputs["python-versions"] == expected
    assert inputs["build-python"] == expected[-1]
    assert check_jsonschema("vendor.gitlab-ci", path).returncode == 0
    root = with_origin(git_repo(root), "https://gitlab.com/acme/good.git")
    seed_component(root)
    version = Project.load(root).version
    jobs = listed_jobs(root, {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main",
                              "CI_DEFAULT_BRANCH": "main", "CI_COMMIT_TITLE": str(version)})  # fmt: skip
    assert sorted(j for j in jobs if j.startswith("test")) == [f"test: [{p}]" for p in expected]
    assert {"lint", "build", "publish:testpypi", "publish:pypi"} <= set(jobs)


def test_github_workflow_follows_requires_python(shaped: tuple[Path, list[str]]) -> None:
    root, expected = shaped
    path = write_ci(root, "github", on=ON)
    jobs = load(path)["jobs"]
    assert jobs["test"]["strategy"]["matrix"]["python"] == expected
    for name, job in jobs.items():
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith("noxship/noxship@") and name != "test":
                assert step["with"]["python-version"] == expected[-1], name
    assert check_jsonschema("vendor.github-workflows", path).returncode == 0
    result = actionlint(root, path.relative_to(root))
    assert result.returncode == 0, result.stdout + result.stderr
    assert {f["ident"] for f in findings(path)} == {"unpinned-uses"}  # noxship's own tag only


def test_no_supported_python_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = project_with(tmp_path / "p", ">=3.8,<3.10")
    result = subprocess.run([sys.executable, "-m", "noxship", "init", "--no-name-check", str(root), "--ci", "gitlab"],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 2
    assert "admits none of the CPython versions supported on" in result.stderr
    assert "only end-of-life ones: 3.8 (ended 2024-10-07), 3.9 (ended 2025-10-31)" in result.stderr
    assert not (root / ".gitlab-ci.yml").exists() and not (root / "noxfile.py").exists()


def test_what_noxship_ships_follows_the_calendar() -> None:
    """The component's defaults, the action's default, and this repository's own
    pipelines are the table's supported Pythons on the day it was checked."""
    everyone = supported_pythons(CHECKED)
    ours = supported_pythons(CHECKED, Project.load(REPO_ROOT).requires_python)
    spec = next(yaml.safe_load_all(COMPONENT.read_text(encoding="utf-8")))["spec"]["inputs"]
    assert spec["python-versions"]["default"] == everyone
    assert spec["build-python"]["default"] == everyone[-1]
    action = load(REPO_ROOT / "action.yml")
    assert action["inputs"]["python-version"]["default"] == everyone[-1]
    own = load(REPO_ROOT / ".gitlab-ci.yml")["include"][0]["inputs"]
    assert own["python-versions"] == ours and own["build-python"] == ours[-1]
    workflow = load(REPO_ROOT / ".github" / "workflows" / "release.yml")
    assert workflow["jobs"]["test"]["strategy"]["matrix"]["python"] == ours


def test_the_templates_are_yaml_the_checkers_read_as_they_ship(tmp_path: Path) -> None:
    """The CI files ``init`` writes live as package data (``noxship/ci/``), real
    YAML with ``<<name>>`` placeholders, not as Python format strings (review
    §3): check-jsonschema and actionlint read each template as it ships, and the
    rendered files leave no placeholder behind."""
    from importlib.resources import files

    from noxship.init import CI_TEMPLATES

    shipped = files("noxship").joinpath("ci")
    gitlab = tmp_path / "gitlab-ci.yml"
    gitlab.write_text(shipped.joinpath(CI_TEMPLATES["gitlab"]).read_text(encoding="utf-8"))
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    github = workflows / "release.yml"
    github.write_text(shipped.joinpath(CI_TEMPLATES["github"]).read_text(encoding="utf-8"))
    assert load(gitlab)["include"][0]["inputs"]["python-versions"] == ["<<pythons>>"]
    assert check_jsonschema("vendor.gitlab-ci", gitlab).returncode == 0
    assert check_jsonschema("vendor.github-workflows", github).returncode == 0
    linted = actionlint(tmp_path, github)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    for provider in ("gitlab", "github"):
        root = project_with(tmp_path / provider, ">=3.12")
        text = write_ci(root, provider, on=ON).read_text(encoding="utf-8")
        assert "<<" not in text and ">>" not in text
