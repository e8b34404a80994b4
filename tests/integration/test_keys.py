"""Keys only where they are used (the 2026-12-03 security review): build-time code
without credentials (H1, M1), the install check's dependencies (M3).

The fixture of the review: ``evildep``, an sdist-only package whose in-tree PEP 517
backend records the environment it is given. It reaches the build as a build
requirement of the project, and the install check as a runtime dependency.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = [pytest.mark.network]

SENTINEL = "SENTINEL-keys-7d1e9a"
CREDENTIALS = {
    # README.md's credentials table, and GitLab's and GitHub's own variables.
    "PYPI_TOKEN": f"pypi-{SENTINEL}-1",
    "TEST_PYPI_TOKEN": f"pypi-{SENTINEL}-2",
    "TWINE_USERNAME": "__token__",
    "TWINE_PASSWORD": f"pypi-{SENTINEL}-3",
    "GITLAB_TOKEN": f"glpat-{SENTINEL}-4",
    "GITLAB_DEPLOY_TOKEN": f"gldt-{SENTINEL}-5",
    "CI_JOB_TOKEN": f"glcbt-{SENTINEL}-6",
    "CI_REPOSITORY_URL": f"https://gitlab-ci-token:glcbt-{SENTINEL}-6@gitlab.example.com/g/p.git",
    "CI_REGISTRY_PASSWORD": f"glcbt-{SENTINEL}-6",
    "CI_DEPENDENCY_PROXY_PASSWORD": f"glcbt-{SENTINEL}-6",
    "GITHUB_TOKEN": f"ghs_{SENTINEL}-7",
    "GH_TOKEN": f"ghs_{SENTINEL}-7",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": f"{SENTINEL}-8",
    "UV_PUBLISH_TOKEN": f"pypi-{SENTINEL}-9",
    "NOXSHIP_TARGET_CORP_PASSWORD": f"{SENTINEL}-10",
}

BACKEND = """\
import json, os, zipfile

DUMP = {dump!r}


def _dump(hook):
    with open(DUMP, "a", encoding="utf-8") as f:
        f.write(json.dumps({{"hook": hook, "env": dict(os.environ)}}) + "\\n")


def get_requires_for_build_wheel(config_settings=None):
    _dump("get_requires_for_build_wheel")
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _dump("build_wheel")
    name = "evildep-1.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
        zf.writestr("evildep/__init__.py", "")
        zf.writestr("evildep-1.0.dist-info/METADATA",
                    "Metadata-Version: 2.1\\nName: evildep\\nVersion: 1.0\\n")
        zf.writestr("evildep-1.0.dist-info/WHEEL",
                    "Wheel-Version: 1.0\\nGenerator: evil\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
        zf.writestr("evildep-1.0.dist-info/RECORD", "")
    return name
"""


def evildep(links: Path, dump: Path) -> None:
    """Write ``evildep-1.0.tar.gz`` (sdist only) into ``links``."""
    links.mkdir(parents=True, exist_ok=True)
    files = {
        "evildep-1.0/PKG-INFO": "Metadata-Version: 2.1\nName: evildep\nVersion: 1.0\n",
        "evildep-1.0/pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "backend"\n'
        'backend-path = ["."]\n',
        "evildep-1.0/backend.py": BACKEND.format(dump=str(dump)),
    }
    with tarfile.open(links / "evildep-1.0.tar.gz", "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def recorded(dump: Path) -> list[dict[str, object]]:
    lines = dump.read_text(encoding="utf-8").splitlines() if dump.is_file() else []
    return [json.loads(line) for line in lines]


def no_sentinel(records: list[dict[str, object]]) -> None:
    for record in records:
        env = record["env"]
        assert isinstance(env, dict)
        leaked = [k for k, v in env.items() if SENTINEL in str(v)]
        assert not leaked, (record["hook"], leaked)


def test_a_build_requirement_built_from_its_sdist_gets_no_credential(
    sample: Callable[..., Path], tmp_path: Path
) -> None:
    """H1: uv builds the sdist-only build requirement in the allow-listed environment."""
    root = sample("good", init=False)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace(
            'requires = ["poetry-core>=2.0"]', 'requires = ["poetry-core>=2.0", "evildep"]'
        ),
        encoding="utf-8",
    )
    subprocess.run(
        ["git", "commit", "-qam", "evildep"],
        cwd=root,
        check=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@e.invalid",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@e.invalid",
        },
    )
    dump = tmp_path / "envdump.jsonl"
    evildep(tmp_path / "links", dump)
    env = {**os.environ, **CREDENTIALS, "UV_FIND_LINKS": str(tmp_path / "links")}
    result = subprocess.run(
        [sys.executable, "-m", "noxship", "build"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    records = recorded(dump)
    assert {r["hook"] for r in records} >= {"build_wheel"}, records  # it was built from its sdist
    no_sentinel(records)
    assert SENTINEL not in result.stdout + result.stderr
