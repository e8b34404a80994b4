"""A sentinel in every credential variable never appears in anything a session prints,
on success and on failure paths (a wrong password answered 403 by a real pypiserver)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from noxship.local_index import LocalIndex
from tests.conftest import run_nox

SENTINEL = "SENTINEL7f3a9c"
ONE_PYTHON = {"NOXSHIP_PYTHONS": f"{sys.version_info[0]}.{sys.version_info[1]}"}


def sentinel_env(index: LocalIndex) -> dict[str, str]:
    env = {
        name: f"{SENTINEL}-{name}"
        for name in (
            "TWINE_PASSWORD",
            "PYPI_TOKEN",
            "TEST_PYPI_TOKEN",
            "GITLAB_TOKEN",
            "CI_JOB_TOKEN",
            "GITLAB_DEPLOY_TOKEN",
            "CI_DEPLOY_PASSWORD",
            "GITHUB_TOKEN",
            "NOXSHIP_TARGET_LOCAL_PASSWORD",
        )
    }
    env.update(ONE_PYTHON)
    for name in ("LOCAL", "TESTPYPI"):
        env[f"NOXSHIP_TARGET_{name}_UPLOAD_URL"] = index.url
        env[f"NOXSHIP_TARGET_{name}_INDEX_URL"] = index.simple_url
    return env


def files_text(root: Path) -> str:
    parts = []
    for path in root.rglob("*"):
        if path.is_file() and ".nox" not in path.parts and ".git" not in path.parts:
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def test_no_sentinel_in_any_output(sample: Callable[..., Path]) -> None:
    project = sample("good")
    (project / ".env").write_text(f"PYPI_TOKEN={SENTINEL}-dotenv\n")
    with LocalIndex() as index:
        env = sentinel_env(index)
        runs = {
            "release_local": run_nox(project, "--verbose", "-s", "release_local", env=env),
            # wrong password: pypiserver answers 403
            "publish": run_nox(
                project,
                "--verbose",
                "-s",
                "publish",
                "--",
                "--target",
                "local",
                "--verbose",
                env=env,
            ),
            # TestPyPI pointed at the local index, wrong token
            "release_test": run_nox(project, "-s", "release_test", env=env),
            # a bad URL with credentials in it
            "bad_url": run_nox(
                project,
                "-s",
                "publish",
                "--",
                "--target",
                "local",
                env={
                    **env,
                    "NOXSHIP_TARGET_LOCAL_INDEX_URL": f"http://user:{SENTINEL}-url@127.0.0.1:9/simple/",
                },
            ),
        }
        plan = subprocess.run(
            [sys.executable, "-m", "noxship", "plan", "--format", "json"],
            cwd=project,
            env={**env, "GITLAB_CI": "true"},
            capture_output=True,
            text=True,
            check=False,
        )
    assert runs["release_local"].returncode == 0, runs["release_local"].stderr[-2000:]
    assert runs["publish"].returncode != 0
    assert "403" in runs["publish"].stdout + runs["publish"].stderr
    assert runs["release_test"].returncode != 0
    assert runs["bad_url"].returncode != 0
    assert plan.returncode == 2
    for name, result in runs.items():
        assert SENTINEL not in result.stdout, name
        assert SENTINEL not in result.stderr, name
    assert SENTINEL not in plan.stdout + plan.stderr
    (project / ".env").unlink()
    assert SENTINEL not in files_text(project)
