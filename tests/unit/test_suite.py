"""The suite the project's runner collects, asked of pytest in the source tree
(this interpreter's pytest stands for the test venv's): pytest's configuration
files, root-level tests, doctests, doctest files, unittest tests inside a
package, the user's deselection, and a pytest that cannot start."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from noxship.errors import WheelTestError
from noxship.project import Project
from noxship.wheeltest.suite import collect_suite

TEST = "def test_one():\n    assert True\n\n\ndef test_two():\n    assert True\n"


def make(tmp_path: Path, files: dict[str, str]) -> Project:
    root = tmp_path / "p"
    files = {"pyproject.toml": '[project]\nname = "demo"\nversion = "1"\n', **files}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return Project.load(root)


def suite_of(tmp_path: Path, files: dict[str, str], *args: str) -> tuple[dict[str, int], int]:
    p = make(tmp_path, files)
    work = tmp_path / "work"
    work.mkdir()
    suite = collect_suite(p, Path(sys.executable), list(args), work)
    found: dict[str, int] = {}
    for (rel, kind), n in suite.items.items():
        found[f"{rel}:{kind}"] = n
    return found, suite.tests


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {
                "pytest.ini": "[pytest]\ntestpaths = t1 t2\n",
                "t1/test_a.py": TEST,
                "t2/test_b.py": TEST,
                "other/test_c.py": TEST,
            },
            {"t1/test_a.py:test": 2, "t2/test_b.py:test": 2},
        ),
        (
            {"tox.ini": "[pytest]\ntestpaths = checks\n", "checks/test_a.py": TEST},
            {"checks/test_a.py:test": 2},
        ),
        (
            {"setup.cfg": "[tool:pytest]\ntestpaths = spec\n", "spec/test_a.py": TEST},
            {"spec/test_a.py:test": 2},
        ),
        (
            {
                "pyproject.toml": '[project]\nname = "demo"\nversion = "1"\n[tool.pytest]\n'
                'testpaths = ["qa"]\n',
                "qa/test_a.py": TEST,
            },
            {"qa/test_a.py:test": 2},
        ),
        # six, jaraco.functools: tests at the root, doctests of the package's modules
        (
            {
                "pytest.ini": "[pytest]\naddopts = --doctest-modules\n",
                "test_demo.py": TEST,
                "demo/__init__.py": '"""\n>>> 1 + 1\n2\n"""\n',
            },
            {"test_demo.py:test": 2, "demo/__init__.py:doctest": 1},
        ),
        # legacy-api-wrap: a README doctest
        (
            {
                "pytest.ini": "[pytest]\naddopts = --doctest-glob=*.rst\n",
                "README.rst": "Demo\n====\n\n>>> 2 * 3\n6\n",
                "tests/test_a.py": TEST,
            },
            {"README.rst:doctest": 1, "tests/test_a.py:test": 2},
        ),
        # zope.event: unittest tests in src/<namespace>/<package>/tests.py
        (
            {
                "src/zope/event/__init__.py": "",
                "src/zope/event/tests.py": "import unittest\n\n\nclass T(unittest.TestCase):\n    def test_x(self):\n"
                "        pass\n",
            },
            {"src/zope/event/tests.py:unittest": 1},
        ),
        ({"demo/__init__.py": ""}, {}),  # no tests anywhere
    ],
)
def test_the_suite_pytest_collects(
    tmp_path: Path, files: dict[str, str], expected: dict[str, int]
) -> None:
    found, count = suite_of(tmp_path, files)
    assert found == expected
    assert count == sum(expected.values())


def test_the_users_deselection_counts(tmp_path: Path) -> None:
    found, count = suite_of(tmp_path, {"tests/test_a.py": TEST}, "-k", "not two")
    assert (found, count) == ({"tests/test_a.py:test": 1}, 1)


def test_a_pytest_that_cannot_start_is_named(tmp_path: Path) -> None:
    with pytest.raises(
        WheelTestError,
        match=r"pytest could not start in the source tree.*"
        r"no_such_plugin_anywhere",
    ):
        suite_of(tmp_path, {"tests/test_a.py": TEST}, "-p", "no_such_plugin_anywhere")


def test_a_wrong_option_is_pytests_own_error(tmp_path: Path) -> None:
    with pytest.raises(WheelTestError, match=r"unrecognized arguments: --no-such-option"):
        suite_of(tmp_path, {"tests/test_a.py": TEST}, "--no-such-option")


def test_a_module_no_dependency_provides_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#23: a test run that fails on ModuleNotFoundError names the module."""
    from noxship.wheeltest import runner

    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuite><testcase><failure message="ModuleNotFoundError: No module '
        "named 'lxml.etree'\"/></testcase></testsuite>",
        encoding="utf-8",
    )
    monkeypatch.setattr(runner, "wheel_top_level", lambda path: ["serializable"])
    run = SimpleNamespace(junit=junit, wheel=SimpleNamespace(path=None))
    assert runner._missing_modules(run, {"errors": {}}) == ["lxml"]  # type: ignore[arg-type]
