"""Coverage of the installed wheel, measured the way the project measures it.

The project's settings are read by coverage.py itself, in the test venv
(:mod:`.covconfig`): its configuration file, with the plugins it names
(covdefaults' ``source``, pragmas and ``fail_under`` included), through
coverage's public ``get_option``. They reach the run through ``set_option``
(:mod:`.covrun`), unchanged but for what must point elsewhere:

- **sources**: the project's own, from coverage's ``source`` and
  ``source_pkgs``, the ``--cov`` arguments of pytest's ``addopts`` and of the
  test commands the project declares (:mod:`noxship.project.commands`), and
  covdefaults' default, the project root. A package source directory
  (``src/pkg``) is measured installed; a test directory (``tests``) in its
  copy; the root is both. With no source anywhere, the wheel's packages;
- ``omit`` patterns written for the source tree (``src/pkg/_vendor/*``) also
  as ones that match the installed files (``*/pkg/_vendor/*``);
- ``[paths]``: every venv's copy of the package and every run's copy of the
  tests map back to the source tree, so the data of all Pythons combine into
  one report (coverage docs, "Combining data files").

The measuring core: ``sys.monitoring`` (PEP 669, ``COVERAGE_CORE=sysmon``) on
Python 3.12 and later, except where the configuration needs the C tracer:
plugins, and branch coverage before Python 3.14 (coverage docs, "Measurement
core").

After the last Python the data are combined: one line ``coverage: 93.4%
(fail_under 90, from pyproject.toml)``, Cobertura XML and JSON under
``build/reports/`` and ``htmlcov/`` (written in a background thread that the
process waits for). ``fail_under`` gates the combined figure where it was
calibrated (:class:`Gate`).
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, NamedTuple

from noxship._run import run
from noxship.environment import Redactor, clean_env, redactor_for
from noxship.errors import ConfigError, ToolError, WheelTestError
from noxship.project import Project

__all__ = [
    "CoverageSettings",
    "Gate",
    "combine_and_check",
    "measuring_core",
    "read_settings",
    "reports_written",
    "run_settings",
]

logger = logging.getLogger("noxship")

WORK_PATTERN = "*/noxship-test_wheel-*/work"
"""Where the tests' copies lie in every run (``[paths]`` maps them back)."""


class CoverageSettings(NamedTuple):
    """The project's coverage.py settings, as coverage.py read them.

    Attributes:
        file: the configuration file read (``pyproject.toml``), or ``None``.
        options: ``section:option`` -> value (``report:fail_under`` -> ``76.0``).
        missing_plugins: plugins named but not importable in the test venv.
    """

    file: str | None
    options: dict[str, object]
    missing_plugins: tuple[str, ...] = ()

    def _list(self, name: str) -> list[str]:
        value = self.options.get(name)
        return [str(v) for v in value] if isinstance(value, list | tuple) else []

    @property
    def fail_under(self) -> float:
        return float(self.options.get("report:fail_under") or 0.0)  # type: ignore[arg-type]

    @property
    def precision(self) -> int:
        value = self.options.get("report:precision")
        return int(value) if isinstance(value, int | float | str) else 0

    @property
    def branch(self) -> bool:
        return bool(self.options.get("run:branch"))

    @property
    def plugins(self) -> list[str]:
        return self._list("run:plugins")

    @property
    def source(self) -> str:
        """Where the settings came from, for the coverage line."""
        return f"from {Path(self.file).name}" if self.file else "no coverage configuration"


_READ: dict[tuple[str, str], str] = {}
"""coverage.py's answer (:mod:`.covconfig`), by test venv Python and project root."""


def _read(python: str, root: str) -> str:
    if (python, root) in _READ:
        return _READ[(python, root)]
    script = Path(__file__).with_name("covconfig.py")
    import tempfile

    with tempfile.TemporaryDirectory(prefix="noxship-covconfig-") as tmp:
        out = run(
            [python, script, str(Path(tmp) / ".coverage")],
            env=clean_env(),
            cwd=Path(root),
            capture=True,
            what="reading the coverage configuration",
        )
    _READ[(python, root)] = answer = out.strip().splitlines()[-1]
    return answer


def read_settings_early(python: Path, project: Project) -> None:
    """Read the coverage settings ahead (the build's background thread, once the
    test venv holds the test dependencies), for :func:`read_settings` to find.
    Nothing is kept when a plugin is missing (the wheel may bring it) or the
    reading fails: :func:`read_settings` then reads and reports it itself."""
    try:
        answer = _read(str(python), str(project.root))
    except ToolError:
        return
    if json.loads(answer).get("missing_plugins"):
        _READ.pop((str(python), str(project.root)), None)


def read_settings(python: Path, project: Project) -> CoverageSettings:
    """Read the project's coverage settings with the test venv's coverage.py.

    Raises:
        ToolError: coverage.py could not read the configuration (its message is shown).
    """
    data = json.loads(_read(str(python), str(project.root)))
    file = data.get("file")
    if file and Path(file).is_absolute() and Path(file).is_relative_to(project.root):
        data["file"] = Path(file).relative_to(project.root).as_posix()
    settings = CoverageSettings(
        data.get("file"), dict(data.get("options") or {}), tuple(data.get("missing_plugins") or ())
    )
    for plugin in settings.missing_plugins:
        logger.warning(
            "coverage plugin %s (named in %s) is not installed in the test venv: "
            "coverage is measured without it; add it to the test dependencies",
            plugin,
            settings.file,
        )
    return settings


def _both(patterns: Sequence[str]) -> list[str]:
    """Each ``omit`` pattern as written, and made to match the installed files."""
    found: list[str] = []
    for pattern in patterns:
        installed = pattern
        if not pattern.startswith(("*", "/")):
            installed = "*/" + pattern.removeprefix("./").removeprefix("src/")
        found += [pattern] if installed == pattern else [pattern, installed]
    return found


class Sources(NamedTuple):
    """What a run measures: copied directories (relative to the root) and packages."""

    copied: list[str]
    packages: list[str]
    declared: list[str]

    def describe(self) -> str:
        parts = [f"{p} (installed)" for p in self.packages] + [
            "the project root's files" if c == "." else c for c in self.copied
        ]
        origin = (
            "the project's sources"
            if self.declared
            else "the wheel's packages (the project names no source)"
        )
        return f"{', '.join(parts)}: {origin}"


def measured_sources(
    settings: CoverageSettings,
    project: Project,
    packages: Mapping[str, str],
    cov_values: Sequence[str],
    default: Sequence[str] = (),
) -> Sources:
    """The sources the project measures, mapped to the run.

    Args:
        settings: the project's settings (``run:source``, ``run:source_pkgs``).
        project: the project.
        packages: source directory -> top-level name in the wheel (``src/pkg`` -> ``pkg``).
        cov_values: ``--cov`` values of pytest's addopts and the declared commands.
        default: the wheel's importable modules (a namespace package's own
            subpackages), measured when the project names no source.
    """
    tops = list(default) or sorted({p.removesuffix(".py") for p in packages.values()})
    declared = [*settings._list("run:source"), *cov_values]
    names = settings._list("run:source_pkgs")
    if not declared and not names:
        return Sources([], tops, [])
    copied: list[str] = []
    pkgs: list[str] = []
    root = project.root.resolve()
    for value in declared:
        path = (root / value).resolve() if not os.path.isabs(value) else Path(value).resolve()
        if path == root:
            copied.append(".")
            pkgs += tops
        elif path.exists() and path.is_relative_to(root):
            rel = path.relative_to(root).as_posix()
            owner = next(
                (p for s, p in packages.items() if rel == s or rel.startswith(s + "/")), None
            )
            inside = [p for s, p in packages.items() if s.startswith(rel + "/")]
            if owner is not None:
                pkgs.append(
                    owner.removesuffix(".py") if rel in packages else _dotted(rel, packages)
                )
            else:
                copied.append(rel)
                pkgs += inside
        else:
            names.append(value)
    pkgs += [n for n in (_module_named(n, tops) for n in names) if n]
    if not pkgs and not copied:
        return Sources([], tops, [])
    return Sources(list(dict.fromkeys(copied)), list(dict.fromkeys(pkgs)), declared + names)


def _module_named(name: str, tops: Sequence[str]) -> str | None:
    """The module a coverage source names: itself when it is one of the wheel's
    (``pkg``, ``pkg.sub``), the module a distribution name spells
    (``jsonschema-specifications``: ``jsonschema_specifications``), else ``None``
    with a warning (coverage.py would measure nothing for it)."""
    roots = {t.split(".")[0] for t in tops}
    if name.split(".")[0] in roots:
        return name
    spelled = name.replace("-", "_").replace(".", "_")
    if spelled in roots:
        logger.info("coverage source %r measured as the module %s", name, spelled)
        return spelled
    logger.warning(
        "coverage source %r names no module of the wheel (%s): it measures nothing; "
        'name the import package (source = ["%s"])',
        name,
        ", ".join(sorted(roots)),
        sorted(roots)[0] if roots else "pkg",
    )
    return None


def _dotted(rel: str, packages: Mapping[str, str]) -> str:
    for src, top in packages.items():
        if rel.startswith(src + "/"):
            return ".".join([top, *rel[len(src) + 1 :].removesuffix(".py").split("/")])
    return rel


def run_settings(
    settings: CoverageSettings,
    sources: Sources,
    project: Project,
    packages: Mapping[str, str],
    work: Path | None,
    purelib: Path | None = None,
) -> dict[str, object]:
    """The settings of one run (``work``: where its tests were copied; ``purelib``:
    the venv's site-packages) or, with ``work=None``, of the combined report."""
    options = dict(settings.options)
    if settings.missing_plugins:
        options["run:plugins"] = [p for p in settings.plugins if p not in settings.missing_plugins]
    copied = [str(work / c) if c != "." else str(work) for c in sources.copied] if work else []
    dirs = [c for c in copied if Path(c).exists()]
    names = list(sources.packages)
    if purelib is not None:
        # Installed packages by directory: coverage decides by file, once per file, and a
        # namespace package's module may first run under another name (pytest's prepend
        # import mode imports site-packages/zope/event/tests.py as event.tests).
        installed = [(n, purelib.joinpath(*n.split("."))) for n in names]
        dirs += [str(d) for _, d in installed if d.is_dir()]
        names = [n for n, d in installed if not d.is_dir()]
    options["run:source"] = dirs or None
    options["run:source_pkgs"] = names
    options["run:include"] = None
    for name in ("run:omit", "report:omit"):
        options[name] = _both(settings._list(name))
    options["report:ignore_errors"] = True
    root = project.root.resolve()
    paths: dict[str, list[str]] = {}
    for src, top in packages.items():
        if (root / src).is_dir():
            paths[f"pkg_{top}"] = [str(root / src), f"*/site-packages/{top}"]
        else:
            paths[f"modules_{top}"] = [str((root / src).parent), "*/site-packages"]
    paths["tests"] = [str(root), WORK_PATTERN]
    return {"options": options, "paths": paths}


def measuring_core(settings: CoverageSettings, minor: str) -> dict[str, str]:
    """``COVERAGE_CORE`` for Python ``minor`` (``"3.12"``), and why when it is not sysmon."""
    version = tuple(map(int, minor.split(".")))
    if version < (3, 12):
        return {}
    if settings.plugins:
        logger.info(
            "coverage on Python %s: plugins (%s) need the C tracer, not sys.monitoring",
            minor,
            ", ".join(settings.plugins),
        )
        return {"COVERAGE_CORE": "ctrace"}
    if settings.branch and version < (3, 14):
        logger.info("coverage on Python %s: branch coverage needs the C tracer before 3.14", minor)
        return {"COVERAGE_CORE": "ctrace"}
    return {"COVERAGE_CORE": "sysmon"}


class Gate(NamedTuple):
    """Whether ``fail_under`` fails the run, and why not when it does not.

    Attributes:
        enforce: a total below ``fail_under`` fails ``test_wheel``.
        why_not: the warning logged instead (it names the fix), or ``""``.
    """

    enforce: bool
    why_not: str = ""


def _apply_gate(percent: float, shown: str, settings: CoverageSettings, gate: Gate) -> None:
    """Fail (or warn, where the gate does not hold) for a total below ``fail_under``,
    by coverage.py's rule (``coverage.results.should_fail_under``: 100 means exactly 100)."""
    below = (
        percent != 100.0
        if settings.fail_under == 100.0
        else round(percent, settings.precision) < settings.fail_under
    )
    if not below:
        return
    if not gate.enforce:
        logger.warning(
            "coverage: %s is below fail_under %g, not enforced: %s",
            shown,
            settings.fail_under,
            gate.why_not,
        )
        return
    raise WheelTestError(
        f"coverage: {shown} is below fail_under {settings.fail_under:g} "
        f"({settings.source}): add tests, or lower fail_under in {settings.file}"
    )


class CoverageTotal(NamedTuple):
    """The combined figure: percent covered, and the line printed for it."""

    percent: float
    line: str


def _summary(reports: Path, line: str, environ: Mapping[str, str]) -> None:
    """Append the total and each Python's figure to GitHub's job summary, when there is one."""
    from noxship.plan.output import append_job_summary

    if not environ.get("GITHUB_STEP_SUMMARY"):
        return
    rows = []
    import xml.etree.ElementTree as ET

    for writer in _RUN_WRITERS:  # each Python's figure comes from its run's report
        writer.join()
    for xml in sorted(reports.glob("coverage-py3.*.xml")):
        try:
            rate = ET.parse(xml).getroot().get("line-rate")
        except ET.ParseError:
            continue
        if rate is not None:
            rows.append(f"| {xml.stem.removeprefix('coverage-')} | {float(rate) * 100:.1f}% |")
    text = f"### {line}\n\n| Python | lines covered |\n|---|---|\n" + "\n".join(rows) + "\n"
    try:
        append_job_summary(environ, text)
    except ConfigError as exc:
        logger.warning("%s: the coverage line is above", exc)


class _Reports(NamedTuple):
    proc: subprocess.Popen[str]
    err: IO[str]


def _start(argv: Sequence[str], root: Path) -> _Reports:
    """Start :mod:`.covreport` from the calling thread: a process started this way
    is not lost when the interpreter shuts down early (a thread pool refuses new
    work once shutdown begins)."""
    logger.info("$ %s", shlex.join(argv))
    err = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (closed by the waiter)
    proc = subprocess.Popen(
        argv, env=clean_env(), cwd=root, stdout=subprocess.PIPE, stderr=err, text=True
    )
    return _Reports(proc, err)


def _read_total(
    started: _Reports, verbose: bool, redact: Redactor, runs: int, on_saved: Callable[[], None]
) -> float | None:
    """Read :mod:`.covreport`'s output up to its total line; call ``on_saved`` once
    the combined data is saved; print coverage.py's table when ``verbose``.
    Raise :class:`ToolError` when it ended without a total."""
    assert started.proc.stdout is not None
    for line in started.proc.stdout:
        if line.startswith('{"saved":'):
            on_saved()
            continue
        if line.startswith('{"total":'):
            total = json.loads(line)["total"]
            return None if total is None else float(total)
        if verbose:
            print(line, end="")
    started.proc.stdout.close()
    code = started.proc.wait()
    started.err.seek(0)
    lines = redact(started.err.read()).strip().splitlines()
    started.err.close()
    raise ToolError(
        f"coverage could not combine the data of {runs} run(s): "
        f"{lines[-1] if lines else f'exit code {code}'}: set coverage = false in "
        "[tool.noxship] to test without it, and report this"
    )


def _wait_reports(started: Sequence[_Reports], redact: Redactor) -> None:
    """Wait for the report processes; log one redacted line per failed report."""
    for proc, err_file in started:
        assert proc.stdout is not None
        failures = [json.loads(line) for line in proc.stdout if line.startswith('{"failed":')]
        proc.stdout.close()
        code = proc.wait()
        err_file.seek(0)
        err = redact(err_file.read()).strip().splitlines()
        err_file.close()
        for failure in failures:
            logger.warning(
                "the coverage %s report (%s) was not written: %s",
                failure["failed"],
                failure.get("file") or _REPORT_FILES[failure["failed"]],
                redact(failure["error"]),
            )
            _FAILED.append(failure["failed"])
        if code != 0 and not failures:
            logger.warning(
                "the coverage reports were not written: %s", err[-1] if err else f"exit code {code}"
            )
            _FAILED.append("all")


_REPORT_FILES = {"html": "htmlcov/", "xml": "coverage.xml", "json": "coverage.json"}


def _reports(
    python: Path,
    project: Project,
    reports: Path,
    data: Sequence[Path],
    verbose: bool,
    redact: Redactor,
) -> float | None:
    """Combine the data and return the total (:mod:`.covreport`), or ``None`` without
    data. The combining process then writes the JSON and Cobertura XML reports,
    and a second one, started once the combined data is saved, the HTML report
    (it takes as long as the two others), while
    noxship goes on: only :func:`reports_written` waits for them."""
    for old in (".coverage", "coverage.json", "coverage.xml"):
        (reports / old).unlink(missing_ok=True)
    shutil.rmtree(reports / "htmlcov", ignore_errors=True)
    script = Path(__file__).with_name("covreport.py")
    settings_file = reports / "coverage-settings.json"
    argv = [str(python), str(script)]
    mode = "1" if verbose else "0"
    combining = _start(
        [*argv, "combine", str(settings_file), str(reports), mode, *map(str, data)], project.root
    )
    started = [combining]

    def html() -> None:
        started.append(_start([*argv, "html", str(settings_file), str(reports)], project.root))

    try:
        total = _read_total(combining, verbose, redact, len(data), html)
    except ToolError:  # no combined total: the HTML report it started is not wanted
        for proc, err in started[1:]:
            proc.kill()
            proc.communicate()
            err.close()
        raise
    writer = threading.Thread(
        target=_wait_reports, name="noxship-coverage-reports", args=(started, redact)
    )
    writer.start()
    _WRITERS.append(writer)
    return total


def write_run_xml(
    python: Path, plugins: Path, data: Path, out: Path, tmp: Path, redact: Redactor
) -> bool:
    """Start writing one run's Cobertura XML report (``coverage-py3.X.xml``) from its
    data file ``data``, with the run's settings (``plugins/coverage.json``) and from
    its directory (``tmp/work``: the copied tests it may name), in the background;
    a failure is one warning, through ``redact``.

    Returns:
        ``True`` when the writer was started: it owns ``tmp`` and removes it when
        done; ``False`` when there is nothing to write (coverage off, or no data).
    """
    settings = plugins / "coverage.json"
    if not (settings.is_file() and data.is_file()):
        return False
    script = Path(__file__).with_name("covreport.py")
    started = _start(
        [str(python), str(script), "xml", str(settings), str(data), str(out)], tmp / "work"
    )

    def wait() -> None:
        try:
            _wait_reports([started], redact)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    writer = threading.Thread(target=wait, name="noxship-coverage-run-xml")
    writer.start()
    _WRITERS.append(writer)
    _RUN_WRITERS.append(writer)
    return True


_WRITERS: list[threading.Thread] = []
_RUN_WRITERS: list[threading.Thread] = []
_FAILED: list[str] = []


def reports_written() -> bool:
    """Wait for the coverage reports being written in the background; tell
    whether every one was written."""
    while _WRITERS:
        _WRITERS.pop().join()
    _RUN_WRITERS.clear()
    failed = bool(_FAILED)
    _FAILED.clear()
    return not failed


def combine_and_check(
    python: Path,
    project: Project,
    settings: CoverageSettings,
    reports: Path,
    gate: Gate,
    *,
    sources: str = "",
    failing: bool = False,
    verbose: bool = False,
    environ: Mapping[str, str],
) -> CoverageTotal | None:
    """Combine every Python's data in ``reports`` into one total, write
    ``coverage.xml``, ``coverage.json`` and ``htmlcov/`` there, log the coverage
    line, and check ``fail_under`` as ``gate`` says.

    Args:
        python: a test venv's Python (coverage.py is installed there).
        project: the project (the combined report names its source files).
        settings: its coverage settings.
        reports: ``build/reports``, holding ``.coverage.py3.X`` and ``coverage-settings.json``.
        gate: whether ``fail_under`` fails the run.
        sources: what was measured, for the log.
        failing: the tests failed: the line says the figure comes from a failing run.
        verbose: also print coverage.py's per-file table.
        environ: the run's environment (``GITHUB_STEP_SUMMARY``: the job summary file).

    Returns:
        The total, or ``None`` when no data was written (one line says so).

    Raises:
        WheelTestError: the total is below ``fail_under``, the gate enforces it
            and the tests passed.
        ToolError: coverage.py could not combine the data.
    """
    data = sorted(reports.glob(".coverage.py3.*"))
    redact = redactor_for(environ)
    percent = _reports(python, project, reports, data, verbose, redact) if data else None
    if percent is None:
        logger.warning(
            "coverage: no data was recorded%s: the tests imported none of the "
            "measured sources (%s)",
            ", from a failing run" if failing else "",
            sources or "the wheel's packages",
        )
        return None
    shown = f"{percent:.{max(settings.precision, 1)}f}%"
    threshold = f"fail_under {settings.fail_under:g}, " if settings.fail_under else ""
    line = f"coverage: {shown} ({threshold}{settings.source})"
    if failing:
        line += ", from a failing run"
    logger.info("%s", line)
    if sources:
        logger.info("coverage measured %s", sources)
    _summary(reports, line, environ)
    if not failing:
        _apply_gate(percent, shown, settings, gate)
    return CoverageTotal(percent, line)
