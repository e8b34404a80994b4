"""A sentinel in every credential variable (tokens, passwords, ID tokens, a
``.env`` file) never appears in anything noxship prints or writes: every session
and every CLI command, in verbose mode, on success and on failure paths (403
for a wrong password, 500 from the server, a bad URL with credentials in it,
trusted publishing that cannot exchange its ID token). Checked: stdout, stderr,
and every file under the project (``dist/``, ``build/reports``, ``.nox`` logs and
venvs) plus the GitHub output and summary files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from noxship.environment import CREDENTIAL_VARIABLES
from noxship.publish.local_index import LocalIndex
from tests.conftest import run_nox
from tests.fault_proxy import FaultProxy, Faults

# Builds, installs or npm tools: needs the package registries (README.md).
pytestmark = [pytest.mark.slow, pytest.mark.network]  # whole pipelines

SENTINEL = "SENTINEL7f3a9c"
ONE_PYTHON = {"NOXSHIP_PYTHONS": f"{sys.version_info[0]}.{sys.version_info[1]}"}


def id_token_with_sentinel(name: str) -> str:
    """A GitLab ID token (a JWT, whose claims noxship reads before the build) whose
    signature segment is the sentinel, so that a leak of the token shows as text."""
    import base64
    import json

    def part(data: Mapping[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    audience = name.removesuffix("_ID_TOKEN").lower()
    claims = {"iss": "https://gitlab.com", "aud": audience, "jti": name}
    signature = f"{SENTINEL}-{name}".replace("_", "-")
    signature += "A" * (-len(signature) % 4)  # a whole number of base64 quads
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.{signature}"


def sentinel_env(index: LocalIndex, broken: FaultProxy) -> dict[str, str]:
    secret_names = [
        *CREDENTIAL_VARIABLES,
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "NOXSHIP_TARGET_LOCAL_PASSWORD",
        "NOXSHIP_TARGET_FIVE_PASSWORD",
        "NOXSHIP_TARGET_TESTPYPI_PASSWORD",
        "GITLAB_DEPLOY_TOKEN",
    ]
    env = {name: f"{SENTINEL}-{name}" for name in secret_names}
    for name in [n for n in env if n.endswith("_ID_TOKEN")]:
        env[name] = id_token_with_sentinel(name)
    env.update(ONE_PYTHON)
    env.update({"NOXSHIP_UPLOAD_ATTEMPTS": "2", "NOXSHIP_RETRY_DELAY": "0.05"})
    from urllib.parse import urlsplit

    for name in ("LOCAL", "TESTPYPI", "PYPI"):
        env[f"NOXSHIP_TARGET_{name}_UPLOAD_URL"] = index.url
        env[f"NOXSHIP_TARGET_{name}_INDEX_URL"] = index.simple_url
        # PyPI's and TestPyPI's own credentials go to this host only when named (M2).
        env[f"NOXSHIP_TARGET_{name}_TRUST_HOST"] = urlsplit(index.url).netloc
    # A target whose server answers 500 to every upload.
    env["NOXSHIP_TARGET_FIVE_UPLOAD_URL"] = broken.url
    env["NOXSHIP_TARGET_FIVE_INDEX_URL"] = index.simple_url
    return env


def files_text(*roots: Path) -> str:
    parts = []
    for root in roots:
        paths = [root] if root.is_file() else root.rglob("*")
        for path in paths:
            if path.is_file() and not path.is_symlink() and ".git" not in path.parts:
                data = path.read_bytes()
                if SENTINEL.encode() in data:
                    parts.append(f"{path}: {SENTINEL}")
    return "\n".join(parts)


def test_no_sentinel_anywhere(sample: Callable[..., Path], tmp_path: Path) -> None:
    project = sample("good")
    (project / ".env").write_text(
        f"PYPI_TOKEN={SENTINEL}-dotenv\nTEST_PYPI_TOKEN={SENTINEL}-dotenv2\n", encoding="utf-8"
    )
    github_output = tmp_path / "github_output"
    github_summary = tmp_path / "github_summary"
    with LocalIndex() as index, FaultProxy(index.url) as broken:
        broken.faults = Faults(fail=10_000, status=500)
        env = sentinel_env(index, broken)
        bad_url = {
            **env,
            "NOXSHIP_TARGET_LOCAL_INDEX_URL": f"http://user:{SENTINEL}-url@127.0.0.1:9/simple/",
        }
        gitlab_mr = {
            **env,
            "GITLAB_CI": "true",
            "CI_PIPELINE_SOURCE": "merge_request_event",
            "CI_MERGE_REQUEST_IID": "3",
            "CI_PIPELINE_IID": "8",
            "CI_DEFAULT_BRANCH": "main",
        }
        nox_runs = {
            "lint": (["-s", "lint"], env, None),
            "tests": (["-s", "tests"], env, None),
            "build": (["-s", "build"], env, 0),
            "test_wheel": (["-s", "test_wheel"], env, 0),
            "release_local": (["-s", "release_local"], env, 0),
            "publish 403": (["-s", "publish", "--", "--target", "local", "--verbose"], env, 3),
            "publish 500": (["-s", "publish", "--", "--target", "five", "--verbose"], env, 1),
            "publish bad URL": (["-s", "publish", "--", "--target", "local"], bad_url, 1),
            "publish as planned, trusted publishing": (
                ["-s", "publish", "--", "--verbose"],
                gitlab_mr,
                1,
            ),
            "preflight_testpypi": (["-s", "preflight_testpypi"], env, 0),
            "preflight_pypi": (["-s", "preflight_pypi"], env, 0),
            "release_test": (["-s", "release_test"], env, 1),
            "release_prod": (["-s", "release_prod"], env, 1),
        }
        results: dict[str, subprocess.CompletedProcess[str]] = {}
        for name, (args, run_env, code) in nox_runs.items():
            result = run_nox(project, "--verbose", *args, env=run_env)
            results[name] = result
            if code is not None:
                assert (result.returncode == 0) == (code == 0), (name, result.stderr[-3000:])
        assert "403" in results["publish 403"].stdout + results["publish 403"].stderr
        assert "500" in results["publish 500"].stdout + results["publish 500"].stderr

        def cli(*args: str, run_env: dict[str, str] = env) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "noxship", *args],
                cwd=project,
                env={**os.environ, **run_env},
                capture_output=True,
                text=True,
                check=False,
            )

        event = tmp_path / "event.json"
        event.write_text(
            json.dumps(
                {
                    "repository": {"full_name": "acme/good", "default_branch": "main"},
                    "pull_request": {"head": {"repo": {"full_name": "acme/good"}}},
                }
            ),
            encoding="utf-8",
        )
        github = {
            **env,
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_REF": "refs/pull/5/merge",
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_RUN_NUMBER": "5",
            "GITHUB_OUTPUT": str(github_output),
            "GITHUB_STEP_SUMMARY": str(github_summary),
        }
        for fmt in ("text", "json", "dotenv"):
            results[f"plan {fmt}"] = cli("plan", "--format", fmt, run_env=gitlab_mr)
            assert results[f"plan {fmt}"].returncode == 0
        results["plan github"] = cli("plan", "--format", "github", run_env=github)
        assert results["plan github"].returncode == 0, results["plan github"].stderr
        results["cli publish 403"] = cli("publish", "--target", "local", "--verbose")
        assert results["cli publish 403"].returncode == 3  # refused credentials
        results["cli publish 500"] = cli("publish", "--target", "five", "--verbose")
        assert results["cli publish 500"].returncode == 1
        results["cli publish bad URL"] = cli("publish", "--target", "local", run_env=bad_url)
        assert results["cli publish bad URL"].returncode == 1
        results["cli publish planned"] = cli("publish", "--verbose", run_env=gitlab_mr)
        assert results["cli publish planned"].returncode != 0
        # An index that answers with a login page (text/plain), its URL carrying
        # the password: one line, exit 1, in verbose mode too.
        from tests.integration.test_index_answers import LoginPage

        with LoginPage() as page:
            login = f"http://user:{SENTINEL}-url@127.0.0.1:{page.port}/simple/"
            proxy_env = {**env, "NOXSHIP_TARGET_LOCAL_INDEX_URL": login}
            results["cli publish login page"] = cli(
                "publish", "--target", "local", "--verbose", run_env=proxy_env
            )
        assert results["cli publish login page"].returncode == 1
        assert "not a simple index" in results["cli publish login page"].stderr
        # A GitHub event payload of unexpected types.
        odd = tmp_path / "odd.json"
        odd.write_text(json.dumps({"repository": "x", "pull_request": [1]}), encoding="utf-8")
        results["plan odd payload"] = cli("plan", run_env={**github, "GITHUB_EVENT_PATH": str(odd)})
        assert results["plan odd payload"].returncode == 0, results["plan odd payload"].stderr
        # The release tag, with GITHUB_TOKEN, against an origin that refuses it.
        results["cli tag"] = cli(
            "tag", "--verbose",
            run_env={**github, "GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main",
                     "GITHUB_SHA": "0" * 40},
        )  # fmt: skip
        init_dir = tmp_path / "init"
        shutil.copytree(project, init_dir, ignore=shutil.ignore_patterns(".nox", "noxfile.py"))
        for provider in ("gitlab", "github"):
            results[f"init {provider}"] = cli("init", str(init_dir), "--ci", provider, "--force")
            assert results[f"init {provider}"].returncode == 0
        results["clean"] = run_nox(project, "--verbose", "-s", "clean", env=env)

    assert index.files() == []  # every publish to it failed; release_local had its own
    for name, result in results.items():
        assert SENTINEL not in result.stdout, name
        assert SENTINEL not in result.stderr, name
    (project / ".env").unlink()
    (init_dir / ".env").unlink()
    assert files_text(project, init_dir, github_output, github_summary) == ""
