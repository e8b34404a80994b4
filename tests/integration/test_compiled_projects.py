"""Compiled projects from the registry release with ``release_local`` (issue 28):
a wheel per Python built from the sdist, repaired with auditwheel (its ``show``
recorded), each tested installed, the sdist installed alone with wheels
forbidden, and the whole set published to the embedded index.

Each project's own suite was first run the plain way, against a wheel built here
with ``uv build`` and Python 3.11 (2026-12-03): markupsafe 79 passed and 1
skipped, msgpack 160 and 1, Levenshtein 9, cytoolz 201 and 1 (``--pyargs
cytoolz``, its cibuildwheel test command).

The C and C++ compilers run with ``-O0 -g0`` (``CFLAGS``, ``CXXFLAGS``, which noxship
hands to the build backend as a user's shell does): what these tests check does not
depend on the optimisation level, and it cuts each of cytoolz's three compilations
(one per Python, one for the sdist's build-alone check) from 29 s to 10 s here.
scikit-build-core builds CMake's ``Release`` type, which adds its own ``-O3`` after
them: ``SKBUILD_CMAKE_BUILD_TYPE=None`` (a type without flags of its own, as Debian
builds CMake projects, so that ``CXXFLAGS`` alone apply) does the same for Levenshtein.
"""

from __future__ import annotations

import json
import re
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.conftest import run_nox
from tests.integration.test_corpus import git, init
from tests.integration.test_real_projects import fetch_sdist

pytestmark = [pytest.mark.network, pytest.mark.slow, pytest.mark.corpus]

PYTHONS = ("3.11", "3.12")
QUICK_COMPILER = {
    "CFLAGS": "-O0 -g0",
    "CXXFLAGS": "-O0 -g0",
    "SKBUILD_CMAKE_BUILD_TYPE": "None",
}


class Compiled(NamedTuple):
    name: str
    version: str
    shape: str
    extension: str
    """A module of the wheel that only the compiler makes."""
    tests: int
    """At least this many tests pass on each Python (the plain run's count)."""
    gitignore: str = "build/\ndist/\n*.egg-info/\n.nox/\n*.so\n"
    """The repository's ignore file (the sdist ships what the build generates)."""


COMPILED = [
    Compiled("msgpack", "1.2.4", "setuptools C++ extension, the sdist's generated sources",
             "msgpack._cmsgpack", 160),
    Compiled("cytoolz", "1.2.0", "Cython run at build time (cythonize in setup.py)",
             "cytoolz.itertoolz", 201,
             # pytoolz/cytoolz's own .gitignore: the generated C is not tracked.
             "*.c\n*.html\n*.pyc\n*.swp\n*.so\n*.pyd\nbuild/\ndist/\ncytoolz.egg-info/\n.nox/\n"),
    Compiled("levenshtein", "0.27.5", "scikit-build-core (CMake, C++)",
             "Levenshtein.levenshtein_cpp", 9),
    Compiled("markupsafe", "3.0.4", "an optional C speed-up (setuptools, pure fallback)",
             "markupsafe._speedups", 79),
]  # fmt: skip


def checkout(cache: pytest.Cache, project: Compiled, dest: Path) -> Path:
    """The sdist unpacked as a tagged release checkout, with ``noxship init``."""
    with tarfile.open(fetch_sdist(cache, project.name, project.version)) as tar:
        tar.extractall(dest, filter="data")
    (root,) = [p for p in dest.iterdir() if p.is_dir()]
    (root / "PKG-INFO").unlink()
    (root / ".gitignore").write_text(project.gitignore, encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"release {project.version}")
    init(root, project.version)
    return root


@pytest.mark.parametrize("project", COMPILED, ids=[p.name for p in COMPILED])
def test_a_compiled_project_releases_locally(
    pytestconfig: pytest.Config, tmp_path: Path, project: Compiled
) -> None:
    assert pytestconfig.cache is not None
    root = checkout(pytestconfig.cache, project, tmp_path)
    result = run_nox(
        root,
        "-s",
        "release_local",
        env={"NOXSHIP_PYTHONS": " ".join(PYTHONS), **QUICK_COMPILER},
        timeout=1500,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    log = result.stderr
    assert "compiled project (" in log
    wheels = sorted(p.name for p in (root / "dist").glob("*.whl"))
    assert [w.split("-")[2] for w in wheels] == ["cp311", "cp312"], wheels
    assert all("manylinux" in w for w in wheels), wheels  # repaired
    for wheel in wheels:
        shown = (root / "build" / "reports" / f"auditwheel-{wheel}.txt").read_text()
        assert re.search(r"is consistent\s+with\s+the\s+following\s+platform\s+tag", shown), shown
    assert "builds and installs alone (uv pip install --no-binary" in log
    for minor in PYTHONS:
        imports = json.loads((root / "build" / "reports" / f"imports-py{minor}.json").read_text())
        assert project.extension in imports["modules"], sorted(imports["modules"])
        assert f"/noxship-test_wheel-{minor}/" in imports["modules"][project.extension]
        (count,) = re.findall(
            rf"Python {re.escape(minor)}\.\d+: (\d+) test\(s\) passed against the installed wheel",
            log,
        )
        assert int(count) >= project.tests
    published = result.stdout + log
    assert published.count("(uploaded)") == 3, published[-3000:]


@pytest.mark.parametrize(
    ("requires", "pythons"), [(">=3.11", ("3.11", "3.12")), (">=3.12", ("3.12", "3.13"))]
)
def test_an_abi3_wheel_serves_every_python_and_passes_abi3audit(
    sample: Callable[..., Path], requires: str, pythons: tuple[str, ...]
) -> None:
    """``tests/projects/abi3``: a C extension for the stable ABI (PEP 384,
    ``cp311-abi3``). One wheel serves every Python tested (no second build),
    abi3audit checks it after the repair, and test_wheel tests that one wheel on
    each. With ``requires-python >=3.12`` the nox Python (3.11) is not admitted:
    the sdist is installed alone with the newest admitted one."""
    root = sample("abi3", init=False)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace('">=3.11"', f'"{requires}"'),
        encoding="utf-8",
    )
    init(root, "1.0.0")
    result = run_nox(root, "-s", "build", "test_wheel", env={"NOXSHIP_PYTHONS": " ".join(pythons)})
    assert result.returncode == 0, result.stderr[-4000:]
    (wheel,) = [p.name for p in (root / "dist").glob("*.whl")]
    assert "-cp311-abi3-manylinux" in wheel, wheel
    assert "building the wheel for Python" not in result.stderr
    assert "abi3audit" in result.stderr and "abi3 violations" not in result.stderr.lower()
    assert "builds and installs alone" in result.stderr
    for minor in pythons:
        assert f"testing {wheel} on Python {minor}." in result.stderr


def test_a_maturin_project_is_compiled_and_its_wheel_repaired(
    sample: Callable[..., Path],
) -> None:
    """Rust: no crate registry is reachable here, so no pyo3 project can build;
    ``tests/projects/rust-stub`` is a Rust program with no dependencies that
    maturin packages (``bindings = "bin"``), built offline by cargo. It is told
    compiled by its backend, and its ``py3-none-linux`` wheel is repaired."""
    root = sample("rust-stub")
    result = run_nox(root, "-s", "build")
    assert result.returncode == 0, result.stderr[-4000:]
    assert "compiled project (its build backend is maturin)" in result.stderr
    (wheel,) = [p.name for p in (root / "dist").glob("*.whl")]
    assert wheel.startswith("rust_stub-0.1.0-py3-none-manylinux"), wheel
    shown = (root / "build" / "reports" / f"auditwheel-{wheel}.txt").read_text(encoding="utf-8")
    assert re.search(r"is consistent\s+with\s+the\s+following\s+platform\s+tag", shown), shown
