"""Coverage as the project measures it: settings read and set through coverage's
public API (patterns reach coverage unchanged), the sources the project names,
the measuring core, where fail_under is checked, and the GitLab ``coverage:``
pattern against the line test_wheel prints."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from noxship.environment import Redactor
from noxship.errors import ToolError
from noxship.project import Project
from noxship.project.commands import cov_sources, read_commands
from noxship.wheeltest import cover
from noxship.wheeltest.cover import CoverageSettings, measured_sources, measuring_core, run_settings

REPO = Path(__file__).parents[2]
COVCONFIG = Path(cover.__file__).with_name("covconfig.py")  # installed, or in src/


def settings(**given: Any) -> CoverageSettings:
    return CoverageSettings(
        "pyproject.toml",
        {f"run:{k}" if k in ("branch", "plugins", "source") else k: v for k, v in given.items()},
    )


def project(tmp_path: Path, coverage: str = "") -> Project:
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "pkg"\nversion = "1"\n{coverage}', encoding="utf-8"
    )
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "__init__.py").write_text("")
    (tmp_path / "tests").mkdir()
    return Project.load(tmp_path)


def read(root: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, COVCONFIG, str(root / "x.cov")],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def test_patterns_reach_coverage_unchanged(tmp_path: Path) -> None:
    """N5: ``#`` and ``%`` in exclusion patterns survive (no rcfile is written)."""
    p = project(
        tmp_path,
        '[tool.coverage.report]\nexclude_lines = ["# pragma: no cover", '
        '"100% sure"]\nfail_under = 100\n[tool.coverage.run]\nomit = ["src/pkg/_v/*"]\n',
    )
    data = read(tmp_path)
    given = CoverageSettings(data["file"], data["options"])
    assert given.options["report:exclude_lines"] == ["# pragma: no cover", "100% sure"]
    assert given.fail_under == 100
    made = run_settings(
        given,
        measured_sources(given, p, {"src/pkg": "pkg"}, []),
        p,
        {"src/pkg": "pkg"},
        tmp_path / "work",
    )
    options = made["options"]
    assert isinstance(options, dict)
    assert options["report:exclude_lines"] == ["# pragma: no cover", "100% sure"]
    assert options["run:omit"] == ["src/pkg/_v/*", "*/pkg/_v/*"]
    assert options["run:source_pkgs"] == ["pkg"]
    paths = made["paths"]
    assert isinstance(paths, dict)
    assert paths["pkg_pkg"] == [str((tmp_path / "src" / "pkg").resolve()), "*/site-packages/pkg"]
    assert paths["tests"][1] == cover.WORK_PATTERN


def test_a_missing_plugin_is_named_and_the_rest_read(tmp_path: Path) -> None:
    project(tmp_path, '[tool.coverage.run]\nplugins = ["no_such_plugin_here"]\nbranch = true\n')
    data = read(tmp_path)
    assert data["missing_plugins"] == ["no_such_plugin_here"]
    assert data["options"]["run:branch"] is True


@pytest.mark.parametrize(
    ("source", "cov", "copied", "packages"),
    [
        ([], [], [], ["pkg"]),  # nothing named: the wheel's packages
        (["."], [], ["."], ["pkg"]),  # covdefaults' default: the root, tests included
        ([], ["src/pkg", "tests"], ["tests"], ["pkg"]),  # platformdirs' hatch script
        ([], ["pkg"], [], ["pkg"]),  # a package name
        (["src"], [], ["src"], ["pkg"]),  # a directory holding the package
    ],
)
def test_the_sources_the_project_names(
    tmp_path: Path, source: list[str], cov: list[str], copied: list[str], packages: list[str]
) -> None:
    p = project(tmp_path)
    found = measured_sources(settings(source=source or None), p, {"src/pkg": "pkg"}, cov)
    assert (found.copied, found.packages) == (copied, packages)


def test_cov_values_of_declared_commands() -> None:
    assert cov_sources("commands = pytest --cov src/platformdirs --cov tests {posargs}") == [
        "src/platformdirs",
        "tests",
    ]
    assert cov_sources('session.run("pytest", "--cov", "src/pkg", "--cov=tests")') == [
        "src/pkg",
        "tests",
    ]
    assert cov_sources("pytest --cov --cov-report=xml") == ["."]
    assert cov_sources("pytest --cov={envsitepackagesdir}/pkg") == ["pkg"]


@pytest.mark.parametrize(
    ("files", "addopts", "checked"),
    [
        (
            {"tox.ini": "[testenv]\ncommands = coverage run -m pytest\n  coverage report\n"},
            [],
            True,
        ),
        ({"noxfile.py": 'session.run("pytest")\n'}, [], False),  # jsonschema-specifications
        ({}, ["--cov=pkg"], True),  # pytest-cov applies fail_under
        ({"tox.ini": "[testenv]\ncommands = pytest --cov-fail-under=90\n"}, [], True),
        ({"Makefile": "test:\n\tpytest\n"}, [], False),
    ],
)
def test_where_fail_under_is_checked(
    tmp_path: Path, files: dict[str, str], addopts: list[str], checked: bool
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert (read_commands(tmp_path).coverage_check(addopts) is not None) is checked


@pytest.mark.parametrize(
    ("given", "minor", "core"),
    [
        (settings(), "3.11", None),
        (settings(), "3.12", "sysmon"),
        (settings(branch=True), "3.13", "ctrace"),  # sys.monitoring measures branches from 3.14
        (settings(branch=True), "3.14", "sysmon"),
        (settings(plugins=["covdefaults"]), "3.14", "ctrace"),
    ],
)
def test_the_measuring_core(given: CoverageSettings, minor: str, core: str | None) -> None:
    assert measuring_core(given, minor).get("COVERAGE_CORE") == core


def test_the_gitlab_coverage_pattern_matches_the_printed_line() -> None:
    jobs = list(YAML(typ="safe").load_all((REPO / "templates" / "noxship.yml").read_text()))[-1]
    pattern = jobs["test"]["coverage"]
    assert pattern.startswith("/") and pattern.endswith("/")
    regex = re.compile(pattern[1:-1], re.MULTILINE)
    log = "noxship > testing x\nnoxship > coverage: 93.4% (fail_under 90, from pyproject.toml)\n"
    assert [m.group(1) for m in regex.finditer(log)] == ["93.4"]
    found = regex.search("noxship > coverage: 100% (no coverage configuration)")
    assert found is not None and found.group(1) == "100"


def _measured(root: Path, settings: str, options: str = "", body: str = "") -> Path:
    """``root/build/reports`` holding ``settings`` as the combined settings and one
    Python's data file (``.coverage.py3.11``): ``body`` run under coverage.py with
    ``options`` (``Coverage(...)`` keyword arguments), from ``root``."""
    reports = root / "build" / "reports"
    reports.mkdir(parents=True)
    (reports / "coverage-settings.json").write_text(settings)
    measure = (
        "import coverage\n"
        f"cov = coverage.Coverage(data_file='build/reports/.coverage.py3.11'{options})\n"
        f"cov.start()\n{body}cov.stop()\ncov.save()\n"
    )
    subprocess.run([sys.executable, "-c", measure], cwd=root, check=True, capture_output=True)
    return reports


def test_the_reports_are_written_when_the_process_ends_at_once(tmp_path: Path) -> None:
    """The reports start in the background and the process ends right after the
    combine, as nox does after test_wheel: they are written all the same (a
    thread pool started during interpreter shutdown refused them, and the CI run
    of 2026-12-03 lost pluggy's coverage.json that way)."""
    (tmp_path / "mod.py").write_text("def f(x):\n    if x:\n        return 1\n    return 2\n")
    settings = '{"options": {"run:branch": true}}'
    reports = _measured(tmp_path, settings, ", branch=True", "import mod\nmod.f(1)\n")
    child = (
        "import sys, types\nfrom pathlib import Path\nfrom noxship.wheeltest import cover\n"
        "root = Path(sys.argv[1])\nreports = root / 'build' / 'reports'\n"
        "wait = cover._wait_reports\n"  # the background part slowed: the main thread ends first
        "cover._wait_reports = lambda *a: (__import__('time').sleep(1), wait(*a))\n"
        "total = cover._reports(Path(sys.executable), types.SimpleNamespace(root=root), "
        "reports, sorted(reports.glob('.coverage.py3.*')), False, cover.Redactor())\n"
        "print(total)\n"  # and the interpreter ends here, the reports still being written
    )
    done = subprocess.run(
        [sys.executable, "-c", child, tmp_path], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert float(done.stdout) == pytest.approx(66.67, abs=0.01)  # 3 of 4 lines, 1 of 2 branches
    for name in ("coverage.json", "coverage.xml", "htmlcov/index.html"):
        assert (reports / name).is_file(), name
    assert json.loads((reports / "coverage.json").read_text())["meta"]["branch_coverage"]


def test_a_report_that_fails_is_one_line_and_the_others_are_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The total comes first; a report coverage.py cannot write (``htmlcov`` is a
    file here) gives one warning and leaves the two others written."""
    (tmp_path / "mod.py").write_text("def f(x):\n    return x\n")
    reports = _measured(tmp_path, "{}", body="import mod\nmod.f(1)\n")
    (reports / "htmlcov").write_text("in the way")
    project = types.SimpleNamespace(root=tmp_path)
    data = sorted(reports.glob(".coverage.py3.*"))
    with caplog.at_level(logging.WARNING, logger="noxship"):
        total = cover._reports(Path(sys.executable), project, reports, data, False, Redactor())  # type: ignore[arg-type]
        assert total == 100.0
        assert not cover.reports_written()
    assert (reports / "coverage.json").is_file() and (reports / "coverage.xml").is_file()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith("the coverage html report (htmlcov/)")


def test_no_data_gives_no_total_and_no_report_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Data that measured no file: the total is ``None`` and the HTML report,
    started once the data is saved, ends without a warning."""
    reports = _measured(tmp_path, "{}", ", source=['absent']")
    project = types.SimpleNamespace(root=tmp_path)
    data = sorted(reports.glob(".coverage.py3.*"))
    with caplog.at_level(logging.WARNING, logger="noxship"):
        total = cover._reports(Path(sys.executable), project, reports, data, False, Redactor())  # type: ignore[arg-type]
        assert total is None
        assert cover.reports_written()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not (reports / "htmlcov").exists()


def test_a_combine_that_fails_is_one_error_line(tmp_path: Path) -> None:
    """The combining process ends without a total (its settings cannot be read
    here): one ToolError ending with the process's last line, nothing left
    running, no report written."""
    reports = _measured(tmp_path, "{not json")
    project = types.SimpleNamespace(root=tmp_path)
    data = sorted(reports.glob(".coverage.py3.*"))
    with pytest.raises(
        ToolError, match=r"^coverage could not combine the data of 1 run\(s\): .*JSON"
    ):
        cover._reports(Path(sys.executable), project, reports, data, True, Redactor())  # type: ignore[arg-type]
    assert cover.reports_written()
    assert not (reports / "htmlcov").exists()
