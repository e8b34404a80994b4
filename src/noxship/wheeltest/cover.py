"""Coverage of the installed package, as the project configures it.

The project's settings are read by coverage.py itself, in the test venv
(:mod:`.covconfig`): ``branch``, ``omit``, ``plugins``, the ``exclude_lines``
/ ``exclude_also`` and partial-branch patterns, ``fail_under`` and
``precision``. They are written into the run's own rcfile, mapped to the
installed package: an ``omit`` pattern written for the source tree
(``src/pkg/_vendor/*``) becomes one that matches under the venv
(``*/pkg/_vendor/*``), and ``[paths]`` maps every venv's copy of the package
back to the source tree, so the data of all Pythons combine into one report
(coverage docs, "Combining data files", ``[paths]``). The ``omit`` of
``[report]`` applies to the combined report as written, and to each Python's.

The measuring core: ``sys.monitoring`` (PEP 669, ``COVERAGE_CORE=sysmon``) on
Python 3.12 and later, several times cheaper than a tracer, except where the
configuration needs the C tracer: plugins, and branch coverage before Python
3.14 (coverage docs, "Measurement core"); the log says so.

After the last Python the data are combined: one line ``coverage: 93.4%
(fail_under 90, from pyproject.toml)``, Cobertura XML and JSON under
``build/reports/`` and the HTML report ``htmlcov/`` (written in a background
thread that the process waits for before it exits, so a release chain goes on
meanwhile), and a total below ``fail_under`` fails ``test_wheel``.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import shutil
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from noxship._run import run
from noxship.environment import clean_env
from noxship.errors import WheelTestError
from noxship.project import Project

__all__ = [
    "CoverageSettings",
    "combine_and_check",
    "measuring_core",
    "read_settings",
    "reports_written",
    "write_rcfile",
]  # fmt: skip

logger = logging.getLogger("noxship")


class CoverageSettings(NamedTuple):
    """The project's coverage.py settings (see the module docstring)."""

    file: str | None
    branch: bool
    omit: tuple[str, ...]
    report_omit: tuple[str, ...]
    plugins: tuple[str, ...]
    exclude_lines: tuple[str, ...]
    exclude_also: tuple[str, ...]
    partial_branches: tuple[str, ...]
    partial_also: tuple[str, ...]
    fail_under: float
    precision: int

    @property
    def source(self) -> str:
        """Where the settings came from, for the coverage line."""
        return f"from {self.file}" if self.file else "no coverage configuration"


@functools.cache
def _read(python: str, root: str) -> str:
    """coverage.py's reading of the configuration in ``root``, as JSON (once per
    venv and project)."""
    script = Path(__file__).with_name("covconfig.py")
    out = run([python, script, root], env=clean_env(), capture=True,
              what="reading the coverage configuration")  # fmt: skip
    return out.strip().splitlines()[-1]


def read_settings(python: Path, project: Project) -> CoverageSettings:
    """Read the project's coverage settings with the test venv's coverage.py.

    Raises:
        ToolError: coverage.py could not read the configuration (its message is shown).
    """
    data = json.loads(_read(str(python), str(project.root)))
    return CoverageSettings(
        data["file"], bool(data["branch"]), tuple(data["omit"]), tuple(data["report_omit"]),
        tuple(data["plugins"]),
        tuple(data["exclude_lines"]), tuple(data["exclude_also"]),
        tuple(data["partial_branches"]), tuple(data["partial_also"]),
        float(data["fail_under"]), int(data["precision"]),
    )  # fmt: skip


def _both(patterns: Sequence[str]) -> list[str]:
    """Each ``omit`` pattern as written (it matches the combined report, whose paths
    are the source tree's), and made to match the installed files (``src/pkg/x.py``
    also as ``*/pkg/x.py``)."""
    found: list[str] = []
    for pattern in patterns:
        installed = pattern
        if not pattern.startswith(("*", "/")):
            installed = "*/" + pattern.removeprefix("./").removeprefix("src/")
        found += [pattern] if installed == pattern else [pattern, installed]
    return found


def _source_dir(project: Project, package: str) -> str:
    for candidate in (f"src/{package}", package):
        if (project.root / candidate).exists():
            return candidate
    return package


def _ini_list(values: Sequence[str]) -> str:
    return "".join(f"\n    {v}" for v in values)


def write_rcfile(settings: CoverageSettings, packages: Sequence[str], project: Project,
                 path: Path) -> None:  # fmt: skip
    """Write the run's rcfile: the project's settings, mapped to the installed package."""
    paths = "".join(f"\n{p} ={_ini_list([_source_dir(project, p), f'*/site-packages/{p}'])}"
                    for p in packages)  # fmt: skip
    text = (
        f"[run]\nbranch = {settings.branch}\nsource_pkgs ={_ini_list(packages)}\n"
        f"omit ={_ini_list(_both(settings.omit))}\n"
        f"plugins ={_ini_list(settings.plugins)}\n"
        f"[report]\nomit ={_ini_list(_both(settings.report_omit))}\n"
        f"exclude_lines ={_ini_list(settings.exclude_lines)}\n"
        f"exclude_also ={_ini_list(settings.exclude_also)}\n"
        f"partial_branches ={_ini_list(settings.partial_branches)}\n"
        f"partial_also ={_ini_list(settings.partial_also)}\n"
        f"precision = {settings.precision}\nignore_errors = True\n"
        f"[paths]{paths}\n"
    )
    path.write_text(text.replace("%", "%%"), encoding="utf-8")


def measuring_core(settings: CoverageSettings, minor: str) -> dict[str, str]:
    """``COVERAGE_CORE`` for Python ``minor`` (``"3.12"``), and why when it is not sysmon."""
    version = tuple(map(int, minor.split(".")))
    if version < (3, 12):
        return {}
    if settings.plugins:
        logger.info("coverage on Python %s: plugins (%s) need the C tracer, not sys.monitoring",
                    minor, ", ".join(settings.plugins))  # fmt: skip
        return {"COVERAGE_CORE": "ctrace"}
    if settings.branch and version < (3, 14):
        logger.info("coverage on Python %s: branch coverage needs the C tracer before 3.14",
                    minor)  # fmt: skip
        return {"COVERAGE_CORE": "ctrace"}
    return {"COVERAGE_CORE": "sysmon"}


class CoverageTotal(NamedTuple):
    """The combined figure: percent covered, and the line printed for it."""

    percent: float
    line: str


def _summary(reports: Path, line: str, environ: Mapping[str, str]) -> None:
    """Append the total and each Python's figure to GitHub's job summary, when there is one."""
    summary = environ.get("GITHUB_STEP_SUMMARY")
    if not summary:
        return
    rows = []
    import xml.etree.ElementTree as ET

    for xml in sorted(reports.glob("coverage-py3.*.xml")):
        rate = ET.parse(xml).getroot().get("line-rate")
        if rate is not None:
            rows.append(f"| {xml.stem.removeprefix('coverage-')} | {float(rate) * 100:.1f}% |")
    text = f"### {line}\n\n| Python | lines covered |\n|---|---|\n" + "\n".join(rows) + "\n"
    with open(summary, "a", encoding="utf-8") as f:
        f.write(text)


def _reports(python: Path, project: Project, reports: Path, data: Sequence[Path],
             verbose: bool) -> float:  # fmt: skip
    """Combine the data and return the total (:mod:`.covreport`); the JSON, Cobertura
    XML and HTML reports are written in the background, while a release chain goes on."""
    for old in (".coverage", "coverage.json", "coverage.xml"):
        (reports / old).unlink(missing_ok=True)
    shutil.rmtree(reports / "htmlcov", ignore_errors=True)
    script = Path(__file__).with_name("covreport.py")
    rc = reports / "coveragerc"
    out = run([python, script, "combine", rc, reports, "1" if verbose else "0", *data],
              env=clean_env(), cwd=project.root, capture=True,
              what="coverage combine")  # fmt: skip
    *table, last = out.strip().splitlines()
    if verbose:
        print("\n".join(table))
    # Not a daemon: the process waits for it before it exits, so a CI job's
    # artifacts hold every report.
    writer = threading.Thread(target=run, name="noxship-coverage-reports", daemon=False, kwargs={
        "args": [python, script, "write", rc, reports], "env": clean_env(), "cwd": project.root,
        "capture": True, "what": "coverage reports"})  # fmt: skip
    writer.start()
    _WRITERS.append(writer)
    return float(json.loads(last)["total"])


_WRITERS: list[threading.Thread] = []


def reports_written() -> None:
    """Wait for the coverage reports being written in the background."""
    while _WRITERS:
        _WRITERS.pop().join()


def combine_and_check(
    python: Path,
    project: Project,
    settings: CoverageSettings,
    reports: Path,
    *,
    failing: bool = False,
    verbose: bool = False,
) -> CoverageTotal | None:
    """Combine every Python's data in ``reports`` into one total, write
    ``coverage.xml``, ``coverage.json`` and ``htmlcov/`` there, log the coverage
    line, and check ``fail_under``.

    Args:
        python: a test venv's Python (coverage.py is installed there).
        project: the project (the combined report names its source files).
        settings: its coverage settings.
        reports: ``build/reports``, holding ``.coverage.py3.X`` and ``coveragerc``.
        failing: the tests failed: the line says the figure comes from a failing run.
        verbose: also print coverage.py's per-file table.

    Returns:
        The total, or ``None`` when no data was written.

    Raises:
        WheelTestError: the total is below ``fail_under`` (and the tests passed).
    """
    data = sorted(reports.glob(".coverage.py3.*"))
    if not data:
        return None
    percent = _reports(python, project, reports, data, verbose)
    shown = f"{percent:.{max(settings.precision, 1)}f}%"
    threshold = f"fail_under {settings.fail_under:g}, " if settings.fail_under else ""
    line = f"coverage: {shown} ({threshold}{settings.source})"
    if failing:
        line += ", from a failing run"
    logger.info("%s", line)
    _summary(reports, line, os.environ)
    # coverage.py's rule (coverage.results.should_fail_under): 100 means exactly 100.
    below = (percent != 100.0 if settings.fail_under == 100.0
             else round(percent, settings.precision) < settings.fail_under)  # fmt: skip
    if below and not failing:
        raise WheelTestError(
            f"coverage: {shown} is below fail_under {settings.fail_under:g} ({settings.source}):"
            f" add tests, or lower fail_under in {settings.file}"
        )
    return CoverageTotal(percent, line)
