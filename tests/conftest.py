"""Shared fixtures: sample projects in temporary git repositories, and running nox."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from noxship.build.dist import Distribution
from noxship.project import Project
from tests.servers import DevpiServer, IndexUnderTest, pypiserver_index, stop_shared

# Some CI images (this project's among them) set PYTHONDONTWRITEBYTECODE: every
# ``python -m nox`` and ``python -m noxship`` the tests start would then compile nox,
# twine, build and noxship from source again, about 0.5 s of CPU each, hundreds of
# times. A contributor's machine writes bytecode once and reuses it; so do the tests.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

PROJECTS = Path(__file__).parent / "projects"
REPO_ROOT = Path(__file__).parent.parent


def git_repo(path: Path) -> Path:
    """Make ``path`` a git repository with everything committed."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    }
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "initial"]):
        subprocess.run(["git", *args], cwd=path, check=True, env=env)
    return path


LONGEST_FIRST = (
    "test_real_projects.py",  # packaging's 62,000 tests under coverage: 2.5 minutes
    "test_compiled_projects.py",  # cytoolz and Levenshtein, compiled three times each
    "test_secrets_sessions.py",  # thirteen nox runs in one test
    "test_compiled_act.py",
)
"""The modules that hold a test of 30 s or more."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that needs the package registry or a checker tool from it is also
    ``slow``: the fast lane (``-m "not slow"``) is what runs offline, in seconds,
    against local servers and hand-made wheels.

    The tests then start longest first (:data:`LONGEST_FIRST`, the other slow
    tests, the fast ones), so that the pytest-xdist workers end together: with
    the collection's order, packaging's suite and the secrets test started in
    the last third of the run. The sort is stable, so each module's tests stay
    together and a module-scoped fixture is made at most twice per worker."""
    for item in items:
        if item.get_closest_marker("network") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)

    def start(item: pytest.Item) -> int:
        if not item.get_closest_marker("slow"):
            return 2
        return 0 if item.path.name in LONGEST_FIRST else 1

    items.sort(key=start)


@pytest.fixture
def sample(tmp_path: Path) -> object:
    """Return a function that copies ``tests/projects/<name>`` into a new git repo."""

    def make(name: str, *, init: bool = True) -> Path:
        dest = tmp_path / name
        shutil.copytree(PROJECTS / name, dest, ignore=shutil.ignore_patterns("__pycache__"))
        if init:
            subprocess.run(
                [sys.executable, "-m", "noxship", "init", "--no-name-check", str(dest)],
                check=True,
                capture_output=True,
            )
        return git_repo(dest)

    return make


def run_nox(
    project: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float = 1200
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m nox`` in ``project`` and return the finished process."""
    full_env = {**os.environ, "NOX_DEFAULT_VENV_BACKEND": "uv", **(env or {})}
    full_env.pop("CI", None)
    return subprocess.run(
        [sys.executable, "-m", "nox", "--no-color", *args],
        cwd=project,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def devpi_server(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[DevpiServer]:
    """One devpi-server for the whole run (it takes seconds to start): under
    pytest-xdist the first worker that needs it starts it, the others use it
    with clients and index names of their own, and the controller stops it
    (:func:`pytest_sessionfinish`)."""
    if worker_id == "master":  # no xdist: this process owns it
        with DevpiServer() as server:
            yield server
        return
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent
    with FileLock(shared / "devpi.lock"):
        state_file = shared / DEVPI_STATE
        if not state_file.is_file():
            started = DevpiServer().__enter__()
            state_file.write_text(json.dumps(started.detach()), encoding="utf-8")
        state = json.loads(state_file.read_text(encoding="utf-8"))
    yield DevpiServer.attach(state, tmp_path_factory.mktemp("devpi-client"), f"{worker_id}-")


DEVPI_STATE = "devpi-server.json"
"""Where the shared devpi-server is described, beside the workers' temporary directories."""


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The xdist controller (or a run without xdist) stops the shared devpi-server."""
    if hasattr(session.config, "workerinput"):
        return
    factory = getattr(session.config, "_tmp_path_factory", None)  # pytest's own, for basetemp
    if factory is None:
        return
    state_file = factory.getbasetemp() / DEVPI_STATE
    if state_file.is_file():
        stop_shared(json.loads(state_file.read_text(encoding="utf-8")))
        state_file.unlink()


@pytest.fixture(params=["pypiserver", "devpi"])
def index(request: pytest.FixtureRequest) -> Iterator[IndexUnderTest]:
    """A fresh, empty index on 127.0.0.1: pypiserver, then devpi-server."""
    if request.param == "pypiserver":
        with pypiserver_index() as idx:
            yield idx
    else:
        server: DevpiServer = request.getfixturevalue("devpi_server")
        yield server.new_index()


@pytest.fixture(scope="module")
def good_release(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, list[Distribution]]:
    """``tests/projects/good`` built once per test module (do not change its tree)."""
    from noxship.build import build

    dest = tmp_path_factory.mktemp("release") / "good"
    shutil.copytree(PROJECTS / "good", dest, ignore=shutil.ignore_patterns("__pycache__"))
    project = Project.load(git_repo(dest))
    return project, build(project)
