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
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from packaging.version import Version

from noxship._run import run, uv_binary, uv_install, uv_venv, venv_python
from noxship.build.compiled import extension_modules, wheel_fits
from noxship.build.dist import (
    DistKind,
    Distribution,
    find_distributions,
    wheel_metadata,
    wheel_top_level,
)
from noxship.context import Context
from noxship.environment import clean_env, redactor_for
from noxship.errors import DistributionError, ToolError, WheelTestError
from noxship.project import Project, Requirements
from noxship.project.commands import cov_sources, read_commands
from noxship.wheeltest.cover import (
    CoverageSettings,
    CoverageTotal,
    Gate,
    Sources,
    combine_and_check,
    measured_sources,
    measuring_core,
    read_settings,
    run_settings,
    write_run_xml,
)
from noxship.wheeltest.diagnosis import IGNORED_DIRS, missing_from_wheel
from noxship.wheeltest.interpreters import Interpreter, find_interpreters, no_interpreter
from noxship.wheeltest.prepare import (
    TOOLS,
    Early,
    compile_tools,
    pytest_cov_args,
    self_requirements,
    take_collected,
    take_prepared,
    venv_dir,
    venv_purelib,
)
from noxship.wheeltest.suite import (
    COLLECTOR,
    Suite,
    collect_suite,
    copy_likely,
    importable_modules,
    place,
    pytest_failure,
)
from noxship.wheeltest.testedwith import start_recording

__all__ = ["WheelTestResult", "combine_reports", "find_wheel", "gate", "run_wheel_tests"]

logger = logging.getLogger("noxship")

GUARD_MODULE = "noxship_wheel_guard"
_NO_TESTS = 5
"""pytest's exit code when it collected no test (``pytest.ExitCode.NO_TESTS_COLLECTED``)."""


@dataclasses.dataclass(frozen=True)
class WheelTestResult:
    """What one test run against the installed wheel produced.

    Attributes:
        python: the interpreter's version, ``"3.12.1"``.
        junit_xml: the JUnit XML report.
        coverage_xml: the Cobertura XML coverage report of the installed package.
        imported_from: module name -> file it was imported from (the guard's proof,
            also written to ``imports-py3.X.json`` beside the reports).
        tests: how many tests ran.
        tested_with: the record of what the test venv held
            (:mod:`noxship.wheeltest.testedwith`); ``None`` when it could not be made.
        coverage: the line of the coverage combined over every Python tested
            (``coverage: 93.4% (fail_under 90, from pyproject.toml)``); ``None``
            without coverage.
    """

    __test__ = False

    python: str
    junit_xml: Path
    coverage_xml: Path
    imported_from: dict[str, str]
    tests: int = 0
    tested_with: Path | None = None
    coverage: str | None = None


@dataclasses.dataclass(frozen=True)
class _Run:
    """One interpreter's run: where everything goes."""

    project: Project
    wheel: Distribution
    interpreter: Interpreter
    reports: Path
    context: Context

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


def find_wheel(
    project: Project, dist_dir: Path, version: Version | None = None, minor: str | None = None
) -> Distribution:
    """Return the one wheel of the project in ``dist_dir``, of ``version``
    (default: the project's version; a preview build passes its ``.devN`` one),
    that installs on CPython ``minor`` here (``"3.12"``; a compiled project has a
    wheel per Python, :func:`noxship.build.compiled.wheel_fits`); default the
    one wheel there is.

    Raises:
        DistributionError: there is no wheel of the project for ``minor``, or more than one.
    """
    dists = find_distributions(
        dist_dir, project.name, version or project.version, require=(DistKind.WHEEL,)
    )
    wheels = [d for d in dists if d.kind is DistKind.WHEEL]
    if minor is not None:
        wheels = [w for w in wheels if wheel_fits(w.filename, minor)]
        if not wheels:
            raise DistributionError(
                f"{dist_dir} holds no wheel of {project.name} that installs on Python "
                f"{minor} here: run `nox -s build` (a compiled project gets a wheel per "
                "Python), or test the Pythons it was built for (--python)"
            )
    if len(wheels) > 1:
        names = ", ".join(w.filename for w in wheels)
        raise DistributionError(
            f"{dist_dir} holds {len(wheels)} wheels of {project.name} ({names}): "
            "test_wheel tests exactly one per Python; run `nox -s build` to rebuild dist/"
        )
    return wheels[0]


def _install(r: _Run, deps: Requirements) -> Path:
    """Make the venv and install the wheel, the test dependencies, pytest and
    coverage; in a venv made during the build (:mod:`.prepare`), only the wheel
    and the test requirements that name the project."""
    python = venv_python(r.venv)
    wheel_req = str(r.wheel.path)
    if deps.extras:
        wheel_req = f"{r.wheel.path}[{','.join(deps.extras)}]"
    prepared = take_prepared(r.venv, deps.source)
    if prepared:
        logger.info(
            "Python %s: the test venv was made during the build; installing the wheel",
            r.interpreter.version,
        )
        _, mine = self_requirements(r.project, deps)
        # The index's copy of the project may already be there (a test dependency
        # that depends on it, such as pytest on pluggy): the wheel replaces it.
        args = ["--reinstall-package", r.project.name, wheel_req, *mine]
    else:
        uv_venv(r.venv, r.interpreter.executable)
        args = [wheel_req, *deps.install_args(), *TOOLS]
    uv_install(python, args)
    if not prepared:  # a prepared venv's tools were compiled when it was made
        compile_tools(python)
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
            "COVERAGE_FILE": str(guard_dir / ".coverage"),
            "VIRTUAL_ENV": str(r.venv),
        }
    )
    env.pop("PYTHONHOME", None)
    return env


class _State:
    """What the runs of one ``test_wheel`` share: the suite, asked of pytest once,
    and the project's coverage settings."""

    def __init__(self) -> None:
        self.suite: Suite | None = None
        self.settings: CoverageSettings | None = None
        self.sources: Sources | None = None
        self.purelib: Path | None = None
        self.check: str | None = None  # where the project checks fail_under, read once
        self.pending_settings: Future[CoverageSettings] | None = None  # read beside collection
        self.records: list[Future[Path | None]] = []  # what each run was tested with


def _origins(project: Project, deps: Requirements) -> dict[str, str]:
    """Distribution name -> the declaration it came from (to name a plugin's source)."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, str] = {}
    for text in deps.requirements:
        try:
            found[canonicalize_name(Requirement(text).name)] = deps.source
        except InvalidRequirement:
            continue
    return found


def _copy_test_paths(project: Project, work: Path) -> None:
    """Copy ``[tool.noxship] test-paths`` (data the tests read) into ``work``."""
    ignore = shutil.ignore_patterns(*IGNORED_DIRS, "*.pyc")
    for rel in project.config.test_paths or ():
        src = project.root / rel
        if src.is_dir() and not (work / rel).exists():
            shutil.copytree(src, work / rel, ignore=ignore, symlinks=True)
        elif src.is_file() and not (work / rel).exists():
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, work / rel)


def _log_suite(suite: Suite) -> None:
    files = suite.files
    where = ", ".join(files[:4]) + (f" and {len(files) - 4} more file(s)" if len(files) > 4 else "")
    kinds = sorted({kind for _, kind in suite.items})
    logger.info(
        "pytest collects %d test(s) from the source tree (%s: %s)",
        suite.tests,
        "/".join(kinds) or "none",
        where or "no file",
    )
    for rel, cause in list(suite.errors.items())[:5]:
        logger.info(
            "%s does not collect in the source tree (%s): it runs against the wheel",
            rel,
            cause[:200],
        )


def _report(path: Path) -> dict[str, object]:
    """A plugin's JSON report; empty when missing or cut short (the run was killed)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _ran_count(ran: dict[str, object]) -> int:
    """The number of tests the collector's report says ran (0 when it says none)."""
    count = ran.get("count")
    return count if isinstance(count, int) else 0


def _coverage_argv(
    r: _Run, state: _State, python: Path, work: Path, plugins: Path, env: dict[str, str]
) -> list[str | Path]:
    """The start of the command line: pytest under coverage, configured as the
    project measures (:mod:`.cover`), or plain pytest."""
    if not r.project.config.coverage:
        return [python, "-m", "pytest"]
    if state.settings is None:
        pending = state.pending_settings
        state.settings = pending.result() if pending else read_settings(python, r.project)
        assert state.suite is not None
        cov_values = cov_sources(" ".join(state.suite.addopts))
        commands = read_commands(r.project.root)
        cov_values += [v for v in commands.cov_sources() if v not in cov_values]
        state.check = commands.coverage_check(state.suite.addopts)
        state.sources = measured_sources(
            state.settings, r.project, _packages(r), cov_values, importable_modules(r.wheel.path)
        )
    assert state.sources is not None
    packages = _packages(r)
    settings_file = plugins / "coverage.json"
    settings_file.write_text(
        json.dumps(
            run_settings(state.settings, state.sources, r.project, packages, work, state.purelib)
        ),
        encoding="utf-8",
    )
    combined = run_settings(state.settings, state.sources, r.project, packages, None)
    combined["noxship"] = {
        "sources": state.sources.describe(),
        "check": state.check,
    }
    (r.reports / "coverage-settings.json").write_text(json.dumps(combined), encoding="utf-8")
    env.update(measuring_core(state.settings, r.interpreter.minor))
    return [python, Path(__file__).with_name("covrun.py"), settings_file, plugins / ".coverage"]


def _packages(r: _Run) -> dict[str, str]:
    from noxship.wheeltest.suite import _package_dirs

    return _package_dirs(r.project, r.wheel.path)


def _pytest(
    r: _Run,
    state: _State,
    python: Path,
    tmp: Path,
    args: Sequence[str],
    mapping: dict[str, object] | None,
) -> _Exit:
    """Run pytest (under coverage, as the project measures) with the guard and the
    collector, from ``tmp/work``; keep the coverage data also when the tests fail."""
    work, plugins = tmp / "work", tmp / "plugins"
    plugins.mkdir(exist_ok=True)
    shutil.copy2(Path(__file__).with_name("guard.py"), plugins / f"{GUARD_MODULE}.py")
    shutil.copy2(Path(__file__).with_name("collector.py"), plugins / f"{COLLECTOR}.py")
    env = _guard_env(r, plugins)
    env["NOXSHIP_COLLECT_REPORT"] = str(plugins / "ran.json")
    if mapping is not None:
        (plugins / "map.json").write_text(json.dumps(mapping), encoding="utf-8")
        env["NOXSHIP_COLLECT_MAP"] = str(plugins / "map.json")
    r.coverage_xml.unlink(missing_ok=True)
    argv = _coverage_argv(r, state, python, work, plugins, env)
    argv += [
        "-p",
        GUARD_MODULE,
        "-p",
        COLLECTOR,
        "-p",
        "no:cacheprovider",
        f"--junitxml={r.junit}",
        f"--rootdir={work}",
    ]
    assert state.suite is not None
    if state.suite.inifile and (work / state.suite.inifile).is_file():
        argv.append(f"-c={work / state.suite.inifile}")
    argv += list(args)
    data = r.reports / f".coverage.{r.tag}"
    data.unlink(missing_ok=True)
    try:
        run(argv, env=env, cwd=work, what=f"pytest on Python {r.interpreter.version}")
    except ToolError as exc:
        return _Exit(exc.returncode if exc.returncode is not None else -1, exc.output)
    finally:
        if (plugins / ".coverage").is_file():
            shutil.copy2(plugins / ".coverage", data)
    return _Exit(0, "")


_MISSING_MODULE = re.compile(r"No module named '([\w.]+)'")


def _missing_modules(r: _Run, ran: dict[str, object]) -> list[str]:
    """Modules the tests could not import (``ModuleNotFoundError``), from the
    JUnit report and the collection errors."""
    text = r.junit.read_text(encoding="utf-8", errors="replace") if r.junit.is_file() else ""
    errors = ran.get("errors")
    text += " ".join(map(str, errors.values())) if isinstance(errors, dict) else ""
    own = set(wheel_top_level(r.wheel.path))
    return sorted({m.split(".")[0] for m in _MISSING_MODULE.findall(text)} - own)


class _Exit(NamedTuple):
    """How pytest ended: its exit code (pytest docs, "Exit codes"; -1: it did not
    run to an end) and its captured output."""

    code: int
    output: str


def _judge(
    r: _Run, state: _State, plugins: Path, ended: _Exit, deps: Requirements
) -> tuple[dict[str, str], int]:
    """Raise for a guard violation, a failed or abnormal run, or a suite that did
    not run; return where each module came from, and how many tests ran."""
    suite = state.suite
    assert suite is not None
    proof: dict[str, object] = {}
    guard_report = plugins / "report.json"
    if guard_report.is_file():
        proof = _report(guard_report)
        shutil.copy2(guard_report, r.reports / f"imports-{r.tag}.json")
    ran = _report(plugins / "ran.json")
    count = _ran_count(ran)
    version = r.interpreter.version
    violations = proof.get("violations")
    failed = bool(isinstance(violations, list) and violations) or ended.code != 0
    copied_in = set(suite.files) | set(suite.conftests)
    missing = (
        [m for m in missing_from_wheel(r.project.root, r.wheel.path) if m not in copied_in]
        if failed
        else []
    )
    hint = (
        f"; in the source tree, not in the wheel: {', '.join(missing)} (include them in the "
        "package, e.g. remove them from `exclude` or add them to `include` in pyproject.toml)"
        if missing
        else ""
    )
    if isinstance(violations, list) and violations:
        raise WheelTestError(
            f"test_wheel on Python {version}: the tests imported the package from "
            f"outside the installed wheel ({'; '.join(map(str, violations))}){hint}"
            + ("" if missing else ": make the tests import the package by name, not by path")
        )
    modules = _missing_modules(r, ran) if failed else []
    if modules:
        hint += (
            f"; the tests need module(s) {', '.join(modules)}, which no declared test "
            f"dependency provides (test dependencies: {deps.source}): add the "
            "distribution to test-dependencies in [tool.noxship], or to the project's "
            "test dependency group"
        )
    _abnormal(r, suite, ran, ended, deps, hint)
    if ended.code != 0:
        raise WheelTestError(
            f"test_wheel on Python {version}: the tests failed against the "
            f"installed wheel {r.wheel.filename}{hint}"
        )
    _explain_count(suite, ran, version)
    modules_found = proof.get("modules")
    imported = (
        {str(k): str(v) for k, v in modules_found.items()}
        if isinstance(modules_found, dict)
        else {}
    )
    _check_extensions(r, imported)
    return imported, count


def _check_extensions(r: _Run, imported: Mapping[str, str]) -> None:
    """Warn when the tests imported none of a platform wheel's extension modules:
    the compiled code went untested (a package with a pure fallback ran that)."""
    extensions = extension_modules(r.wheel.path)
    if not extensions or any(m in imported for m in extensions):
        return
    logger.warning(
        "test_wheel on Python %s: the tests imported none of the wheel's extension "
        "modules (%s): the compiled code was not tested (a pure-Python fallback ran); "
        "make the tests import them",
        r.interpreter.version,
        ", ".join(extensions),
    )


def _abnormal(
    r: _Run,
    suite: Suite,
    ran: dict[str, object],
    ended: _Exit,
    deps: Requirements,
    hint: str,
) -> None:
    """Raise for a pytest that ended abnormally (exit 2, 3, 4 or 5), or a suite
    that the source tree collects and that did not run against the wheel."""
    version = r.interpreter.version
    rc = ended.code
    errors = ran.get("errors")
    if rc == 2 and isinstance(errors, dict) and errors:
        where, cause = next(iter(errors.items()))
        raise WheelTestError(
            f"test_wheel on Python {version}: pytest could not collect "
            f"{where} against the installed wheel ({cause}){hint}"
        )
    if rc in (2, 3, 4):
        raise WheelTestError(
            f"test_wheel on Python {version}: "
            + pytest_failure(
                ended.output,
                venv_python(r.venv),
                rc,
                _origins(r.project, deps),
                "against the installed wheel",
            )
            + "; see its output above"
        )
    if suite.tests and not _ran_count(ran) and rc in (0, 5):
        raise WheelTestError(
            f"test_wheel on Python {version}: the project's runner collects {suite.tests} "
            f"test(s) from the source tree ({', '.join(suite.files[:3])}), but none ran against "
            "the installed wheel: report this, and set pytest-args in [tool.noxship] meanwhile"
        )
    if rc == _NO_TESTS:
        raise WheelTestError(
            f"test_wheel on Python {version}: pytest collected no test "
            "(exit code 5): set pytest-args in [tool.noxship] to where the "
            "tests are"
        )


def _explain_count(suite: Suite, ran: dict[str, object], version: str) -> None:
    """Log how many tests ran against the wheel, and why that differs from the
    source tree's count when it does."""
    count = _ran_count(ran)
    if not suite.tests and not suite.errors:
        return
    if count == suite.tests:
        logger.info(
            "Python %s: %d test(s) ran against the installed wheel, as many as the "
            "project's runner collects from the source tree",
            version,
            count,
        )
        return
    got: dict[str, int] = {}
    items = ran.get("items")
    for key, n in items.items() if isinstance(items, dict) else ():
        rel = str(key).split("\t")[0]
        got[rel] = got.get(rel, 0) + int(n)
    want: dict[str, int] = {}
    for (rel, _), n in suite.items.items():
        want[rel] = want.get(rel, 0) + n
    diffs = [
        f"{rel}: {want.get(rel, 0)} in the source tree, {got.get(rel, 0)} against the wheel"
        for rel in dict.fromkeys([*want, *got])
        if want.get(rel, 0) != got.get(rel, 0)
    ]
    why = []
    if suite.errors:
        why.append(
            f"{len(suite.errors)} file(s) do not collect in the source tree "
            "(they import what only the build makes), so their tests count only here"
        )
    logger.warning(
        "Python %s: %d test(s) ran against the installed wheel; the project's "
        "runner collects %d from the source tree (%s)%s",
        version,
        count,
        suite.tests,
        "; ".join(diffs[:5]) or "same files",
        (": " + "; ".join(why)) if why else "",
    )


IMPORT_CHECK = "test_noxship_imports.py"
"""The test written when a project has no tests: each top-level module imports."""


def _import_check(work: Path, modules: Sequence[str]) -> list[str]:
    (work / IMPORT_CHECK).write_text(
        '"""Written by noxship test_wheel: the project has no tests."""\n\n'
        "import importlib\n\nimport pytest\n\n\n"
        f"@pytest.mark.parametrize('name', {sorted(modules)!r})\n"
        "def test_module_imports_from_the_wheel(name):\n"
        "    importlib.import_module(name)\n",
        encoding="utf-8",
    )
    return [IMPORT_CHECK]


def _collect(
    r: _Run,
    state: _State,
    python: Path,
    given: list[str],
    tmp: Path,
    deps: Requirements,
    early: Early | None,
) -> frozenset[str]:
    """Ask pytest for the suite (once per ``test_wheel``), unless the build
    collected it (``early``, :func:`~noxship.wheeltest.prepare.take_collected`).
    Beside it (a Python process) run the disk-bound copy of the likely test
    directories into ``tmp/work`` and coverage's reading of its configuration.
    Returns the directories copied."""
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="noxship-test_wheel")
    if r.project.config.coverage and state.settings is None:
        state.pending_settings = pool.submit(read_settings, python, r.project)
    if early is not None:
        pool.shutdown(wait=False)
        logger.info("pytest was asked for the suite during the build, the source importable")
        state.suite = early.suite
        _log_suite(early.suite)
        return early.copied
    copying = pool.submit(copy_likely, r.project, tmp / "work")
    pool.shutdown(wait=False)
    try:
        if state.suite is None:
            user = [*pytest_cov_args(state.purelib or r.venv), *given]
            origins = _origins(r.project, deps)
            state.suite = collect_suite(r.project, python, user, tmp, origins)
            _log_suite(state.suite)
    finally:
        copied = copying.result()  # before tmp may be removed
    return copied


def _run_one(r: _Run, pytest_args: Sequence[str], state: _State) -> WheelTestResult:
    deps = r.project.test_dependencies(wheel_metadata(r.wheel.path).provides_extra or ())
    logger.info("test dependencies: %s", deps.source)
    python = _install(r, deps)
    # The venv is complete: its record is made on the other core while the tests run.
    state.records.append(start_recording(python, r.wheel.name, r.reports, r.tag))
    purelib = state.purelib = venv_purelib(python)
    given = [*r.project.config.pytest_args, *pytest_args]
    early = take_collected(r.venv, given) if state.suite is None else None
    tmp = early.tmp if early else Path(tempfile.mkdtemp(prefix="noxship-test_wheel-"))
    handed = False
    try:
        work = tmp / "work"
        work.mkdir(exist_ok=True)
        copied = _collect(r, state, python, given, tmp, deps, early)
        suite = state.suite
        assert suite is not None
        mapping: dict[str, object] | None = None
        if suite.tests == 0 and not suite.errors:
            modules = importable_modules(r.wheel.path)
            logger.warning(
                "no tests: the project's runner (pytest with the project's settings, and "
                "unittest's discovery) collects none from the source tree; test_wheel checks "
                "only that %s import from the installed wheel: add tests, or set pytest-args "
                "in [tool.noxship]",
                ", ".join(modules),
            )
            args = [*pytest_cov_args(purelib), *_import_check(work, modules)]
            state.suite = suite = suite._replace(options=())
        else:
            placement = place(r.project, r.wheel.path, suite, work, purelib, copied)
            args = [*suite.options, *placement.args]
            mapping = placement.mapping
        _copy_test_paths(r.project, work)  # data the tests read, beside what place() copied
        ended = _pytest(r, state, python, tmp, args, mapping)
        # The run's own Cobertura XML is written in the background, from the run's
        # directory, which the writer removes when it is done.
        data = r.reports / f".coverage.{r.tag}"
        redact = redactor_for(r.context.environ)
        handed = write_run_xml(python, tmp / "plugins", data, r.coverage_xml, tmp, redact)
        imported, count = _judge(r, state, tmp / "plugins", ended, deps)
    finally:
        if not handed:
            shutil.rmtree(tmp, ignore_errors=True)
    return WheelTestResult(r.interpreter.version, r.junit, r.coverage_xml, imported, count)


def run_wheel_tests(
    project: Project,
    dist_dir: Path | None = None,
    *,
    pythons: Sequence[str] | None = None,
    pytest_args: Sequence[str] = (),
    reports: Path | None = None,
    version: Version | None = None,
    verbose: bool = False,
    full_matrix: bool = False,
    context: Context,
) -> list[WheelTestResult]:
    """Test the wheel in ``dist_dir`` on each supported Python present on the machine.

    Args:
        project: the project whose wheel and tests are used.
        context: the run's environment (the interpreters on ``PATH``, the CI's
            job summary file).
        dist_dir: where the wheel is, default ``<root>/dist``.
        pythons: feature versions to test (``["3.12"]``); default
            ``[tool.noxship] pythons``, else all that ``requires-python`` admits.
        pytest_args: extra pytest arguments (after ``[tool.noxship] pytest-args``).
        reports: directory for ``junit-py3.X.xml`` and ``coverage-py3.X.xml``,
            default ``<root>/build/reports``.
        version: the version of the wheel to test, default the project's (a
            preview build's wheel has the plan's ``.devN`` version).
        verbose: print coverage.py's per-file table after the coverage line.
        full_matrix: the run publishes for real (``release_test``, ``release_prod``):
            a ``fail_under`` the project checks fails the run when a Python of
            the project's matrix is missing here, as it could not be measured.

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
    interpreters = find_interpreters(project, pythons, context=context)
    if pythons is None and project.config.pythons is None:
        for line in missing_pythons(project, [i.minor for i in interpreters]):
            logger.warning("%s", line)
    if not interpreters:
        raise no_interpreter(project, pythons, "test the wheel")
    reports = reports or project.root / "build" / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    for old in reports.glob(".coverage*"):
        old.unlink()
    runs = [
        _Run(project, find_wheel(project, dist_dir, version, i.minor), i, reports, context)
        for i in interpreters
    ]
    for r in runs:
        logger.info("testing %s on Python %s", r.wheel.filename, r.interpreter.version)
    return _run_all(runs, pytest_args, verbose, full_matrix)


def combine_reports(project: Project, reports: Path | None = None, *, context: Context) -> None:
    """Combine the coverage data of every Python that the test jobs of a CI
    matrix left in ``reports`` (``build/reports``: ``.coverage.py3.X`` and
    ``coverage-settings.json``), print the one ``coverage:`` line and gate it
    (:func:`gate`), where the project measures it: the CI's coverage job.

    Raises:
        WheelTestError: the combined figure is below a ``fail_under`` that the
            project checks, or a Python of the project's matrix left no data.
        ToolError: no data (``test_wheel`` did not run), or coverage.py failed.
    """
    reports = reports or project.root / "build" / "reports"
    data = sorted(reports.glob(".coverage.py3.*"))
    settings_file = reports / "coverage-settings.json"
    if not project.config.coverage:
        logger.info("coverage = false in [tool.noxship]: nothing to combine")
        return
    if not data or not settings_file.is_file():
        raise ToolError(
            f"no coverage data in {reports} (.coverage.py3.X): run test_wheel "
            "first, or give this job the test jobs' build/reports/ artifacts"
        )
    meta = json.loads(settings_file.read_text(encoding="utf-8"))
    plugins = [str(p) for p in meta.get("options", {}).get("run:plugins") or []]
    venv = project.root / ".nox" / "noxship-coverage"
    uv = uv_binary()
    run([uv, "venv", "--quiet", "--clear", venv], what="uv venv")
    python = venv_python(venv)
    run(
        [uv, "pip", "install", "--quiet", "--python", python, "coverage", *plugins],
        what="uv pip install",
    )
    settings = read_settings(python, project)
    tested = sorted(
        {p.name.removeprefix(".coverage.py") for p in data},
        key=lambda v: tuple(map(int, v.split("."))),
    )
    noxship = meta.get("noxship") or {}
    rule = gate(project, settings, noxship.get("check"), tested, True)
    logger.info("coverage of Python %s combined", ", ".join(tested))
    combine_and_check(
        python,
        project,
        settings,
        reports,
        rule,
        sources=str(noxship.get("sources") or ""),
        environ=context.environ,
    )


def missing_pythons(
    project: Project, found: Sequence[str], on: datetime.date | None = None
) -> list[str]:
    """One line per supported Python (the CPython calendar on ``on``, default
    today, and ``requires-python``) that is not among the ``found`` feature
    versions, saying how to get it."""
    from noxship.project.cpython import stale_table, supported_pythons

    today = on or datetime.date.today()
    lines = [
        f"Python {minor} is supported and admitted by requires-python, but not on this "
        f"machine: the wheel is not tested on it; install it (uv python install {minor}, "
        f"or pyenv install {minor})"
        for minor in supported_pythons(today, project.requires_python)
        if minor not in found
    ]
    stale = stale_table(today)
    return [*lines, stale] if stale else lines


def gate(
    project: Project,
    settings: CoverageSettings,
    check: str | None,
    tested: Sequence[str],
    full_matrix: bool,
) -> Gate:
    """Where ``fail_under`` holds: when the project's own test command checks it
    (``check``: where, from :mod:`noxship.project.commands`), on the combined
    figure of every Python of the project's matrix (``[tool.noxship] pythons``,
    else the supported CPythons ``requires-python`` admits, as ``init`` writes
    the CI matrix); ``coverage-gate = "strict"`` holds it everywhere.

    Raises:
        WheelTestError: ``full_matrix`` (a chain that uploads for real) and a
            Python of the matrix was not measured.
    """
    if not settings.fail_under or project.config.coverage_gate == "strict":
        return Gate(True)
    if check is None:
        return Gate(
            False,
            "the project's own test command never checks it (no coverage report, "
            "--cov or --fail-under in pytest's addopts, tox, hatch, nox or CI files); "
            'set coverage-gate = "strict" in [tool.noxship] to enforce it',
        )
    from noxship.project.cpython import supported_pythons

    matrix = list(
        project.config.pythons or supported_pythons(datetime.date.today(), project.requires_python)
    )
    missing = [m for m in matrix if m not in tested]
    if not missing:
        return Gate(True)
    if full_matrix:
        raise WheelTestError(
            f"coverage: fail_under {settings.fail_under:g} ({check}) holds for the combined "
            f"matrix ({', '.join(matrix)}), and this machine measured only {', '.join(tested)}: "
            f"install {', '.join(missing)} (uv python install {missing[0]}), or release from CI"
        )
    return Gate(
        False,
        f"it holds for the combined matrix ({', '.join(matrix)}), and this run "
        f"measured only {', '.join(tested)} (missing {', '.join(missing)}); the CI "
        'coverage job gates the whole matrix, and coverage-gate = "strict" gates here',
    )


def _run_all(
    runs: Sequence[_Run], pytest_args: Sequence[str], verbose: bool, full_matrix: bool = False
) -> list[WheelTestResult]:
    """Each run in turn until one fails; then the combined coverage, also of a failing run."""
    results: list[WheelTestResult] = []
    failure: WheelTestError | None = None
    state = _State()
    for r in runs:
        try:
            results.append(_run_one(r, pytest_args, state))
        except WheelTestError as exc:  # the coverage of the failing run is still reported
            failure = exc
            break
    last = runs[len(results) if failure is not None else -1]
    try:
        total = _combine(runs, results, state, last, failure, verbose, full_matrix)
    finally:  # the records' threads start thread pools: done before the interpreter ends
        records = [f.result() for f in state.records]
    if failure is not None:
        raise failure
    line = total.line if total is not None else None
    return [
        dataclasses.replace(r, tested_with=t, coverage=line)
        for r, t in zip(results, records, strict=True)
    ]


def _combine(
    runs: Sequence[_Run],
    results: Sequence[WheelTestResult],
    state: _State,
    last: _Run,
    failure: WheelTestError | None,
    verbose: bool,
    full_matrix: bool,
) -> CoverageTotal | None:
    """The combined coverage of the runs so far (``None`` without coverage)."""
    total = None
    if last.project.config.coverage and state.settings is not None:
        python = venv_python(last.venv)
        tested = [r.interpreter.minor for r in runs[: len(results) + (failure is not None)]]
        rule = gate(last.project, state.settings, state.check, tested, full_matrix)
        total = combine_and_check(
            python,
            last.project,
            state.settings,
            last.reports,
            rule,
            sources=state.sources.describe() if state.sources else "",
            failing=failure is not None,
            verbose=verbose,
            environ=last.context.environ,
        )
    return total
