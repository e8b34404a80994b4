"""The Nox sessions, run for real with nox on sample projects."""

from __future__ import annotations

import json
import subprocess
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
    # A bare `nox` runs lint and tests; clean, the builds and every publish only when named.
    for name in ("lint", "tests"):
        assert f"* {name} " in result.stdout
    for name in ("build", "test_wheel", "publish", "release_test", "release_prod",
                 "release_local", "clean"):  # fmt: skip
        assert f"- {name} " in result.stdout


@pytest.mark.slow  # a whole release_local
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


@pytest.mark.slow  # a whole release_local
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


def test_an_untracked_dotenv_never_ships(sample: Callable[..., Path]) -> None:
    """hatchling packs untracked files: a .env with a token would be in the sdist.
    The build stops (nothing to publish); after `noxship init` ignores .env, the
    same tree builds and no archive holds it."""
    import subprocess
    import tarfile

    from noxship.init import NOXFILE

    root = sample("hatch", init=False)
    (root / "noxfile.py").write_text(NOXFILE, encoding="utf-8")
    (root / ".env").write_text("PYPI_TOKEN=pypi-SENTINEL-untracked-dotenv\n", encoding="utf-8")
    failed = run_nox(root, "-s", "build")
    assert failed.returncode != 0
    assert (
        "hatchsample-0.3.0.tar.gz holds the credential file hatchsample-0.3.0/.env" in failed.stderr
    )
    assert "pypi-SENTINEL-untracked-dotenv" not in failed.stdout + failed.stderr

    said = subprocess.run(
        [sys.executable, "-m", "noxship", "init", "--no-name-check", "--force", str(root)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "added .env to" in said
    assert ".env" in (root / ".gitignore").read_text(encoding="utf-8").splitlines()
    built = run_nox(root, "-s", "build")
    assert built.returncode == 0, built.stderr[-3000:]
    with tarfile.open(root / "dist" / "hatchsample-0.3.0.tar.gz") as tar:
        assert not [m.name for m in tar if m.name.endswith("/.env")]


def test_lint_hooks_and_project_tests_see_no_credentials(sample: Callable[..., Path]) -> None:
    """A pre-commit hook and the project's own tests run third-party code: they
    must not see PYPI_TOKEN, TEST_PYPI_TOKEN, TWINE_PASSWORD or a target's password."""
    import subprocess

    root = sample("hatch")
    probe = (
        "import os, sys; leaked = [k for k in ('PYPI_TOKEN', 'TEST_PYPI_TOKEN', "
        "'TWINE_PASSWORD', 'NOXSHIP_TARGET_X_PASSWORD') if k in os.environ]; "
        "sys.exit(f'leaked: {leaked}' if leaked else 0)"
    )
    (root / "tests" / "test_env.py").write_text(
        "import os\n\n\ndef test_no_credentials() -> None:\n"
        "    names = ('PYPI_TOKEN', 'TEST_PYPI_TOKEN', 'TWINE_PASSWORD', 'NOXSHIP_TARGET_X_PASSWORD')\n"
        "    assert not [k for k in names if k in os.environ]\n",
        encoding="utf-8",
    )
    (root / "probe.py").write_text(probe + "\n", encoding="utf-8")
    (root / ".pre-commit-config.yaml").write_text(
        "repos:\n  - repo: local\n    hooks:\n      - id: probe\n        name: probe\n"
        "        entry: python probe.py\n        language: system\n"
        "        pass_filenames: false\n        always_run: true\n",
        encoding="utf-8",
    )
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "probe"],
                   cwd=root, check=True)  # fmt: skip
    secrets = {
        "PYPI_TOKEN": "pypi-SENTINEL-a",
        "TEST_PYPI_TOKEN": "pypi-SENTINEL-b",
        "TWINE_PASSWORD": "SENTINEL-c",
        "NOXSHIP_TARGET_X_PASSWORD": "SENTINEL-d",
    }
    for session in ("tests", "lint"):
        result = run_nox(root, "-s", session, env=secrets)
        assert result.returncode == 0, (session, result.stdout[-2000:], result.stderr[-2000:])
        assert "SENTINEL" not in result.stdout + result.stderr


OWN_NOXFILE = """import nox

nox.options.sessions = ["tests"]


@nox.session(python=False)
def tests(session):
    session.log("the project's own tests session")


@nox.session(name="build", python=False)
def docs(session):
    session.log("the project's own build session")
"""


@pytest.mark.slow  # a whole release_local
def test_a_project_with_its_own_noxfile(sample: Callable[..., Path], tmp_path: Path) -> None:
    """init appends the registration; the project's sessions keep their names and
    its defaults; noxship's clashing sessions become noxship_<name>, and the
    release chain uses them."""
    project = sample("good", init=False)
    (project / "noxfile.py").write_text(OWN_NOXFILE)
    out = subprocess.run([sys.executable, "-m", "noxship", "init", "--no-name-check", str(project)],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "defines build, tests" in out
    listed = run_nox(project, "-l").stdout
    assert "* tests" in listed and "- noxship_tests" in listed and "- noxship_build" in listed
    assert "- build" in listed and "- release_local" in listed
    bare = run_nox(project)
    assert bare.returncode == 0, bare.stderr
    assert "the project's own tests session" in bare.stderr
    assert "Running session noxship_" not in bare.stderr and "clean" not in bare.stderr
    index_dir = tmp_path / "index"
    result = run_nox(project, "-s", "release_local",
                     env={**ONE_PYTHON, "NOXSHIP_LOCAL_INDEX_DIR": str(index_dir)})  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Running session noxship_build" in result.stderr
    assert "the project's own build session" not in result.stderr
    assert len(list(index_dir.iterdir())) == 2


def test_pre_commit_that_cannot_fetch_its_hooks_is_one_line(sample: Callable[..., Path]) -> None:
    project = sample("good")
    (project / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: http://127.0.0.1:9/nothing.git\n  rev: v1\n  hooks:\n  - id: x\n"
    )
    result = run_nox(project, "-s", "lint", env={"PRE_COMMIT_HOME": str(project / ".pc")})
    assert result.returncode != 0
    assert "pre-commit cannot fetch its hook repositories (" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_release_lint_false_leaves_lint_out_of_the_chains(sample: Callable[..., Path]) -> None:
    project = sample("good")
    code = (
        "import nox.registry, noxship.sessions; print(nox.registry.get()['release_test'].requires)"
    )

    def requires() -> str:
        return subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True,
                              text=True, check=True).stdout  # fmt: skip

    assert "'lint'" in requires()
    text = (project / "pyproject.toml").read_text()
    (project / "pyproject.toml").write_text(text + "\n[tool.noxship]\nrelease-lint = false\n")
    assert "'lint'" not in requires() and "'build'" in requires()


def test_a_chain_makes_the_test_venv_during_the_build(sample: Callable[..., Path]) -> None:
    project = sample("good")
    # A test group that names the project itself: that requirement must come
    # from the wheel under test, not from an index (where it is not).
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(
        'test = ["pytest>=7"]', 'test = ["pytest>=7", "good-sample"]'))  # fmt: skip
    subprocess.run(["git", "commit", "-qam", "self-reference"], cwd=project, check=True)
    result = run_nox(project, "-s", "build", "test_wheel", env=ONE_PYTHON)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "the test venv was made during the build; installing the wheel" in result.stderr
    install = next(line for line in result.stderr.splitlines()
                   if "--reinstall-package good-sample" in line)  # fmt: skip
    assert install.endswith("good_sample-0.3.0-py3-none-any.whl good-sample")
    # test_wheel alone makes its venv itself.
    alone = run_nox(project, "-s", "test_wheel", env=ONE_PYTHON)
    assert alone.returncode == 0, alone.stderr[-3000:]
    assert "made during the build" not in alone.stderr
