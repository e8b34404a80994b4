"""One whole GitLab pipeline, run for real by gitlab-ci-local in shell mode on a
project made with ``noxship init --ci gitlab``: lint, build, test the wheel,
publish. The publish target (``testpypi``, its URLs overridden the documented
way) is a pypiserver on 127.0.0.1, and the GitLab Release goes to the fake
GitLab API (``tests/fake_gitlab.py``). The run must end with the package on the
index, installed from it by the pipeline, and the Release created.

gitlab-ci-local does not set ``GITLAB_CI`` (GitLab always sets it to ``true``),
so the test sets it, with the other variables of a default-branch push.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from noxship.build.dist import sha256_of
from noxship.publish.local_index import LocalIndex
from tests.fake_gitlab import FakeGitLab
from tests.fault_proxy import FaultProxy, _Handler
from tests.pipeline_tools import gitlab_ci_local, init_gitlab_project

# Builds, installs or npm tools: needs the package registries (README.md).
pytestmark = [pytest.mark.slow, pytest.mark.network]  # whole pipelines

JOB_TOKEN = "SENTINEL-pipeline-job-token-33"


def _sha(root: Path) -> str:
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()


def _commit(root: Path, message: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@e.invalid", "commit", "-qam", message],
        cwd=root,
        check=True,
    )


def empty_requirements(tmp_path: Path) -> Path:
    folder = tmp_path / "requirements"
    folder.mkdir()
    for name in ("uv.txt", "noxship.txt"):
        (folder / name).write_text("")
    return folder


SENTINELS = {
    # Credentials no job of this pipeline may send anywhere or hand to the project's code.
    "PYPI_TOKEN": "pypi-SENTINEL-pipeline-pypi-41",
    "TEST_PYPI_TOKEN": "pypi-SENTINEL-pipeline-testpypi-42",
    "TWINE_PASSWORD": "pypi-SENTINEL-pipeline-twine-43",
    "CI_REGISTRY_PASSWORD": JOB_TOKEN,
    "CI_REPOSITORY_URL": f"https://gitlab-ci-token:{JOB_TOKEN}@gitlab.com/acme/good.git",
}

DUMPING_CONFTEST = """\
import json, os

with open(os.path.join({dumps!r}, os.environ.get("CI_JOB_NAME", "job").replace(":", "_")
                       .replace(" ", "_").replace("/", "_") + ".json"), "w") as f:
    json.dump(dict(os.environ), f)
"""


class _RecordingHandler(_Handler):
    """Records each request's method, path, headers and body, then forwards it."""

    def do_GET(self) -> None:
        self.owner.seen.append(f"GET {self.path} {dict(self.headers)}")  # type: ignore[attr-defined]
        super().do_GET()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.owner.seen.append(f"POST {self.path} {dict(self.headers)} {body[-4096:]!r}")  # type: ignore[attr-defined]
        self.rfile = io.BytesIO(body)
        super().do_POST()


class Recording(FaultProxy):
    """The fault proxy without faults, recording every request to the index."""

    handler = _RecordingHandler

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.seen: list[str] = []


def test_release_pipeline_publishes_to_the_local_index(tmp_path: Path) -> None:
    """The whole pipeline, with a sentinel in every credential no job needs: the tests
    of every test job record their environment, and a proxy records every request to
    the index. The sentinels appear in neither; the index's own password only in the
    publish job's requests to its own target."""
    root = init_gitlab_project(tmp_path / "good")
    dumps = tmp_path / "envdumps"
    dumps.mkdir()
    (root / "tests" / "conftest.py").write_text(DUMPING_CONFTEST.format(dumps=str(dumps)))
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@e.invalid", "commit", "-qm", "0.3.0"],
        cwd=root,
        check=True,
    )
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()
    with LocalIndex() as index, Recording(index.url) as proxy, FakeGitLab() as gitlab:
        gitlab.add_token(JOB_TOKEN, "job")
        # If a PyPI token went to GitLab (M2), the fake would record it as this kind.
        gitlab.add_token(SENTINELS["TWINE_PASSWORD"], "pypi-token-sent-to-gitlab")
        gitlab.add_token(SENTINELS["PYPI_TOKEN"], "pypi-token-sent-to-gitlab")
        env = {
            # The jobs' python, nox and noxship are this test's own (the shell executor).
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "NOXSHIP_TARGET_TESTPYPI_UPLOAD_URL": proxy.url,
            "NOXSHIP_TARGET_TESTPYPI_INDEX_URL": f"{proxy.url}simple/",
            "NOXSHIP_TARGET_TESTPYPI_USERNAME": index.username,
            "NOXSHIP_TARGET_TESTPYPI_PASSWORD": index.password.reveal(),
            **SENTINELS,
        }
        result = gitlab_ci_local(
            root,
            "--force-shell-executor",
            "--shell-isolation",
            "--no-artifacts-to-source",
            variables={
                "GITLAB_CI": "true",
                "CI_PIPELINE_SOURCE": "push",
                "CI_COMMIT_BRANCH": "main",
                "CI_DEFAULT_BRANCH": "main",
                "CI_COMMIT_TITLE": "0.3.0",
                "CI_API_V4_URL": gitlab.api_url,
                "CI_PROJECT_ID": str(gitlab.project_id),
                "CI_JOB_TOKEN": JOB_TOKEN,
                "NOXSHIP_RELEASE_TARGETS": "testpypi",
                # noxship and its dependencies are already installed in this venv:
                # pip finds noxship satisfied, and the hashed requirements the
                # jobs install first are empty here (the real ones would change
                # the packages of the venv the tests run in).
                "NOXSHIP_INSTALL": "noxship",
                "NOXSHIP_REQUIREMENTS": str(empty_requirements(tmp_path)),
            },
            inputs={"python-versions": ["3.11"], "trusted-publishing": False},
            env=env,
            timeout=900,
        )
        log = result.stdout + result.stderr
        assert result.returncode == 0, log[-6000:]
        for job in ("lint", "build", "test: [3.11]", "coverage", "publish:testpypi"):
            assert f"PASS  {job}" in log, job
        files = {p.name: sha256_of(p) for p in index.files()}
        assert sorted(files) == ["good_sample-0.3.0-py3-none-any.whl", "good_sample-0.3.0.tar.gz"]
        # The publish job installed the package back from the index.
        assert (
            f"installed good-sample 0.3.0 from {proxy.url}simple/ (the package from that index "
            "alone)" in log
        )
        for name, digest in files.items():
            assert f"{digest}  {name}  (uploaded)" in log
        # The last target's job created the Release, and with it the tag.
        assert gitlab.tags == {"v0.3.0": head}
        assert gitlab.releases["v0.3.0"]["name"] == "good-sample 0.3.0"
        assert index.password.reveal() not in log
        assert JOB_TOKEN not in log
    recorded = {p.name: p.read_text() for p in dumps.iterdir()}
    assert recorded, "the test jobs' tests recorded their environment"
    secrets = [*SENTINELS.values(), index.password.reveal()]
    for name, text in recorded.items():
        assert not [s for s in secrets if s in text], name
    requests = "\n".join(proxy.seen)
    assert proxy.seen and "POST" in requests
    assert not [s for s in SENTINELS.values() if s in requests]
    assert {kind for _, _, kind in gitlab.requests} <= {"job", "anonymous"}, gitlab.requests


@pytest.mark.parametrize(
    ("title", "bumped", "fails"),
    [
        ("0.3.0", False, True),
        ("Fix a typo in the docs", False, False),
        ("Bump the version", True, True),
    ],
    ids=["release-title", "ordinary", "bumped-in-the-request"],
)
def test_a_merge_request_whose_version_is_taken_fails_in_the_check_job(
    tmp_path: Path, title: str, bumped: bool, fails: bool
) -> None:
    """README.md's two flows. Bump after merging: an ordinary merge request on a released
    version passes, one whose title is a release message must have a free version. Bump
    in the merge request: a version changed from the base (CI_MERGE_REQUEST_DIFF_BASE_SHA)
    to a taken one fails."""
    root = init_gitlab_project(tmp_path / "good")  # version 0.3.0
    base = _sha(root)
    if bumped:  # the base had 0.2.9; the request bumps it to 0.3.0, which is taken
        pyproject = root / "pyproject.toml"
        text = pyproject.read_text(encoding="utf-8")
        pyproject.write_text(text.replace('version = "0.3.0"', 'version = "0.2.9"'))
        _commit(root, "0.2.9")
        base = _sha(root)
        pyproject.write_text(text)
        _commit(root, "Bump the version")
    with LocalIndex() as index:  # open reads: TestPyPI's index is public
        # The index already holds 0.3.0 (pypiserver serves its directory's files).
        (index.packages / "good_sample-0.3.0.tar.gz").write_bytes(b"released earlier")
        result = gitlab_ci_local(
            root,
            "check-version",
            "--force-shell-executor",
            "--shell-isolation",
            variables={
                "GITLAB_CI": "true",
                "CI_PIPELINE_SOURCE": "merge_request_event",
                "CI_MERGE_REQUEST_IID": "4",
                "CI_MERGE_REQUEST_TITLE": title,
                "CI_MERGE_REQUEST_DIFF_BASE_SHA": base,
                "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
                "CI_PIPELINE_IID": "12",
                "CI_DEFAULT_BRANCH": "main",
                "NOXSHIP_RELEASE_TARGETS": "testpypi",
                "NOXSHIP_INSTALL": "noxship",
                "NOXSHIP_REQUIREMENTS": str(empty_requirements(tmp_path)),
            },
            env={
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                "NOXSHIP_TARGET_TESTPYPI_UPLOAD_URL": index.url,
                "NOXSHIP_TARGET_TESTPYPI_INDEX_URL": index.simple_url,
            },
            timeout=300,
        )
    log = result.stdout + result.stderr
    if not fails:
        assert result.returncode == 0, log[-4000:]
        assert "PASS  check-version" in log, log[-4000:]
        assert "merging this merge request releases nothing" in log, log[-4000:]
        return
    assert result.returncode != 0, log[-4000:]
    assert "FAIL  check-version" in log, log[-4000:]
    assert (
        "noxship: error: [project] version says 0.3.0, which is already released (testpypi): "
        "bump it before merging: noxship bump patch, or a version from 0.3.1 up" in log
    ), log[-4000:]
