"""Speed of noxship's pipeline against two baselines, in one run, on the same projects.

Pipelines (each does the same work: sdist, wheel from the sdist, ``twine check
--strict``, a fresh venv with the wheel and the test dependencies, the test suite
under coverage from a copy of the tests, upload to a pypiserver on 127.0.0.1,
install back from it and import):

- ``noxship``: ``nox -s release_local`` (noxship also checks the index for every
  file's sha256, and guards the tests against importing the source tree).
- ``tutorial``: pip-installed ``build`` and ``twine``, ``python -m venv`` and
  ``pip install``, as the packaging tutorials show; the tests run with plain
  pytest, without coverage (the measure of issue #26).
- ``bare minimum``: the same steps called directly with uv and twine, no nox.

Projects: this repository and the tomlkit sdist from PyPI (cached under
``.nox/benchmarks``). Each pipeline runs once to warm the caches, then is timed
(``cold``: new project tree); ``warm`` is a re-run in the same tree, reusing its
venvs. Then: ``noxship plan`` start-up time (median of 21 runs against
``python -c pass``), and ``build`` + ``test_wheel`` on generated packages of 10,
100 and 1,000 modules.

Run on demand (not part of the tests):  python benchmarks/pipelines.py [--quick]
Prints a Markdown table; BENCHMARKS.md holds the last one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from noxship.context import Context
from noxship.project import Project
from noxship.publish.local_index import LocalIndex

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".nox" / "benchmarks"
PY = f"{sys.version_info[0]}.{sys.version_info[1]}"
"""The Python the tests run on in every pipeline (``--python``)."""
TEST_PYTHON = Path(sys.executable)
BIN = Path(sys.executable).parent
ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "CI", "GITLAB", "GITHUB"))},
    "PIP_CONFIG_FILE": os.devnull,
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
}
Pipeline = Callable[[Path], None]


def sh(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env or ENV, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(map(str, args))}\n{result.stdout}\n{result.stderr}")


def git_init(root: Path) -> Path:
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=b", "-c", "user.email=b@example.invalid", "commit", "-qm", "x"],
    ):
        sh(["git", *args], cwd=root)
    return root


def tomlkit(tmp: Path) -> Path:
    name, version = "tomlkit", "0.15.2"
    CACHE.mkdir(parents=True, exist_ok=True)
    sdist = CACHE / f"{name}-{version}.tar.gz"
    if not sdist.exists():
        sh([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
            "-d", CACHE, f"{name}=={version}"], cwd=CACHE)  # fmt: skip
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp, filter="data")
    root = tmp / f"{name}-{version}"
    sh([sys.executable, "-m", "noxship", "init", "--force", root], cwd=root)
    return git_init(root)


def this_repo(tmp: Path) -> Path:
    root = tmp / "noxship"
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        src = REPO / name.decode()
        if src.is_file():
            (root / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, root / name.decode())
    return git_init(root)


def generated(modules: int) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        root = tmp / f"gen{modules}"
        pkg = root / "src" / "gen"
        pkg.mkdir(parents=True)
        (root / "tests").mkdir()
        (root / "pyproject.toml").write_text(
            f'[project]\nname = "gen{modules}"\nversion = "1.0.0"\nrequires-python = ">=3.10"\n'
            'description = "generated"\nreadme = "README.md"\n'
            '[dependency-groups]\ntest = ["pytest"]\n'
            '[tool.poetry]\npackages = [{ include = "gen", from = "src" }]\n'
            '[build-system]\nrequires = ["poetry-core>=2.0"]\n'
            'build-backend = "poetry.core.masonry.api"\n',
            encoding="utf-8",
        )
        (root / "README.md").write_text("generated\n", encoding="utf-8")
        (pkg / "__init__.py").write_text("", encoding="utf-8")
        for i in range(modules):
            (pkg / f"m{i}.py").write_text(
                f"def f{i}(x: int) -> int:\n    return x + {i}\n", encoding="utf-8"
            )
        (root / "tests" / "test_all.py").write_text(
            "import importlib\nimport pytest\n\n"
            f"@pytest.mark.parametrize('i', range({modules}))\n"
            "def test_module(i):\n"
            "    m = importlib.import_module(f'gen.m{i}')\n"
            "    assert getattr(m, f'f{i}')(1) == i + 1\n",
            encoding="utf-8",
        )
        sh([sys.executable, "-m", "noxship", "init", root], cwd=root)
        return git_init(root)

    return make


# -- the pipelines ---------------------------------------------------------------


def noxship(root: Path) -> None:
    sh([sys.executable, "-m", "nox", "-s", "release_local"], cwd=root,
       env={**ENV, "NOXSHIP_PYTHONS": PY})  # fmt: skip


def sysmon() -> dict[str, str]:
    """What noxship sets: coverage on sys.monitoring (PEP 669) on 3.12 and later."""
    return {"COVERAGE_CORE": "sysmon"} if tuple(map(int, PY.split("."))) >= (3, 12) else {}


def test_dependencies(root: Path) -> list[str]:
    return Project.load(root).test_dependencies().install_args()


def test_copy(root: Path, dest: Path) -> None:
    project = Project.load(root)
    for rel in project.config.test_paths or ["tests"]:
        src = root / rel
        if src.is_dir():
            shutil.copytree(src, dest / rel)
    for cfg in ("pyproject.toml", "pytest.ini", "tox.ini", "setup.cfg", "conftest.py"):
        if (root / cfg).is_file():
            shutil.copy2(root / cfg, dest / cfg)


def install_back(name: str, version: str, index: LocalIndex, root: Path, uv: bool) -> None:
    verify = root / "verify"
    if uv:
        sh(["uv", "venv", "--quiet", "--python", sys.executable, verify], cwd=root)
        sh(["uv", "pip", "install", "--quiet", "--python", verify / "bin" / "python",
            "--index-url", index.simple_url, "--extra-index-url", "https://pypi.org/simple/",
            "--index-strategy", "first-index", f"{name}=={version}"], cwd=root)  # fmt: skip
    else:
        sh([sys.executable, "-m", "venv", verify], cwd=root)
        sh([verify / "bin" / "pip", "install", "--index-url", index.simple_url,
            "--extra-index-url", "https://pypi.org/simple/", f"{name}=={version}"], cwd=root)  # fmt: skip
    module = name.replace("-", "_")
    sh([verify / "bin" / "python", "-c", f"import {module}"], cwd=Path(tempfile.gettempdir()))


def tutorial(root: Path) -> None:
    tools, test_env = root / "tools", root / "testenv"
    shutil.rmtree(root / "dist", ignore_errors=True)
    sh([sys.executable, "-m", "venv", "--clear", tools], cwd=root)
    sh([tools / "bin" / "pip", "install", "build", "twine"], cwd=root)
    sh([tools / "bin" / "python", "-m", "build"], cwd=root)
    dists = sorted(p for p in (root / "dist").iterdir() if p.suffix in (".whl", ".gz"))
    sh([tools / "bin" / "twine", "check", "--strict", *dists], cwd=root)
    sh([TEST_PYTHON, "-m", "venv", "--clear", test_env], cwd=root)
    wheel = next(d for d in dists if d.suffix == ".whl")
    sh([test_env / "bin" / "pip", "install", wheel, *test_dependencies(root), "pytest"],
       cwd=root)  # fmt: skip
    plain_tests(root, test_env / "bin" / "python")  # no coverage, as the tutorials run them
    publish_and_install(root, dists, [tools / "bin" / "twine"], uv=False)


def plain_tests(root: Path, python: Path) -> None:
    """The tests from a copy, with a JUnit report and no coverage (#26's measure)."""
    project = Project.load(root)
    reports = root / "build" / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as t:
        test_copy(root, Path(t))
        sh([python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            f"--junitxml={reports / 'junit.xml'}", *project.config.pytest_args], cwd=Path(t))  # fmt: skip


def bare(root: Path) -> None:
    shutil.rmtree(root / "dist", ignore_errors=True)
    sh(["uv", "build", "--quiet", "--out-dir", root / "dist"], cwd=root)
    dists = sorted(p for p in (root / "dist").iterdir() if p.suffix in (".whl", ".gz"))
    twine = [sys.executable, "-m", "twine"]
    sh([*twine, "check", "--strict", *dists], cwd=root)
    test_env = root / "testenv"
    sh(["uv", "venv", "--quiet", "--clear", "--python", TEST_PYTHON, test_env], cwd=root)
    wheel = next(d for d in dists if d.suffix == ".whl")
    sh(["uv", "pip", "install", "--quiet", "--python", test_env / "bin" / "python", wheel,
        *test_dependencies(root), "pytest", "coverage"], cwd=root)  # fmt: skip
    run_tests(root, test_env / "bin" / "python", sysmon())
    publish_and_install(root, dists, twine, uv=True)


def run_tests(root: Path, python: Path, core: dict[str, str]) -> None:
    """The tests under coverage, and the two reports CI reads (JUnit, Cobertura XML),
    as noxship writes them."""
    project = Project.load(root)
    reports = root / "build" / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as t:
        test_copy(root, Path(t))
        sh([python, "-m", "coverage", "run", f"--source={project.canonical_name.replace('-', '_')}",
            "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={reports / 'junit.xml'}",
            *project.config.pytest_args], cwd=Path(t), env={**ENV, **core})  # fmt: skip
        sh([python, "-m", "coverage", "xml", "-q", "-o", reports / "coverage.xml"], cwd=Path(t))


def publish_and_install(root: Path, dists: list[Path], twine: list[str | Path], uv: bool) -> None:
    project = Project.load(root)
    shutil.rmtree(root / "verify", ignore_errors=True)
    with LocalIndex() as index:
        env = {**ENV, "TWINE_USERNAME": index.username, "TWINE_NON_INTERACTIVE": "1",
               "TWINE_PASSWORD": index.password.reveal(), "TWINE_REPOSITORY_URL": index.url}  # fmt: skip
        sh([*twine, "upload", "--disable-progress-bar", *dists], cwd=root, env=env)
        install_back(project.name, str(project.version), index, root, uv)


# -- measuring -------------------------------------------------------------------


def timed(
    pipelines: dict[str, Pipeline], make: Callable[[Path], Path], rounds: int
) -> dict[str, tuple[float, float]]:
    """Warm the caches with one run of each pipeline; then, ``rounds`` times and
    interleaved (so that a slow minute of the machine hits all alike), time a
    cold run (new tree) and a re-run (same tree, venvs reused) of each.
    Returns the medians, in seconds."""
    for pipeline in pipelines.values():
        with tempfile.TemporaryDirectory() as warm:
            pipeline(make(Path(warm)))
    cold: dict[str, list[float]] = {name: [] for name in pipelines}
    rerun: dict[str, list[float]] = {name: [] for name in pipelines}
    for _ in range(rounds):
        for name, pipeline in pipelines.items():
            with tempfile.TemporaryDirectory() as tmp:
                root = make(Path(tmp))
                start = time.perf_counter()
                pipeline(root)
                cold[name].append(time.perf_counter() - start)
                start = time.perf_counter()
                pipeline(root)
                rerun[name].append(time.perf_counter() - start)
    return {n: (statistics.median(cold[n]), statistics.median(rerun[n])) for n in pipelines}


def plan_startup(runs: int = 21) -> tuple[float, float]:
    """Median wall time of ``noxship plan`` and of ``python -c pass``, in ms."""

    def median(args: list[str]) -> float:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(args, cwd=REPO, env=ENV, capture_output=True, check=True)
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000

    exe = str(BIN / "noxship")
    return median([exe, "plan"]), median([sys.executable, "-c", "pass"])


def build_and_test(root: Path) -> None:
    sh([sys.executable, "-m", "nox", "-s", "build", "test_wheel"], cwd=root,
       env={**ENV, "NOXSHIP_PYTHONS": PY})  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="tomlkit only, no scaling")
    parser.add_argument("--rounds", type=int, default=3, help="timed runs per pipeline")
    parser.add_argument("--python", help="the Python the tests run on (3.X), default this one")
    parser.add_argument("--no-tutorial", action="store_true",
                        help="time the bare minimum and noxship only (a quick A/B)")  # fmt: skip
    args = parser.parse_args()
    if args.python:
        global PY, TEST_PYTHON
        from noxship.wheeltest import find_interpreters

        (found,) = find_interpreters(
            Project.load(REPO), [args.python], context=Context.from_environ(os.environ)
        )
        PY, TEST_PYTHON = found.minor, found.executable
    projects: list[tuple[str, Callable[[Path], Path]]] = [("tomlkit 0.15.2", tomlkit)]
    if not args.quick:
        projects.append(("noxship (this repository)", this_repo))
    print(f"{os.cpu_count()} cores; tests on Python {PY} ({TEST_PYTHON}); tools on "
          f"{sys.version.split()[0]}; median seconds of {args.rounds} interleaved")  # fmt: skip
    print("rounds (cold = new tree, warm caches; re-run = same tree again, venvs reused)\n")
    print("| project | pipeline | cold s | re-run s | cold / bare minimum |")
    print("|---|---|---|---|---|")
    pipelines = {
        "bare minimum (uv, twine)": bare,
        "noxship release_local": noxship,
        "tutorial (pip, venv, build, twine)": tutorial,
    }
    if args.no_tutorial:
        del pipelines["tutorial (pip, venv, build, twine)"]
    for label, make in projects:
        results = timed(pipelines, make, args.rounds)
        base = results["bare minimum (uv, twine)"][0]
        for name, (cold, rerun) in results.items():
            print(f"| {label} | {name} | {cold:.1f} | {rerun:.1f} | {cold / base:.2f}x |")
        ours = results["noxship release_local"][0]
        if not args.no_tutorial:
            classic = results["tutorial (pip, venv, build, twine)"][0]
            print(f"| {label} | **tutorial / noxship** | | | **{classic / ours:.2f}x** |")
        sys.stdout.flush()
    plan_ms, python_ms = plan_startup()
    print(f"\n`noxship plan`: {plan_ms:.0f} ms median of 21 runs (`python -c pass`: "
          f"{python_ms:.0f} ms)")  # fmt: skip
    if args.quick:
        return
    print("\n| modules | build + test_wheel s | per module ms |")
    print("|---|---|---|")
    for modules in (10, 100, 1000):
        with tempfile.TemporaryDirectory() as tmp:
            root = generated(modules)(Path(tmp))
            build_and_test(root)  # warm
            start = time.perf_counter()
            build_and_test(root)
            elapsed = time.perf_counter() - start
        print(f"| {modules} | {elapsed:.1f} | {elapsed / modules * 1000:.1f} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
