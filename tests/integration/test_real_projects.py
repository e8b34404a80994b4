"""Acceptance: `noxship init` and `nox -s release_local` on real sdists from PyPI.

The sdists are downloaded once with pip and cached in pytest's cache directory.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git_repo, run_nox

pytestmark = [pytest.mark.slow, pytest.mark.network, pytest.mark.corpus]

# name, version, Pythons to test the wheel on (packaging's 60,000 tests take minutes each).
# tomlkit, issue 2's other project, runs on every Python in test_corpus.py.
REAL = [("packaging", "26.3", "3.12")]


def fetch_sdist(cache: pytest.Cache, name: str, version: str) -> Path:
    """The sdist of ``name`` ``version`` from PyPI, cached in pytest's cache directory.

    Found on PyPI's simple index with pypi-simple, its sha256 checked as it is
    downloaded: ``pip download`` would also build the sdist's metadata in an
    isolated environment, about 6 s per project on a fresh clone's first run.
    """
    from pypi_simple import PyPISimple

    directory = cache.mkdir("noxship-sdists")
    # PEP 625 sdist names use underscores: dep-logic's is dep_logic-0.7.2.tar.gz.
    # PEP 625 also turns dots into underscores: zope.event's is zope_event-6.2.tar.gz.
    pattern = f"{re.sub(r'[-_.]', '[-_.]', name)}-{version}.tar.gz"
    found = list(directory.glob(pattern))
    if not found:
        # Download beside the cache and move in atomically: xdist workers share it.
        partial = Path(tempfile.mkdtemp(dir=directory, prefix=".partial-"))
        with PyPISimple() as client:
            page = client.get_project_page(name)
            sdists = [
                pkg
                for pkg in page.packages
                if pkg.package_type == "sdist"
                and pkg.version == version
                and pkg.filename.endswith(".tar.gz")
            ]
            assert len(sdists) == 1, f"{name} {version}: {len(sdists)} sdists on PyPI"
            client.download_package(sdists[0], partial / sdists[0].filename, timeout=60)
        os.replace(partial / sdists[0].filename, directory / sdists[0].filename)
        shutil.rmtree(partial, ignore_errors=True)
        found = list(directory.glob(pattern))
    return found[0]


def import_proofs(reports: Path) -> list[dict[str, Any]]:
    """The import guard's proof of each Python's run (``imports-py3.X.json``), each
    checked to hold no violation: every module the tests imported came from the venv."""
    proofs = []
    for proof_file in sorted(reports.glob("imports-py*.json")):
        proof = json.loads(proof_file.read_text(encoding="utf-8"))
        assert proof["violations"] == [], proof_file
        proofs.append(proof)
    return proofs


@pytest.mark.parametrize(("name", "version", "pythons"), REAL)
def test_release_local_on_a_real_sdist(
    pytestconfig: pytest.Config, tmp_path: Path, name: str, version: str, pythons: str | None
) -> None:
    assert pytestconfig.cache is not None
    sdist = fetch_sdist(pytestconfig.cache, name, version)
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp_path, filter="data")
    project = git_repo(tmp_path / f"{name}-{version}")
    subprocess.run(
        [sys.executable, "-m", "noxship", "init", "--no-name-check", str(project)], check=True
    )
    index_dir = tmp_path / "index"
    env = {"NOXSHIP_LOCAL_INDEX_DIR": str(index_dir)}
    if pythons:
        env["NOXSHIP_PYTHONS"] = pythons
    result = run_nox(project, "-s", "release_local", env=env, timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert sorted(p.name for p in index_dir.iterdir()) == [
        f"{name}-{version}-py3-none-any.whl",
        f"{name}-{version}.tar.gz",
    ]
    proofs = import_proofs(project / "build" / "reports")
    assert proofs
    for proof in proofs:
        assert proof["modules"]
        assert all(f"/site-packages/{name}/" in p for p in proof["modules"].values())
    assert f"installed {name} {version} from http://127.0.0.1:" in result.stderr
