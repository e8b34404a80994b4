"""The build's Python metadata checks on real sdists from PyPI, each with the
mistakes it has (or none): built by noxship, then checked on a fixed date
(never today's), and through ``noxship build`` and ``nox -s build``: each
finding printed once, and with ``strict-metadata = true`` exit 2 and an empty
``dist/``."""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path

import pytest

from noxship.build import build
from noxship.build.pythons import check_distributions
from noxship.project import Project
from tests.conftest import run_nox
from tests.integration.test_corpus import Real, checkout, git

pytestmark = [pytest.mark.slow, pytest.mark.network, pytest.mark.corpus]

ON = datetime.date(2026, 12, 1)

CASES = {
    # setup.cfg [bdist_wheel] universal = True under python_requires >=3.10.
    Real("cfgv", "3.5.0", "setuptools", "static", "none"): [
        "requires-python: >=3.10 admits end-of-life Python 3.10 (ended 2026-10-31)",
        "wheel tag: cfgv-3.5.0-py2.py3-none-any.whl has tag py2, for Python 2, which",
    ],
    # Classifiers for 3.7 and 3.8 under >=3.9; none for 3.12 and later.
    Real("pyfiglet", "1.0.4", "setuptools", "static", "none"): [
        "classifier: 'Programming Language :: Python :: 3.7' and 'Programming Language :: "
        "Python :: 3.8' name Pythons that requires-python >=3.9 excludes",
        "classifier: requires-python >=3.9 admits 3.12, 3.13, 3.14 and 3.15, supported on "
        "2026-12-01, which no classifier names",
        "requires-python: >=3.9 admits end-of-life Python 3.9 (ended 2025-10-31) and 3.10",
    ],
    # poetry-core adds a classifier per admitted version, but keeps the project's 3.8.
    Real("questionary", "2.1.1", "poetry-core", "static", "none"): [
        "classifier: 'Programming Language :: Python :: 3.8' names a Python that "
        "requires-python >=3.9 excludes",
        "requires-python: >=3.9 admits end-of-life Python 3.9 (ended 2025-10-31) and 3.10",
    ],
    # Classifiers up to 3.13.
    Real("towncrier", "26.9.0", "hatchling", "static", "none"): [
        "classifier: requires-python >=3.9 admits 3.14 and 3.15, supported on 2026-12-01",
        "requires-python: >=3.9 admits end-of-life Python 3.9 (ended 2025-10-31) and 3.10",
    ],
    Real("bracex", "3.2.3", "hatchling", "built", "none"): [],
    Real("cachetools", "8.0.2", "setuptools", "file", "none"): [],
}


@pytest.mark.parametrize("real", list(CASES), ids=lambda r: r.id)
def test_each_mistake_is_found_on_a_real_sdist(
    pytestconfig: pytest.Config, tmp_path: Path, real: Real
) -> None:
    assert pytestconfig.cache is not None
    root = checkout(pytestconfig.cache, real, tmp_path)
    dists = build(Project.load(root))
    found = [str(f) for f in check_distributions(dists, ON)]
    expected = CASES[real]
    assert len(found) == len(expected), found
    for line, start in zip(found, expected, strict=True):
        assert line.startswith(start), (line, start)


def test_nox_build_prints_each_finding_once(pytestconfig: pytest.Config, tmp_path: Path) -> None:
    assert pytestconfig.cache is not None
    real = next(r for r in CASES if r.name == "cfgv")
    root = checkout(pytestconfig.cache, real, tmp_path)
    subprocess.run([sys.executable, "-m", "noxship", "init", "--no-name-check", str(root)], check=True,
                   capture_output=True)  # fmt: skip
    result = run_nox(root, "-s", "build")
    assert result.returncode == 0, result.stderr
    out = result.stdout + result.stderr
    assert out.count("has tag py2, for Python 2") == 1, out
    assert out.count("strict-metadata = true in [tool.noxship] makes them errors") == 1
    assert sorted(p.name for p in (root / "dist").iterdir())[-1] == "cfgv-3.5.0.tar.gz"


def test_strict_metadata_exits_2_and_leaves_dist_empty(
    pytestconfig: pytest.Config, tmp_path: Path
) -> None:
    assert pytestconfig.cache is not None
    real = next(r for r in CASES if r.name == "pyfiglet")
    root = checkout(pytestconfig.cache, real, tmp_path)
    with (root / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write("\n[tool.noxship]\nstrict-metadata = true\n")
    git(root, "commit", "-qam", "strict")
    result = subprocess.run([sys.executable, "-m", "noxship", "build"], cwd=root,
                            capture_output=True, text=True, timeout=600)  # fmt: skip
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("noxship: error: 3 metadata problem(s) above, and strict-metadata "
                           "= true: fix them, or set strict-metadata = false to have them as "
                           "warnings (nothing was moved into dist/: it is empty)")  # fmt: skip
    assert "name Pythons that requires-python >=3.9 excludes" in result.stderr
    assert list((root / "dist").iterdir()) == []
