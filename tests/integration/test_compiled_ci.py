"""The pipelines ``noxship init`` writes for a compiled project (issue 28): the
GitHub workflow (cibuildwheel per platform, noxship's wheel test on each, one
publish job per target that gathers the set) passes check-jsonschema, actionlint
and zizmor; the GitLab component's wheels jobs appear per pipeline kind in
gitlab-ci-local, the pure project's test and coverage jobs do not."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from noxship.init import write_ci
from tests.conftest import git_repo
from tests.integration.test_init_matrix import project_with
from tests.integration.test_zizmor import findings
from tests.pipeline_tools import (
    actionlint,
    check_jsonschema,
    listed_jobs,
    seed_component,
    with_origin,
)

pytestmark = pytest.mark.network  # npm tools, zizmor

ON = datetime.date(2026, 12, 1)


def compiled_project(root: Path) -> Path:
    """``tests/projects/good`` with a C extension declared in setup.py."""
    project_with(root, ">=3.12")
    (root / "setup.py").write_text(
        "from setuptools import Extension, setup\n"
        "setup(ext_modules=[Extension('good._speedups', ['src/good/_speedups.c'])])\n",
        encoding="utf-8",
    )
    return root


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_github_workflow_of_a_compiled_project(tmp_path: Path) -> None:
    root = compiled_project(tmp_path / "p")
    path = write_ci(root, "github", on=ON)
    jobs = load(path)["jobs"]
    assert list(jobs) == [
        "check-version", "build", "wheels", "publish-testpypi", "publish-pypi", "tag"
    ]  # fmt: skip
    assert "test" not in jobs and "coverage" not in jobs
    wheels = jobs["wheels"]
    assert wheels["strategy"]["matrix"]["os"] == [
        "ubuntu-latest", "ubuntu-24.04-arm", "macos-15-intel", "macos-latest",
        "windows-latest", "windows-11-arm",
    ]  # fmt: skip
    (cibw,) = [
        s for s in wheels["steps"] if str(s.get("uses", "")).startswith("pypa/cibuildwheel@")
    ]
    assert cibw["env"]["CIBW_BUILD"] == "cp312-* cp313-* cp314-* cp315-*"
    assert cibw["with"]["package-dir"] == "${{ steps.sdist.outputs.path }}"  # from the sdist
    (test,) = [s for s in wheels["steps"] if s.get("with", {}).get("session") == "test_wheel"]
    assert test["with"]["python-version"].split() == ["3.12", "3.13", "3.14", "3.15"]
    for target in ("testpypi", "pypi"):
        steps = jobs[f"publish-{target}"]["steps"]
        downloads = [s["with"] for s in steps if "download-artifact" in s.get("uses", "")]
        assert {"name": "sdist", "path": "dist/"} in downloads
        assert {"pattern": "wheels-*", "path": "dist/", "merge-multiple": True} in downloads
        assert steps[-1]["with"]["gather"] == "true"
        assert jobs[f"publish-{target}"]["permissions"] == {"contents": "read", "id-token": "write"}
    assert "wheels" in jobs["publish-testpypi"]["needs"]
    assert check_jsonschema("vendor.github-workflows", path).returncode == 0
    # actionlint 1.7.7 (its WebAssembly build reads no actionlint.yaml) predates
    # two GitHub-hosted labels: macos-15-intel (2025-09) and windows-11-arm
    # (2025-04). Every other finding fails the test.
    linted = actionlint(root, path.relative_to(root))
    errors = re.findall(r"^\S+:\d+:\d+ (.*)$", linted.stdout, re.MULTILINE)
    newer = ('label "macos-15-intel" is unknown', 'label "windows-11-arm" is unknown')
    assert errors and all(e.startswith(newer) for e in errors), linted.stdout + linted.stderr
    assert {f["ident"] for f in findings(path)} == {"unpinned-uses"}  # noxship's own tag only


def test_the_gitlab_pipeline_of_a_compiled_project(tmp_path: Path) -> None:
    root = compiled_project(tmp_path / "p")
    path = write_ci(root, "gitlab", on=ON)
    assert load(path)["include"][0]["inputs"]["compiled"] is True
    assert check_jsonschema("vendor.gitlab-ci", path).returncode == 0
    root = with_origin(git_repo(root), "https://gitlab.com/acme/good.git")
    seed_component(root)
    release = {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main",
               "CI_DEFAULT_BRANCH": "main", "CI_COMMIT_TITLE": "0.1.0"}  # fmt: skip
    jobs = listed_jobs(root, release)
    assert sorted(j for j in jobs if j.startswith("wheels")) == [
        "wheels:linux: [manylinux_2_28_x86_64]",
        "wheels:linux: [musllinux_1_2_x86_64]",
    ]
    assert not [j for j in jobs if j.startswith(("test", "coverage"))]
    assert {"plan", "build", "publish:testpypi", "publish:pypi"} <= set(jobs)
    with_others = listed_jobs(root, release, inputs={"windows-wheels": True, "macos-wheels": True})
    assert {"wheels:windows", "wheels:macos"} <= set(with_others)
    mr = {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": "42",
          "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "1217", "CI_PROJECT_ID": "1217",
          "CI_DEFAULT_BRANCH": "main"}  # fmt: skip
    preview = listed_jobs(root, mr, unset=["CI_COMMIT_BRANCH"])
    assert "wheels:linux: [manylinux_2_28_x86_64]" in preview
    assert "publish:testpypi" in preview and "publish:pypi" not in preview
    pure = listed_jobs(root, release, inputs={"compiled": False})
    assert not [j for j in pure if j.startswith("wheels")]
    assert [j for j in pure if j.startswith("test")]
