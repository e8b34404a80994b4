"""The Nox sessions, run for real with nox on sample projects."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_nox

# Builds, installs or npm tools: needs the package registries (README.md).
pytestmark = pytest.mark.network

ONE_PYTHON = {"NOXSHIP_PYTHONS": f"{sys.version_info[0]}.{sys.version_info[1]}"}


def test_nox_lists_the_sessions(sample: Callable[..., Path]) -> None:
    result = run_nox(sample("good"), "-l")
    assert result.returncode == 0, result.stderr
    for name in (
        "lint",
        "tests",
        "build",
        "test_wheel",
        "publish",
        "release_test",
        "release_prod",
        "release_local",
        "clean",
    ):
        assert f"* {name} " in result.stdout


def test_release_local_publishes_the_tested_wheel(
    sample: Callable[..., Path], tmp_path: Path
) -> None:
    project = sample("good")
    index_dir = tmp_path / "index"
    result = run_nox(
        project,
        "-s",
        "release_local",
        env={**ONE_PYTHON, "NOXSHIP_LOCAL_INDEX_DIR": str(index_dir)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    files = sorted(p.name for p in index_dir.iterdir())
    assert files == ["good_sample-0.3.0-py3-none-any.whl", "good_sample-0.3.0.tar.gz"]
    sums = (project / "dist" / "SHA256SUMS").read_text()
    for line in sums.splitlines():
        assert line.split()[0] in result.stdout  # the published sha256 is printed
    assert "http://127.0.0.1:" in result.stdout
    proof = json.loads(next((project / "build" / "reports").glob("imports-py*.json")).read_text())
    assert proof["violations"] == []
    assert all("/site-packages/good/" in path for path in proof["modules"].values())
    assert list((project / "build" / "reports").glob("junit-py*.xml"))
    assert list((project / "build" / "reports").glob("coverage-py*.xml"))


def test_missing_data_file_fails_test_wheel_and_uploads_nothing(
    sample: Callable[..., Path], tmp_path: Path
) -> None:
    project = sample("datafile")
    # The tests pass against the source tree...
    assert run_nox(project, "-s", "tests").returncode == 0
    index_dir = tmp_path / "index"
    result = run_nox(
        project,
        "-s",
        "release_local",
        env={**ONE_PYTHON, "NOXSHIP_LOCAL_INDEX_DIR": str(index_dir)},
    )
    # ...but not against the wheel, which leaves the data file out.
    assert result.returncode != 0
    assert "Session test_wheel aborted" in result.stderr
    assert "not in the wheel: greeter/data/greeting.txt" in result.stderr
    # The chain stops at its first failure: release_local never publishes.
    assert "* test_wheel: aborted" in result.stderr
    assert "release_local: success" not in result.stderr
    assert not index_dir.exists() or not any(index_dir.iterdir())


def test_release_test_without_credentials_stops_before_building(
    sample: Callable[..., Path],
) -> None:
    project = sample("good")
    result = run_nox(
        project, "-s", "release_test", env={"TWINE_PASSWORD": "", "TEST_PYPI_TOKEN": ""}
    )
    assert result.returncode != 0
    assert "no credentials for target testpypi: set TEST_PYPI_TOKEN" in result.stderr
    assert not (project / "dist").exists()


def test_wheel_with_two_wheels_is_refused(sample: Callable[..., Path]) -> None:
    project = sample("good")
    assert run_nox(project, "-s", "build").returncode == 0
    wheel = next((project / "dist").glob("*.whl"))
    (project / "dist" / wheel.name.replace("py3-none-any", "py39-none-any")).write_bytes(
        wheel.read_bytes()
    )
    result = run_nox(project, "-s", "test_wheel", env=ONE_PYTHON)
    assert result.returncode != 0
    assert "holds 2 wheels of good-sample" in result.stderr
