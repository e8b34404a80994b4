"""noxship builds itself: exact file lists, reproducible bytes."""

from __future__ import annotations

import os
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from noxship.build import build
from noxship.context import Context
from noxship.project import Project
from tests.conftest import REPO_ROOT, git_repo

# Builds, installs or npm tools: needs the package registries (README.md).
pytestmark = pytest.mark.network

PACKAGE = REPO_ROOT / "src" / "noxship"
MODULES = sorted(
    [
        *(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")),
        "py.typed",
        "publish/attestations.txt",  # the attestation tool's hashed lock
        *(p.relative_to(PACKAGE).as_posix() for p in (PACKAGE / "ci").glob("*.yml")),
    ]
)  # the CI templates init writes: package data


def copy_repo(tmp_path: Path) -> Path:
    dest = tmp_path / "noxship"
    everywhere = shutil.ignore_patterns("__pycache__", "*.egg-info", ".*_cache", "node_modules")

    def ignore(directory: str, names: list[str]) -> set[str]:
        top = {".git", ".nox", "dist", "build", ".venv"} if Path(directory) == REPO_ROOT else set()
        return set(everywhere(directory, names)) | (top & set(names))

    shutil.copytree(REPO_ROOT, dest, ignore=ignore)
    return git_repo(dest)


def test_wheel_and_sdist_contents(tmp_path: Path) -> None:
    project = Project.load(copy_repo(tmp_path))
    sdist, wheel = build(project, tmp_path / "dist")
    with zipfile.ZipFile(wheel.path) as zf:
        names = zf.namelist()
    assert sorted(n.split("/", 1)[1] for n in names if n.startswith("noxship/")) == MODULES
    assert "noxship-0.1.0.dist-info/entry_points.txt" in names
    with tarfile.open(sdist.path) as tar:
        members = {m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile()}
    assert {f"src/noxship/{m}" for m in MODULES} <= members
    assert {"pyproject.toml", "README.md", "PKG-INFO"} <= members


def test_two_builds_of_one_commit_are_identical(tmp_path: Path) -> None:
    project = Project.load(copy_repo(tmp_path))
    first = {d.filename: d.sha256 for d in build(project, tmp_path / "a")}
    second = {d.filename: d.sha256 for d in build(project, tmp_path / "b")}
    assert first == second


def test_the_docs_site_documents_every_public_name(tmp_path: Path) -> None:
    """#27: noxship's docs site is built by its own ``docs`` session against its
    wheel, warnings as errors, and its API reference holds every name that the
    documented modules list in ``__all__`` (read back from Sphinx's inventory)."""
    import importlib
    import re
    import subprocess

    from noxship._run import venv_python
    from noxship.wheeltest import build_docs

    project = Project.load(copy_repo(tmp_path))
    build(project)
    out = build_docs(project, context=Context.from_environ(os.environ))
    assert out is not None and (out / "index.html").is_file()
    python = venv_python(project.root / ".nox" / "noxship-docs")
    listed = subprocess.run(
        [python, "-m", "sphinx.ext.intersphinx", out / "objects.inv"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    documented = set(re.findall(r"^\s+(noxship[\w.]*)\s", listed, re.M))
    api = (REPO_ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    modules = re.findall(r"\.\. automodule:: (noxship[\w.]*)", api)
    assert {"noxship.project", "noxship.publish", "noxship.sessions"} <= set(modules)
    missing = []
    for name in [*modules, "noxship"]:  # the root re-exports the errors
        module = importlib.import_module(name)
        for public in getattr(module, "__all__", []):
            if public.startswith("__"):  # __version__: the distribution's metadata
                continue
            obj = getattr(module, public)
            home = f"{getattr(obj, '__module__', name)}.{public}"
            if f"{name}.{public}" not in documented and home not in documented:
                missing.append(f"{name}.{public}")
    assert not missing
