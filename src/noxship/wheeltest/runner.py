"""Run the project's test suite against the *built wheel*, never the source tree.

For each supported Python on the machine: a fresh venv (uv), the wheel file and
the test dependencies installed into it, the test paths copied to a temporary
directory outside the source tree, and pytest run there under coverage with the
guard plugin (:mod:`noxship.wheeltest.guard`), which fails the run if the
package is imported from anywhere but that venv. Coverage follows the
project's configuration, measured on the installed package and combined over
all Pythons (:mod:`noxship.wheeltest.cover`).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from packaging.version import Version

from noxship._run import run, uv_binary, venv_python
from noxship.build.dist import (
    DistKind,
    Distribution,
    find_distributions,
    wheel_files,
    wheel_metadata,
    wheel_top_level,
)
from noxship.environment import clean_env
from noxship.errors import DistributionError, ToolError, WheelTestError
from noxship.project import Project, TestDependencies
from noxship.project.pyproject import read_ini
from noxship.wheeltest.cover import combine_and_check, measuring_core, read_settings, write_rcfile
from noxship.wheeltest.diagnosis import IGNORED_DIRS, missing_from_wheel
from noxship.wheeltest.interpreters import Interpreter, find_interpreters
from noxship.wheeltest.prepare import TOOLS, self_requirements, take_prepared, venv_dir

__all__ = ["WheelTestResult", "find_wheel", "run_wheel_tests"]

logger = logging.getLogger("noxship")

GUARD_MODULE = "noxship_wheel_guard"
_NO_TESTS = 5
"""pytest's exit code when it collected no test (``pytest.ExitCode.NO_TESTS_COLLECTED``)."""
_CONFIG_FILES = (
    "pytest.ini",
    ".pytest.ini",
    "pyproject.toml",
    "tox.ini",
    "setup.cfg",
    "conftest.py",
)


@dataclasses.dataclass(frozen=True)
class WheelTestResult:
    """What one test run against the installed wheel produced.

    Attributes:
        python: the interpreter's version, ``"3.12.1"``.
        junit_xml: the JUnit XML report.
        coverage_xml: the Cobertura XML coverage report of the installed package.
        imported_from: module name -> file it was imported from (the guard's proof,
            also written to ``imports-py3.X.json`` beside the reports).
    """

    __test__ = False

    python: str
    junit_xml: Path
    coverage_xml: Path
    imported_from: dict[str, str]


@dataclasses.dataclass(frozen=True)
class _Run:
    """One interpreter's run: where everything goes."""

    project: Project
    wheel: Distribution
    interpreter: Interpreter
    reports: Path

    @property
    def tag(self) -> str:
        return f"py{self.interpreter.minor}"

    @property
    def venv(self) -> Path:
        return venv_dir(self.project, self.interpreter)

    @property
    def junit(self) -> Path:
        return self.reports / f"junit-{self.tag}.xml"

    @property
    def coverage_xml(self) -> Path:
        return self.reports / f"coverage-{self.tag}.xml"


def find_wheel(project: Project, dist_dir: Path, version: Version | None = None) -> Distribution:
    """Return the one wheel of the project in ``dist_dir``, of ``version``
    (default: the project's version; a preview build passes its ``.devN`` one).

    Raises:
        DistributionError: there is no wheel of the project, or more than one.
    """
    dists = find_distributions(
        dist_dir, project.name, version or project.version, require=(DistKind.WHEEL,)
    )
    wheels = [d for d in dists if d.kind is DistKind.WHEEL]
    if len(wheels) > 1:
        names = ", ".join(w.filename for w in wheels)
        raise DistributionError(
            f"{dist_dir} holds {len(wheels)} wheels of {project.name} ({names}): "
            "test_wheel tests exactly one; run `nox -s build` to rebuild dist/"
        )
    return wheels[0]


def _pytest_ini(project: Project) -> dict[str, str | list[str]]:
    """pytest's configuration, from the first file that has it, in pytest's own
    order (pytest docs, "Configuration file formats"): pytest.ini, pyproject.toml
    (``[tool.pytest]``, pytest 9's native TOML, or ``[tool.pytest.ini_options]``),
    tox.ini ``[pytest]``, setup.cfg ``[tool:pytest]``."""
    for name, section in (("pytest.ini", "pytest"), (".pytest.ini", "pytest")):
        parser = read_ini(project.root / name)
        if parser is not None and parser.has_section(section):
            return dict(parser.items(section))
    tool = project.pyproject.tool("pytest")
    for candidate in (tool.get("ini_options"), tool):
        if isinstance(candidate, dict) and candidate:
            return {k: v if isinstance(v, list) else str(v) for k, v in candidate.items()}
    for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        parser = read_ini(project.root / name)
        if parser is not None and parser.has_section(section):
            return dict(parser.items(section))
    return {}


def _ini_list(value: str | list[str] | None) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return value.split() if value else []


def _test_paths(project: Project) -> list[str]:
    if project.config.test_paths is not None:
        return list(project.config.test_paths)
    paths = _ini_list(_pytest_ini(project).get("testpaths"))
    if paths:
        return paths
    return [p for p in ("tests", "test", "testing") if (project.root / p).exists()]


def _cov_off(project: Project) -> list[str]:
    """``--no-cov`` when the project's addopts turn pytest-cov on: noxship's own
    ``coverage run`` measures the installed package, and two tracers would
    leave its report empty."""
    addopts = _ini_list(_pytest_ini(project).get("addopts"))
    return ["--no-cov"] if any(a.startswith("--cov") for a in addopts) else []


def _copy_tests(project: Project, dest: Path, packages: Sequence[str] = ()) -> list[str]:
    """Copy the configuration files and the test paths; return the test paths found.

    A test path that is one of the wheel's ``packages`` in the source tree
    (``pkg``, ``src/pkg``: doctests under ``--doctest-modules``) is not copied:
    it is returned as the package's name, for ``pytest --pyargs``, so that the
    installed package is what runs.
    """
    found = []
    for name in _CONFIG_FILES:
        src = project.root / name
        if src.is_file():
            shutil.copy2(src, dest / name)
    ignore = shutil.ignore_patterns(*IGNORED_DIRS, "*.pyc")
    for rel in _test_paths(project):
        src = project.root / rel
        package = Path(rel).name
        if package in packages and Path(rel).parent in (Path(), Path("src")):
            found.append(package)
            continue
        if src.is_dir():
            shutil.copytree(src, dest / rel, ignore=ignore, symlinks=True)
        elif src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
        else:
            continue
        found.append(rel)
    return found


def _packaged_tests(wheel: Path, packages: Sequence[str]) -> list[str]:
    """The ``packages`` (top-level names) of ``wheel`` that ship their tests
    (``pkg/tests/``, ``pkg/test_*.py``): run with ``pytest --pyargs``, installed."""
    names = set(packages)
    return sorted({f.parts[0] for f in wheel_files(wheel) if f.parts[0] in names and (
        "tests" in f.parts[1:-1] or "test" in f.parts[1:-1] or f.name.startswith("test_"))})  # fmt: skip


def _install(r: _Run, deps: TestDependencies) -> Path:
    """Make the venv and install the wheel, the test dependencies, pytest and
    coverage; in a venv made during the build (:mod:`.prepare`), only the wheel
    and the test requirements that name the project."""
    uv = uv_binary()
    python = venv_python(r.venv)
    wheel_req = str(r.wheel.path)
    if deps.extras:
        wheel_req = f"{r.wheel.path}[{','.join(deps.extras)}]"
    if take_prepared(r.venv):
        logger.info("Python %s: the test venv was made during the build; installing the wheel",
                    r.interpreter.version)  # fmt: skip
        _, mine = self_requirements(r.project, deps)
        # The index's copy of the project may already be there (a test dependency
        # that depends on it, such as pytest on pluggy): the wheel replaces it.
        args = ["--reinstall-package", r.project.name, wheel_req, *mine]
    else:
        run([uv, "venv", "--quiet", "--clear", "--python", r.interpreter.executable, r.venv],
            what="uv venv")  # fmt: skip
        args = [wheel_req, *deps.install_args(), *TOOLS]
    run([uv, "pip", "install", "--quiet", "--python", python, *args], what="uv pip install")
    return python


def _guard_env(r: _Run, guard_dir: Path) -> dict[str, str]:
    """The pytest run's environment: no credentials; the guard's settings."""
    meta = wheel_metadata(r.wheel.path)
    env = clean_env(
        {
            "PYTHONPATH": str(guard_dir),
            "NOXSHIP_GUARD_MODULES": ",".join(wheel_top_level(r.wheel.path)),
            "NOXSHIP_GUARD_PREFIX": str(r.venv.resolve()),
            "NOXSHIP_GUARD_DIST": meta.name,
            "NOXSHIP_GUARD_VERSION": str(meta.version),
            "NOXSHIP_GUARD_REPORT": str(guard_dir / "report.json"),
            "NOXSHIP_GUARD_COVERAGE_XML": str(r.coverage_xml),
            "COVERAGE_FILE": str(guard_dir / ".coverage"),
            "VIRTUAL_ENV": str(r.venv),
        }
    )
    env.pop("PYTHONHOME", None)
    return env


def _pytest(r: _Run, python: Path, tmp: Path, pytest_args: Sequence[str]) -> ToolError | None:
    """Run pytest under coverage (as the project configures it, :mod:`.cover`) with
    the guard, from a copy of the tests in ``tmp``; keep the coverage data in the
    reports directory, also when the tests fail."""
    guard_dir = tmp / ".noxship-guard"
    guard_dir.mkdir()
    shutil.copy2(Path(__file__).with_name("guard.py"), guard_dir / f"{GUARD_MODULE}.py")
    env = _guard_env(r, guard_dir)
    argv: list[str | Path] = [python]
    rcfile = r.reports / "coveragerc"
    r.coverage_xml.unlink(missing_ok=True)
    if r.project.config.coverage:
        settings = read_settings(python, r.project)
        write_rcfile(settings, wheel_top_level(r.wheel.path), r.project, rcfile)
        env.update(measuring_core(settings, r.interpreter.minor))
        argv += ["-m", "coverage", "run", f"--rcfile={rcfile}"]
    else:
        env.pop("NOXSHIP_GUARD_COVERAGE_XML")
    argv += ["-m", "pytest", "-p", GUARD_MODULE, "-p", "no:cacheprovider", f"--junitxml={r.junit}"]
    argv += [*_cov_off(r.project), *r.project.config.pytest_args, *pytest_args]
    data = r.reports / f".coverage.{r.tag}"
    data.unlink(missing_ok=True)
    try:
        run(argv, env=env, cwd=tmp, what=f"pytest on Python {r.interpreter.version}")
    except ToolError as exc:
        return exc
    finally:
        if (guard_dir / ".coverage").is_file():
            shutil.copy2(guard_dir / ".coverage", data)
    if r.project.config.coverage and not r.coverage_xml.is_file():  # the guard writes it
        run([python, "-m", "coverage", "xml", f"--rcfile={rcfile}", "-q", "-o", r.coverage_xml],
            env=env, cwd=tmp, what="coverage xml")  # fmt: skip
    return None


def _judge(r: _Run, guard_report: Path, failure: ToolError | None) -> dict[str, str]:
    """Raise for a guard violation or a failed run; return where each module came from."""
    proof: dict[str, object] = {}
    if guard_report.is_file():
        proof = json.loads(guard_report.read_text(encoding="utf-8"))
        shutil.copy2(guard_report, r.reports / f"imports-{r.tag}.json")
    violations = proof.get("violations")
    failed = bool(isinstance(violations, list) and violations) or failure is not None
    if isinstance(failure, ToolError) and failure.returncode == _NO_TESTS and not violations:
        paths = (
            ", ".join(_test_paths(r.project)) or "the project (no tests, test or testing directory)"
        )
        raise WheelTestError(
            f"test_wheel on Python {r.interpreter.version}: no tests were collected from "
            f"{paths} (pytest exit code 5): set test-paths in [tool.noxship] to where the tests are"
        )
    missing = missing_from_wheel(r.project.root, r.wheel.path) if failed else []
    hint = (
        f"; in the source tree, not in the wheel: {', '.join(missing)} (include them in the "
        "package, e.g. remove them from `exclude` or add them to `include` in pyproject.toml)"
        if missing
        else ""
    )
    if isinstance(violations, list) and violations:
        raise WheelTestError(
            f"test_wheel on Python {r.interpreter.version}: the tests imported the package from "
            f"outside the installed wheel ({'; '.join(map(str, violations))}){hint}"
            + ("" if missing else ": make the tests import the package by name, not by path")
        )
    if failure is not None:
        raise WheelTestError(
            f"test_wheel on Python {r.interpreter.version}: the tests failed against the "
            f"installed wheel {r.wheel.filename}{hint}"
        )
    modules = proof.get("modules")
    return {str(k): str(v) for k, v in modules.items()} if isinstance(modules, dict) else {}


IMPORT_CHECK = "test_noxship_imports.py"
"""The test written when a project has no tests: each top-level module imports."""


def _import_check(tmp: Path, modules: Sequence[str]) -> list[str]:
    (tmp / IMPORT_CHECK).write_text(
        '"""Written by noxship test_wheel: the project has no tests."""\n\n'
        "import importlib\n\nimport pytest\n\n\n"
        f"@pytest.mark.parametrize('name', {sorted(modules)!r})\n"
        "def test_module_imports_from_the_wheel(name):\n"
        "    importlib.import_module(name)\n",
        encoding="utf-8",
    )
    return [IMPORT_CHECK]


def _what_to_run(r: _Run, tmp: Path, pytest_args: Sequence[str]) -> list[str]:
    """Copy the tests to ``tmp``; return pytest's arguments.

    Tests in the source tree run from the copy; tests inside the package run
    installed (``--pyargs``). A project with no tests anywhere (no test
    directory, no ``testpaths``, none in the wheel; a uv_build sdist ships
    none by default) gets an import check of each top-level module, and a warning.
    """
    packages = wheel_top_level(r.wheel.path)
    where = _copy_tests(r.project, tmp, packages)
    if pytest_args:
        return list(pytest_args)
    if set(where) & set(packages):
        logger.info("the test paths include the package: it runs installed (pytest --pyargs)")
        return ["--pyargs", *where]
    if where or _test_paths(r.project):
        return []
    packaged = _packaged_tests(r.wheel.path, packages)
    if packaged:
        logger.info("no test directory: running the tests inside %s (pytest --pyargs)",
                    ", ".join(packaged))  # fmt: skip
        return ["--pyargs", *packaged]
    logger.warning(
        "no tests found (no tests, test or testing directory, no testpaths, none in the "
        "wheel): test_wheel checks only that %s import from the installed wheel; add tests, "
        "or set test-paths in [tool.noxship]",
        ", ".join(packages),
    )
    return _import_check(tmp, packages)


def _run_one(r: _Run, pytest_args: Sequence[str]) -> WheelTestResult:
    deps = r.project.test_dependencies(wheel_metadata(r.wheel.path).provides_extra or ())
    logger.info("test dependencies: %s", deps.source)
    python = _install(r, deps)
    with tempfile.TemporaryDirectory(prefix="noxship-test_wheel-") as tmp_name:
        tmp = Path(tmp_name)
        pytest_args = _what_to_run(r, tmp, pytest_args)
        failure = _pytest(r, python, tmp, pytest_args)
        imported = _judge(r, tmp / ".noxship-guard" / "report.json", failure)
    return WheelTestResult(r.interpreter.version, r.junit, r.coverage_xml, imported)


def run_wheel_tests(
    project: Project,
    dist_dir: Path | None = None,
    *,
    pythons: Sequence[str] | None = None,
    pytest_args: Sequence[str] = (),
    reports: Path | None = None,
    version: Version | None = None,
    verbose: bool = False,
) -> list[WheelTestResult]:
    """Test the wheel in ``dist_dir`` on each supported Python present on the machine.

    Args:
        project: the project whose wheel and tests are used.
        dist_dir: where the wheel is, default ``<root>/dist``.
        pythons: feature versions to test (``["3.12"]``); default
            ``[tool.noxship] pythons``, else all that ``requires-python`` admits.
        pytest_args: extra pytest arguments (after ``[tool.noxship] pytest-args``).
        reports: directory for ``junit-py3.X.xml`` and ``coverage-py3.X.xml``,
            default ``<root>/build/reports``.
        version: the version of the wheel to test, default the project's (a
            preview build's wheel has the plan's ``.devN`` version).
        verbose: print coverage.py's per-file table after the coverage line.

    Returns:
        One result per interpreter, oldest first.

    Raises:
        DistributionError: no wheel, or more than one, for the project.
        WheelTestError: the tests failed, or imported the package from outside
            the venv (a failure names files the wheel leaves out); or the
            combined coverage of all Pythons is below the project's ``fail_under``.
        ToolError: no supported interpreter is present, or uv failed.
    """
    dist_dir = dist_dir or project.root / "dist"
    wheel = find_wheel(project, dist_dir, version)
    interpreters = find_interpreters(project, pythons)
    if pythons is None and project.config.pythons is None:
        for line in missing_pythons(project, [i.minor for i in interpreters]):
            logger.warning("%s", line)
    if not interpreters:
        raise ToolError(
            f"no Python interpreter on this machine satisfies requires-python "
            f"{project.requires_python or '(any)'}"
            + (f" among {', '.join(pythons)}" if pythons else "")
            + ": install one (for example with uv python install)"
        )
    reports = reports or project.root / "build" / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    for old in reports.glob(".coverage*"):
        old.unlink()
    logger.info(
        "testing %s on Python %s", wheel.filename, ", ".join(i.version for i in interpreters)
    )
    runs = [_Run(project, wheel, i, reports) for i in interpreters]
    return _run_all(runs, pytest_args, verbose)


def missing_pythons(
    project: Project, found: Sequence[str], on: datetime.date | None = None
) -> list[str]:
    """One line per supported Python (the CPython calendar on ``on``, default
    today, and ``requires-python``) that is not among the ``found`` feature
    versions, saying how to get it."""
    from noxship.project.cpython import stale_table, supported_pythons

    today = on or datetime.date.today()
    lines = [f"Python {minor} is supported and admitted by requires-python, but not on this "
             f"machine: the wheel is not tested on it; install it (uv python install {minor}, "
             f"or pyenv install {minor})" for minor in supported_pythons(today,
             project.requires_python) if minor not in found]  # fmt: skip
    stale = stale_table(today)
    return [*lines, stale] if stale else lines


def _run_all(runs: Sequence[_Run], pytest_args: Sequence[str], verbose: bool
             ) -> list[WheelTestResult]:  # fmt: skip
    """Each run in turn until one fails; then the combined coverage, also of a failing run."""
    results: list[WheelTestResult] = []
    failure: WheelTestError | None = None
    for r in runs:
        try:
            results.append(_run_one(r, pytest_args))
        except WheelTestError as exc:  # the coverage of the failing run is still reported
            failure = exc
            break
    last = runs[len(results) if failure is not None else -1]
    if last.project.config.coverage:
        python = venv_python(last.venv)
        combine_and_check(python, last.project, read_settings(python, last.project),
                          last.reports, failing=failure is not None, verbose=verbose)  # fmt: skip
    if failure is not None:
        raise failure
    return results
