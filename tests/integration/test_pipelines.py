"""The pipeline files, checked with real tools.

- Every file passes check-jsonschema with its vendored schema, and the GitHub
  workflows pass actionlint.
- gitlab-ci-local evaluates ``.gitlab-ci.yml`` (the project's own, and one
  written by ``noxship init --ci gitlab``) for each row of the decision table:
  the publish jobs it lists are exactly the targets ``noxship plan`` gives for
  the same variables (``../shared/reference/ci-variables.md`` names them;
  gitlab-ci-local's fakes are replaced with ``--variable``, as
  ``../shared/reference/pipeline-tools.md`` says).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from noxship import __version__
from noxship.project import Project
from noxship.project.cpython import CHECKED, supported_pythons
from tests.conftest import REPO_ROOT, git_repo
from tests.pipeline_tools import (
    COMPONENT,
    actionlint,
    check_jsonschema,
    gitlab_ci_local,
    init_gitlab_project,
    listed_jobs,
    publish_jobs,
    with_origin,
)

# Builds, installs or npm tools: needs the package registries (README.md).
pytestmark = pytest.mark.network

WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))


def load_yaml_documents(text: str) -> list[Any]:
    from ruamel.yaml import YAML

    return list(YAML(typ="safe").load_all(io.StringIO(text)))


# -- schemas and lint ---------------------------------------------------------


def test_gitlab_ci_passes_its_schema() -> None:
    result = check_jsonschema("vendor.gitlab-ci", REPO_ROOT / ".gitlab-ci.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_component_documents_pass_the_schema(tmp_path: Path) -> None:
    """A component is two YAML documents (``spec:``, then the jobs); each is checked."""
    docs = load_yaml_documents(COMPONENT.read_text(encoding="utf-8"))
    assert len(docs) == 2 and "spec" in docs[0]
    files = []
    for i, doc in enumerate(docs):
        path = tmp_path / f"doc{i}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        files.append(path)
    result = check_jsonschema("vendor.gitlab-ci", *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_component_default_version_is_this_release() -> None:
    spec = load_yaml_documents(COMPONENT.read_text(encoding="utf-8"))[0]["spec"]
    assert spec["inputs"]["noxship-version"]["default"] == __version__


def test_github_files_pass_their_schemas_and_actionlint() -> None:
    assert WORKFLOWS
    result = check_jsonschema("vendor.github-workflows", *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr
    result = check_jsonschema("vendor.github-actions", REPO_ROOT / "action.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    result = actionlint(REPO_ROOT, *(w.relative_to(REPO_ROOT) for w in WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_github_pages_is_one_job_that_alone_may_deploy() -> None:
    """#27: the docs reach GitHub Pages from pushes to the default branch, when the
    repository opts in (``NOXSHIP_PAGES``); only the pages job holds ``pages:
    write`` and ``id-token: write`` for it (GitHub docs, "Using custom workflows
    with GitHub Pages")."""
    import yaml

    for path in [REPO_ROOT / ".github" / "workflows" / "release.yml"]:
        jobs = yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"]
        pages = jobs["pages"]
        assert pages["needs"] == "docs"
        assert pages["permissions"] == {"pages": "write", "id-token": "write"}
        assert "vars.NOXSHIP_PAGES == 'true'" in pages["if"]
        assert "github.ref_name == github.event.repository.default_branch" in pages["if"]
        assert pages["steps"][0]["uses"].startswith("actions/deploy-pages@")
        upload = [s for s in jobs["docs"]["steps"] if "upload-pages-artifact" in s.get("uses", "")]
        assert upload and upload[0]["if"] == pages["if"]
        others = [
            n for n, j in jobs.items() if n != "pages" and "pages" in j.get("permissions", {})
        ]
        assert not others


def test_init_github_writes_a_valid_workflow(sample: Callable[..., Path]) -> None:
    root = sample("good")
    subprocess.run(
        [sys.executable, "-m", "noxship", "init", "--no-name-check", str(root), "--ci", "github"],
        check=True,
        capture_output=True,
    )
    workflow = root / ".github" / "workflows" / "release.yml"
    text = workflow.read_text(encoding="utf-8")
    assert f"noxship/noxship@v{__version__}" in text
    assert "https://pypi.org/project/good-sample/" in text
    result = check_jsonschema("vendor.github-workflows", workflow)
    assert result.returncode == 0, result.stdout + result.stderr
    result = actionlint(root, workflow.relative_to(root))
    assert result.returncode == 0, result.stdout + result.stderr


# -- gitlab-ci-local against the planner -------------------------------------


def copy_repo(dest: Path) -> Path:
    """This repository's tracked files, in a new git repository."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, files):
        src = REPO_ROOT / name.decode()
        if src.is_file():
            (dest / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name.decode())
    return with_origin(git_repo(dest))


@pytest.fixture(scope="module")
def own_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_repo(tmp_path_factory.mktemp("own") / "noxship")


@pytest.fixture(scope="module")
def init_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init_gitlab_project(tmp_path_factory.mktemp("init") / "good")


def project_version(root: Path) -> str:
    from noxship.project import Project

    return str(Project.load(root).version)


def yml_variables(root: Path) -> dict[str, str]:
    """The global ``variables:`` of the merged pipeline (the jobs see them)."""
    preview = gitlab_ci_local(root, "--preview")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    merged = load_yaml_documents(preview.stdout[preview.stdout.index("---") :])[-1]
    return {k: str(v) for k, v in (merged.get("variables") or {}).items()}


def plan_targets(root: Path, variables: Mapping[str, str]) -> list[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CI_", "GITLAB_", "GITHUB_", "NOXSHIP_")) and k != "CI"
    }
    env.update(variables)
    # The targets are compared, not the version check (test.pypi.org is out of reach here).
    env.update(NOXSHIP_CHECK_VERSION="false", NOXSHIP_RETRY_DELAY="0")
    result = subprocess.run(
        [sys.executable, "-m", "noxship", "plan", "--format", "json", "--project", str(root)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout)["targets"])


# (case, variables given to the pipeline, variables removed, expected targets)
ROWS: list[tuple[str, dict[str, str], list[str], list[str]]] = [
    (
        "merge request",
        {
            "CI_PIPELINE_SOURCE": "merge_request_event",
            "CI_MERGE_REQUEST_IID": "42",
            "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "1217",
            "CI_COMMIT_TITLE": "Add a feature",
        },
        ["CI_COMMIT_BRANCH"],
        ["testpypi"],
    ),
    (
        "merge request from a fork",
        {
            "CI_PIPELINE_SOURCE": "merge_request_event",
            "CI_MERGE_REQUEST_IID": "43",
            "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "999",
            "CI_COMMIT_TITLE": "Add a feature",
        },
        ["CI_COMMIT_BRANCH"],
        [],
    ),
    (
        "default branch, release message",
        {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main", "CI_COMMIT_TITLE": "{v}"},
        [],
        ["testpypi", "pypi"],
    ),
    (
        "default branch, v-prefixed release message with notes",
        {
            "CI_PIPELINE_SOURCE": "push",
            "CI_COMMIT_BRANCH": "main",
            "CI_COMMIT_TITLE": "v{v}: first release",
        },
        [],
        ["testpypi", "pypi"],
    ),
    (
        "default branch, capitalised release prefix",
        {
            "CI_PIPELINE_SOURCE": "push",
            "CI_COMMIT_BRANCH": "main",
            "CI_COMMIT_TITLE": "Release: v{v}",
        },
        [],
        ["testpypi", "pypi"],
    ),
    (
        "default branch, other commit",
        {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main", "CI_COMMIT_TITLE": "Fix a typo"},
        [],
        [],
    ),
    (
        "default branch, a message that only looks like a version",
        {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main", "CI_COMMIT_TITLE": "10 foo"},
        [],
        [],
    ),
    (
        "feature branch with a release message",
        {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "feature", "CI_COMMIT_TITLE": "{v}"},
        [],
        [],
    ),
    (
        "tag v<version>",
        {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": "v{v}", "CI_COMMIT_TITLE": "{v}"},
        ["CI_COMMIT_BRANCH"],
        ["testpypi", "pypi"],
    ),
    (
        "schedule on the default branch",
        {"CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BRANCH": "main", "CI_COMMIT_TITLE": "{v}"},
        [],
        [],
    ),
    (
        "release targets set by a CI/CD variable",
        {
            "CI_PIPELINE_SOURCE": "push",
            "CI_COMMIT_BRANCH": "main",
            "CI_COMMIT_TITLE": "{v}",
            "NOXSHIP_RELEASE_TARGETS": "gitlab pypi",
        },
        [],
        ["gitlab", "pypi"],
    ),
]

BASE = {
    "GITLAB_CI": "true",
    "CI_DEFAULT_BRANCH": "main",
    "CI_PROJECT_ID": "1217",
    "CI_PIPELINE_IID": "7",
}


def check_row(
    root: Path,
    variables: dict[str, str],
    unset: list[str],
    expected: list[str],
) -> dict[str, str]:
    version = project_version(root)
    given = {k: v.format(v=version) for k, v in variables.items()}
    jobs = listed_jobs(root, given, unset=unset)
    planned = plan_targets(root, {**BASE, **yml_variables(root), **given})
    assert planned == expected
    assert publish_jobs(jobs) == planned, jobs
    return jobs


@pytest.mark.slow  # one gitlab-ci-local run per row
@pytest.mark.parametrize(("case", "variables", "unset", "expected"), ROWS, ids=[r[0] for r in ROWS])
def test_own_pipeline_agrees_with_the_planner(
    own_repo: Path, case: str, variables: dict[str, str], unset: list[str], expected: list[str]
) -> None:
    jobs = check_row(own_repo, variables, unset, expected)
    assert {"lint", "build"} <= set(jobs)
    assert sorted(j for j in jobs if j.startswith("test")) == [
        f"test: [{p}]" for p in supported_pythons(CHECKED, Project.load(own_repo).requires_python)
    ]


@pytest.mark.slow  # one gitlab-ci-local run per row
@pytest.mark.parametrize(("case", "variables", "unset", "expected"), ROWS, ids=[r[0] for r in ROWS])
def test_init_pipeline_agrees_with_the_planner(
    init_project: Path,
    case: str,
    variables: dict[str, str],
    unset: list[str],
    expected: list[str],
) -> None:
    check_row(init_project, variables, unset, expected)


def test_pypi_can_wait_for_a_person(own_repo: Path) -> None:
    version = project_version(own_repo)
    release = {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main", "CI_COMMIT_TITLE": version}
    assert listed_jobs(own_repo, release)["publish:pypi"] == "on_success"
    manual = listed_jobs(own_repo, {**release, "NOXSHIP_PYPI_MANUAL": "true"})
    assert manual["publish:pypi"] == "manual"
    assert manual["publish:testpypi"] == "on_success"


def test_component_inputs_shape_the_pipeline(init_project: Path) -> None:
    version = project_version(init_project)
    jobs = listed_jobs(
        init_project,
        {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main", "CI_COMMIT_TITLE": version},
        inputs={"python-versions": ["3.12"], "release-targets": "gitlab", "pypi-manual": True},
    )
    assert [j for j in jobs if j.startswith("test")] == ["test: [3.12]"]
    assert publish_jobs(jobs) == ["gitlab"]


def test_the_docs_reach_pages_from_the_default_branch_only(
    own_repo: Path, init_project: Path
) -> None:
    """#27: this repository publishes its docs site with GitLab Pages (input
    ``pages: true``) from the default branch; a merge request, another branch or
    a project that did not opt in (``init`` writes ``pages: false``) has no pages job."""
    push = {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main", "CI_COMMIT_TITLE": "x"}
    assert {"docs", "pages"} <= set(listed_jobs(own_repo, push))
    other = listed_jobs(own_repo, {**push, "CI_COMMIT_BRANCH": "feature"})
    assert "docs" in other and "pages" not in other
    request = {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": "3"}
    assert "pages" not in listed_jobs(own_repo, request, unset=["CI_COMMIT_BRANCH"])
    assert "pages" not in listed_jobs(init_project, push)
    opted_in = listed_jobs(init_project, push, inputs={"pages": True})
    assert "pages" in opted_in
    no_docs = listed_jobs(init_project, push, inputs={"pages": True, "docs": False})
    assert "pages" not in no_docs and "docs" not in no_docs


def test_merged_pipeline_passes_the_schema(own_repo: Path, tmp_path: Path) -> None:
    """What GitLab would run (includes, inputs and extends expanded) is valid too."""
    preview = gitlab_ci_local(own_repo, "--preview")
    assert preview.returncode == 0, preview.stderr
    merged = tmp_path / "merged.yml"
    merged.write_text(preview.stdout[preview.stdout.index("---") :], encoding="utf-8")
    result = check_jsonschema("vendor.gitlab-ci", merged)
    assert result.returncode == 0, result.stdout + result.stderr


def test_merged_jobs_have_environments_and_id_tokens(own_repo: Path) -> None:
    preview = gitlab_ci_local(own_repo, "--preview")
    merged: dict[str, Any] = load_yaml_documents(preview.stdout[preview.stdout.index("---") :])[-1]
    assert merged["publish:pypi"]["environment"]["name"] == "pypi"
    # Trusted publishing, and Sigstore for the attestations (PEP 740), merged from two templates.
    sigstore = {"SIGSTORE_ID_TOKEN": {"aud": "sigstore"}}
    assert merged["publish:pypi"]["id_tokens"] == {"PYPI_ID_TOKEN": {"aud": "pypi"}, **sigstore}
    assert merged["publish:testpypi"]["id_tokens"] == {
        "TESTPYPI_ID_TOKEN": {"aud": "testpypi"},
        **sigstore,
    }
    assert merged["publish:pypi"]["variables"]["NOXSHIP_ATTESTATIONS"] == "auto"
    assert "id_tokens" not in merged["publish:gitlab"]
    assert merged["test"]["artifacts"]["reports"]["junit"] == "build/reports/junit-py*.xml"
    # H2: the dotenv report comes from the plan job, which builds nothing.
    assert merged["plan"]["artifacts"]["reports"]["dotenv"] == "plan.env"
    assert "reports" not in merged["build"].get("artifacts", {})
    assert not [line for line in merged["plan"]["script"] if line.startswith("nox ")]
    assert {"plan", "build"} <= {
        n if isinstance(n, str) else n["job"] for n in merged["publish:pypi"]["needs"]
    }
    # H3: one cache per kind of job; the publish jobs, which hold the keys, use none.
    keys = {
        job: merged[job]["variables"]["NOXSHIP_CACHE"]
        for job in ("lint", "plan", "build", "docs", "coverage")
    }
    assert len(set(keys.values())) == len(keys), keys
    for job in ("publish:pypi", "publish:testpypi", "publish:gitlab"):
        assert merged[job]["cache"] == [], job
    # Tokens come only from CI/CD variables: none is written in the file.
    text = json.dumps(merged)
    for name in ("PYPI_TOKEN", "TEST_PYPI_TOKEN", "TWINE_PASSWORD", "GITLAB_TOKEN"):
        assert f'"{name}":' not in text
