"""Time `nox -s release_local` against the classic tutorial pipeline, in one run.

Both do the same work on the tomlkit sdist from PyPI: build sdist and wheel, check them,
install the wheel with the test dependencies into a fresh venv, run the test suite on one
Python, upload to a local pypiserver, install back from it and import. The tutorial way
uses pip-installed `build` and `twine`, `python -m venv` and `pip install`, as the
packaging tutorials show. Each pipeline runs once to warm caches, then is timed.

Run on demand (not part of the tests):  python benchmarks/release_local_vs_tutorial.py
Prints seconds per pipeline and the ratio tutorial / noxship.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from noxship.local_index import LocalIndex
from noxship.project import Project

NAME, VERSION = "tomlkit", "0.15.2"
CACHE = Path(__file__).resolve().parent.parent / ".nox" / "benchmarks"
PY = f"{sys.version_info[0]}.{sys.version_info[1]}"
PIP_ENV = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def sh(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(a) for a in args], cwd=cwd, env=env or PIP_ENV, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def fresh_project(tmp: Path) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    sdist = CACHE / f"{NAME}-{VERSION}.tar.gz"
    if not sdist.exists():
        sh([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
            "-d", CACHE, f"{NAME}=={VERSION}"], cwd=CACHE)
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp, filter="data")
    root = tmp / f"{NAME}-{VERSION}"
    for args in (["init", "-q"], ["add", "-A"],
                 ["-c", "user.name=b", "-c", "user.email=b@example.invalid", "commit", "-qm", "x"]):
        sh(["git", *args], cwd=root)
    return root


def noxship_pipeline(root: Path) -> None:
    sh([sys.executable, "-m", "noxship", "init", "--force", root], cwd=root)
    sh([sys.executable, "-m", "nox", "-s", "release_local"], cwd=root,
       env={**PIP_ENV, "NOXSHIP_PYTHONS": PY})


def tutorial_pipeline(root: Path) -> None:
    tools, test_env, verify = root / "tools", root / "testenv", root / "verify"
    sh([sys.executable, "-m", "venv", tools], cwd=root)
    sh([tools / "bin" / "pip", "install", "build", "twine"], cwd=root)
    sh([tools / "bin" / "python", "-m", "build"], cwd=root)
    dists = sorted((root / "dist").iterdir())
    sh([tools / "bin" / "twine", "check", "--strict", *dists], cwd=root)
    sh([sys.executable, "-m", "venv", test_env], cwd=root)
    deps = Project.load(root).test_dependencies().requirements
    wheel = next(d for d in dists if d.suffix == ".whl")
    sh([test_env / "bin" / "pip", "install", wheel, *deps, "pytest", "coverage"], cwd=root)
    with tempfile.TemporaryDirectory() as t:
        shutil.copytree(root / "tests", Path(t) / "tests")
        sh([test_env / "bin" / "python", "-m", "coverage", "run", f"--source={NAME}", "-m",
            "pytest"], cwd=Path(t))
    with LocalIndex() as index:
        env = {**PIP_ENV, "TWINE_USERNAME": index.username,
               "TWINE_PASSWORD": index.password.reveal(), "TWINE_REPOSITORY_URL": index.url}
        sh([tools / "bin" / "twine", "upload", *dists], cwd=root, env=env)
        sh([sys.executable, "-m", "venv", verify], cwd=root)
        sh([verify / "bin" / "pip", "install", "--index-url", index.simple_url,
            "--extra-index-url", "https://pypi.org/simple/", f"{NAME}=={VERSION}"], cwd=root)
        sh([verify / "bin" / "python", "-c", f"import {NAME}"], cwd=Path(tempfile.gettempdir()))


def timed(pipeline: object, label: str) -> float:
    assert callable(pipeline)
    with tempfile.TemporaryDirectory() as warm:
        pipeline(fresh_project(Path(warm)))
    with tempfile.TemporaryDirectory() as tmp:
        root = fresh_project(Path(tmp))
        start = time.perf_counter()
        pipeline(root)
        elapsed = time.perf_counter() - start
    print(f"{label:<28} {elapsed:7.1f} s")
    return elapsed


def main() -> None:
    print(f"{NAME} {VERSION}, tests on Python {PY}, warm caches")
    ours = timed(noxship_pipeline, "noxship release_local")
    classic = timed(tutorial_pipeline, "tutorial (pip, venv, twine)")
    print(f"ratio tutorial / noxship: {classic / ours:.2f}x")


if __name__ == "__main__":
    main()
