"""Coverage as the project configures it: the run's rcfile, the measuring core,
and the GitLab test job's ``coverage:`` pattern against the line test_wheel prints."""

from __future__ import annotations

import configparser
import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from noxship.project import Project
from noxship.wheeltest.cover import CoverageSettings, measuring_core, write_rcfile

REPO = Path(__file__).parents[2]


def settings(**given: Any) -> CoverageSettings:
    base = CoverageSettings("pyproject.toml", False, (), (), (), ("pragma: no cover",), (), (),
                            (), 0.0, 0)  # fmt: skip
    return base._replace(**given)


def test_the_rcfile_maps_the_source_tree_to_the_installed_package(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "pkg"\nversion = "1"\n')
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    rc = tmp_path / "coveragerc"
    given = settings(branch=True, omit=("src/pkg/_vendor/*", "*/tests/*"),
                     report_omit=("src/pkg/_greenlets.py",), exclude_also=("raise AssertionError",),
                     precision=1)  # fmt: skip
    write_rcfile(given, ["pkg"], Project.load(tmp_path), rc)
    parser = configparser.ConfigParser(interpolation=configparser.BasicInterpolation())
    parser.read(rc)
    assert parser["run"]["branch"] == "True"
    assert parser["run"]["omit"].split() == ["src/pkg/_vendor/*", "*/pkg/_vendor/*", "*/tests/*"]
    assert parser["report"]["omit"].split() == ["src/pkg/_greenlets.py", "*/pkg/_greenlets.py"]
    assert parser["report"]["exclude_also"].strip() == "raise AssertionError"
    assert parser["report"]["precision"] == "1"
    assert parser["paths"]["pkg"].split() == ["src/pkg", "*/site-packages/pkg"]


@pytest.mark.parametrize(
    ("given", "minor", "core"),
    [
        (settings(), "3.11", None),
        (settings(), "3.12", "sysmon"),
        (settings(branch=True), "3.13", "ctrace"),  # sys.monitoring measures branches from 3.14
        (settings(branch=True), "3.14", "sysmon"),
        (settings(plugins=("covdefaults",)), "3.14", "ctrace"),
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
