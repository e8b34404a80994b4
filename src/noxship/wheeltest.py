"""Run the project's test suite against the *built wheel*, never the source tree.

For each supported Python on the machine: a fresh venv (uv), the wheel file and
the test dependencies installed into it, the test paths copied to a temporary
directory outside the source tree, and pytest run there under coverage with the
:mod:`noxship.pytest_plugin` guard, which fails the run if the package is
imported from anywhere but that venv.
"""

from __future__ import annotations

import dataclasses
import email.parser
import json
import logging
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.version import Version

from noxship._run import clean_env, run
from noxship.dist import Distribution, find_distributions, wheel_files, wheel_top_level
from noxship.errors import DistributionError, ToolError, WheelTestError
from noxship.project import Project
from noxship.pythons import Interpreter, find_interpreters

__all__ = ["WheelTestResult", "find_wheel", "missing_from_wheel", "test_wheel"]

logger = logging.getLogger("noxship")

GUARD_MODULE = "noxship_wheel_guard"
_CONFIG_FILES = (
    "pytest.ini",
    ".pytest.ini",
    "pyproject.toml",
    "tox.ini",
    "setup.cfg",
    "conftest.py",
)
_IGNORED_SUFFIXES = {".pyc", ".pyo"}
_IGNORED_DIRS = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}


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


def find_wheel(project: Project, dist_dir: Path, version: Version | None = None) -> Distribution:
    """Return the one wheel of the project in ``dist_dir``, of ``version``
    (default: the project's version; a preview build passes its ``.devN`` one).

    Raises:
        DistributionError: there is no wheel of the project, or more than one.
    """
    dists = find_distributions(
        dist_dir, project.name, version or project.version, require=("wheel",)
    )
    wheels = [d for d in dists if d.kind == "wheel"]
    if len(wheels) > 1:
        names = ", ".join(w.filename for w in wheels)
        raise DistributionError(
            f"{dist_dir} holds {len(wheels)} wheels of {project.name} ({names}): "
            "test_wheel tests exactly one; run `nox -s build` to rebuild dist/"
        )
    return wheels[0]


def _wheel_metadata(wheel: Path) -> tuple[str, str]:
    with zipfile.ZipFile(wheel) as zf:
        meta_name = next(
            n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
        )
        msg = email.parser.BytesParser().parsebytes(zf.read(meta_name), headersonly=True)
    return str(msg["Name"]), str(msg["Version"])


def missing_from_wheel(project: Project, wheel: Path) -> list[str]:
    """List the files of the project's import packages that the wheel leaves out.

    The source of each top-level package the wheel installs is looked for at
    ``<root>/<name>`` (flat layout) and ``<root>/src/<name>`` (src layout);
    compiled caches are ignored.

    Returns:
        Paths relative to the project root, sorted; empty when nothing is missing.
    """
    in_wheel = {str(p) for p in wheel_files(wheel)}
    missing: list[str] = []
    for name in wheel_top_level(wheel):
        for base in (project.root, project.root / "src"):
            pkg_dir = base / name
            if not pkg_dir.is_dir():
                continue
            for path in sorted(pkg_dir.rglob("*")):
                rel_parts = path.relative_to(base).parts
                if (
                    path.is_dir()
                    or path.suffix in _IGNORED_SUFFIXES
                    or _IGNORED_DIRS.intersection(rel_parts)
                ):
                    continue
                if str(PurePosixPath(*rel_parts)) not in in_wheel:
                    missing.append(str(path.relative_to(project.root)))
            break
    return missing


def _test_paths(project: Project) -> list[str]:
    if project.config.test_paths is not None:
        return list(project.config.test_paths)
    ini = project.data.get("tool", {}).get("pytest", {}).get("ini_options", {})
    paths = ini.get("testpaths")
    if isinstance(paths, list) and paths:
        return [str(p) for p in paths]
    return [p for p in ("tests", "test", "testing") if (project.root / p).exists()]


def _copy_tests(project: Project, dest: Path) -> None:
    for name in _CONFIG_FILES:
        src = project.root / name
        if src.is_file():
            shutil.copy2(src, dest / name)
    ignore = shutil.ignore_patterns(*_IGNORED_DIRS, "*.pyc")
    for rel in _test_paths(project):
        src = project.root / rel
        if src.is_dir():
            shutil.copytree(src, dest / rel, ignore=ignore, symlinks=True)
        elif src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def _uv() -> str:
    found = shutil.which("uv")
    if found:
        return found
    try:
        from uv import find_uv_bin

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        raise ToolError("uv not found: reinstall noxship (it depends on uv)") from None


def _run_one(
    project: Project,
    wheel: Distribution,
    interp: Interpreter,
    reports: Path,
    pytest_args: Sequence[str],
) -> WheelTestResult:
    uv = _uv()
    venv = project.root / ".nox" / f"noxship-test_wheel-{interp.minor}"
    run([uv, "venv", "--quiet", "--clear", "--python", interp.executable, venv], what="uv venv")
    python = venv / "bin" / "python"
    deps = project.test_dependencies()
    logger.info("test dependencies: %s", deps.source)
    wheel_req = str(wheel.path)
    if deps.extras:
        wheel_req = f"{wheel.path}[{','.join(deps.extras)}]"
    run(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            python,
            wheel_req,
            *deps.requirements,
            "pytest",
            "coverage",
        ],
        what="uv pip install",
    )
    dist_name, dist_version = _wheel_metadata(wheel.path)
    modules = wheel_top_level(wheel.path)
    tag = f"py{interp.minor}"
    junit = reports / f"junit-{tag}.xml"
    coverage_xml = reports / f"coverage-{tag}.xml"
    coverage_xml.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="noxship-test_wheel-") as tmp_name:
        tmp = Path(tmp_name)
        _copy_tests(project, tmp)
        guard_dir = tmp / ".noxship-guard"
        guard_dir.mkdir()
        shutil.copy2(Path(__file__).with_name("pytest_plugin.py"), guard_dir / f"{GUARD_MODULE}.py")
        rcfile = guard_dir / "coveragerc"
        rcfile.write_text("[run]\n", encoding="utf-8")
        guard_report = guard_dir / "report.json"
        env = clean_env(
            {
                "PYTHONPATH": str(guard_dir),
                "NOXSHIP_GUARD_MODULES": ",".join(modules),
                "NOXSHIP_GUARD_PREFIX": str(venv.resolve()),
                "NOXSHIP_GUARD_DIST": dist_name,
                "NOXSHIP_GUARD_VERSION": dist_version,
                "NOXSHIP_GUARD_REPORT": str(guard_report),
                "NOXSHIP_GUARD_COVERAGE_XML": str(coverage_xml),
                "COVERAGE_FILE": str(guard_dir / ".coverage"),
                "VIRTUAL_ENV": str(venv),
            }
        )
        if tuple(map(int, interp.minor.split("."))) >= (3, 12):
            # sys.monitoring (PEP 669) makes line coverage several times cheaper.
            env["COVERAGE_CORE"] = "sysmon"
        env.pop("PYTHONHOME", None)
        source = ",".join(modules)
        failure: ToolError | None = None
        try:
            run(
                [
                    python,
                    "-m",
                    "coverage",
                    "run",
                    f"--rcfile={rcfile}",
                    f"--source={source}",
                    "-m",
                    "pytest",
                    "-p",
                    GUARD_MODULE,
                    "-p",
                    "no:cacheprovider",
                    f"--junitxml={junit}",
                    *project.config.pytest_args,
                    *pytest_args,
                ],
                env=env,
                cwd=tmp,
                what=f"pytest on Python {interp.version}",
            )
        except ToolError as exc:
            failure = exc
        proof: dict[str, Any] = {}
        if guard_report.is_file():
            proof = json.loads(guard_report.read_text(encoding="utf-8"))
            shutil.copy2(guard_report, reports / f"imports-{tag}.json")
        if proof.get("violations"):
            raise WheelTestError(
                f"test_wheel on Python {interp.version}: the tests imported the package from "
                f"outside the installed wheel ({'; '.join(map(str, proof['violations']))}): "
                "make the tests import the package by name, not by path"
            )
        if failure is not None:
            missing = missing_from_wheel(project, wheel.path)
            hint = (
                f"; these files are in the source tree but not in the wheel: {', '.join(missing)}"
                " (include them in the package, e.g. remove them from `exclude` or add them "
                "to `include` in pyproject.toml)"
                if missing
                else ""
            )
            raise WheelTestError(
                f"test_wheel on Python {interp.version}: the tests failed against the installed "
                f"wheel {wheel.filename}{hint}"
            )
        if not coverage_xml.is_file():  # the guard writes it; this is the fallback
            run(
                [python, "-m", "coverage", "xml", f"--rcfile={rcfile}", "-q", "-o", coverage_xml],
                env=env,
                cwd=tmp,
                what="coverage xml",
            )
    modules_seen = proof.get("modules", {})
    return WheelTestResult(
        python=interp.version,
        junit_xml=junit,
        coverage_xml=coverage_xml,
        imported_from=dict(modules_seen) if isinstance(modules_seen, dict) else {},
    )


def test_wheel(
    project: Project,
    dist_dir: Path | None = None,
    *,
    pythons: Sequence[str] | None = None,
    pytest_args: Sequence[str] = (),
    reports: Path | None = None,
    version: Version | None = None,
) -> list[WheelTestResult]:
    """Test the wheel in ``dist_dir`` on each supported Python present on the machine.

    Args:
        project: the project whose wheel and tests are used.
        dist_dir: where the wheel is, default ``<root>/dist``.
        pythons: minor versions to test (``["3.12"]``); default
            ``[tool.noxship] pythons``, else all that ``requires-python`` admits.
        pytest_args: extra pytest arguments (after ``[tool.noxship] pytest-args``).
        reports: directory for ``junit-py3.X.xml`` and ``coverage-py3.X.xml``,
            default ``<root>/build/reports``.
        version: the version of the wheel to test, default the project's (a
            preview build's wheel has the plan's ``.devN`` version).

    Returns:
        One result per interpreter, oldest first.

    Raises:
        DistributionError: no wheel, or more than one, for the project.
        WheelTestError: the tests failed, or imported the package from outside
            the venv; a failure names files the wheel leaves out.
        ToolError: no supported interpreter is present, or uv failed.
    """
    dist_dir = dist_dir or project.root / "dist"
    wheel = find_wheel(project, dist_dir, version)
    interpreters = find_interpreters(project, pythons)
    if not interpreters:
        raise ToolError(
            f"no Python interpreter on this machine satisfies requires-python "
            f"{project.requires_python or '(any)'}"
            + (f" among {', '.join(pythons)}" if pythons else "")
            + ": install one (for example with uv python install)"
        )
    reports = reports or project.root / "build" / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    logger.info(
        "testing %s on Python %s", wheel.filename, ", ".join(i.version for i in interpreters)
    )
    return [_run_one(project, wheel, i, reports, pytest_args) for i in interpreters]
