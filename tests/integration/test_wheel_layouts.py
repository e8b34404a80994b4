"""What test_wheel runs, by where a project keeps its tests: a test directory,
tests inside the package, none at all, or a directory where pytest finds nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from noxship.build import build
from noxship.context import Context
from noxship.errors import WheelTestError
from noxship.project import Project
from noxship.wheeltest import run_wheel_tests

pytestmark = pytest.mark.network  # uv installs pytest and coverage

ONE = [f"{sys.version_info[0]}.{sys.version_info[1]}"]


def context() -> Context:
    """The environment now, as a session reads it when it starts."""
    return Context.from_environ(os.environ)


def junit_of(root: Path) -> str:
    """Commit ``root``, build and test it; return the JUnit report."""
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-qm", "layout"], cwd=root, check=True)
    project = Project.load(root)
    build(project)
    (result,) = run_wheel_tests(project, pythons=ONE, context=context())
    return result.junit_xml.read_text(encoding="utf-8")


def test_tests_inside_the_package_run_installed(
    sample: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    root = sample("good", init=False)
    (root / "src" / "good" / "tests").mkdir()
    (root / "src" / "good" / "tests" / "__init__.py").write_text("")
    shutil.move(root / "tests" / "test_good.py", root / "src" / "good" / "tests" / "test_good.py")
    shutil.rmtree(root / "tests")
    with caplog.at_level("INFO", logger="noxship"):
        junit = junit_of(root)
    assert 'name="test_answer"' in junit
    assert (
        "pytest collects 1 test(s) from the source tree (test: src/good/tests/test_good.py)"
        in caplog.text
    )
    assert (
        "1 test(s) ran against the installed wheel, as many as the project's runner" in caplog.text
    )


def test_a_project_without_tests_gets_an_import_check(
    sample: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    root = sample("good", init=False)
    shutil.rmtree(root / "tests")
    with caplog.at_level("WARNING", logger="noxship"):
        junit = junit_of(root)
    assert 'name="test_module_imports_from_the_wheel[good]"' in junit
    assert "no tests: the project's runner" in caplog.text and "add tests" in caplog.text


def test_a_test_directory_without_tests_gets_the_import_check(
    sample: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    """ "No tests" is what the project's own runner collects: a directory of helpers."""
    root = sample("good", init=False)
    (root / "tests" / "test_good.py").write_text("def helper():\n    return 1\n")
    with caplog.at_level("WARNING", logger="noxship"):
        junit = junit_of(root)
    assert 'name="test_module_imports_from_the_wheel[good]"' in junit
    assert "collects none from the source tree" in caplog.text


def test_a_failing_run_still_reports_its_coverage(
    sample: Callable[..., Path], caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:  # fmt: skip
    root = sample("good", init=False)
    (root / "tests" / "test_fails.py").write_text("def test_fails() -> None:\n    assert False\n")
    with (root / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write("\n[tool.coverage.report]\nfail_under = 90\n")
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))  # as in a GitHub Actions step
    caplog.set_level("INFO", logger="noxship")
    with pytest.raises(WheelTestError, match="the tests failed"):
        junit_of(root)
    assert (
        "coverage: 100.0% (fail_under 90, from pyproject.toml), from a failing run" in caplog.text
    )
    from noxship.wheeltest.cover import reports_written

    reports_written()
    reports = root / "build" / "reports"
    for name in ("coverage.json", "coverage.xml", "htmlcov/index.html", f"coverage-py{ONE[0]}.xml"):
        assert (reports / name).is_file(), name
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("### coverage: 100.0% (fail_under 90, from pyproject.toml)")
    assert f"| py{ONE[0]} | 100.0% |" in text


def test_a_chain_asks_pytest_for_the_suite_while_the_backend_builds(
    sample: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    """#26 part 6: in a chain, the suite is collected in the source tree (``src/``
    importable) while the backend builds; ``test_wheel`` takes it when it was
    asked with the same arguments, and asks again otherwise."""
    from noxship.wheeltest import prepare_venvs

    root = sample("good", init=False)
    project = Project.load(root)
    with caplog.at_level("INFO", logger="noxship"):
        assert prepare_venvs(project, ONE, [], context=context()) == 1
        build(project)
        (result,) = run_wheel_tests(project, pythons=ONE, context=context())
    assert result.tests == 1
    assert "pytest was asked for the suite during the build, the source importable" in caplog.text
    # #27 part 4: what the tests ran with, for whoever must reproduce the run
    assert result.tested_with is not None
    record = result.tested_with.read_text(encoding="utf-8")
    assert record.startswith(f"### Tested with Python {result.python} (CPython, ")
    assert "```mermaid\nflowchart TD" in record and 'good-sample["good-sample<br/>0.3.0"]' in record
    frozen = (result.tested_with.parent / f"tested-with-py{ONE[0]}.txt").read_text()
    assert "good-sample @ file://" in frozen or "good-sample==0.3.0" in frozen
    assert any(line.startswith("pytest==") for line in frozen.splitlines())
    assert caplog.text.count("pytest --collect-only") == 1  # asked once, during the build

    caplog.clear()
    with caplog.at_level("INFO", logger="noxship"):
        prepare_venvs(project, ONE, [], context=context())
        (again,) = run_wheel_tests(
            project, pythons=ONE, pytest_args=["-k", "answer"], context=context()
        )
    assert again.tests == 1
    assert "asked for the suite during the build" not in caplog.text  # other arguments
