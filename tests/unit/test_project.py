from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from noxship.errors import ConfigError, ExitCode
from noxship.project import Project
from noxship.project.config import NoxshipConfig


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_reads_pep621_metadata(tmp_path: Path) -> None:
    root = write(
        tmp_path, '[project]\nname = "Foo.Bar"\nversion = "1.2.0"\nrequires-python = ">=3.10"\n'
    )
    project = Project.load(root)
    assert project.name == "Foo.Bar"
    assert project.canonical_name == "foo-bar"
    assert project.version == Version("1.2.0")
    assert project.supported("3.11.2")
    assert not project.supported("3.9.18")


def test_dynamic_version_is_none(tmp_path: Path) -> None:
    project = Project.load(write(tmp_path, '[project]\nname = "x"\ndynamic = ["version"]\n'))
    assert project.version is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[project\nname=", "is not valid TOML"),
        ("[project]\nversion = '1.0'\n", "names no project"),
        ("[project]\nname = 'x'\n", "has no version"),
        ("[project]\nname = 'x'\nversion = 'one'\n", "not a valid PEP 440 version"),
        (
            "[project]\nname = 'x'\nversion = '1'\nrequires-python = '>>3'\n",
            "not a valid specifier",
        ),
        ("[project]\nname = 'x'\nversion = '1'\n[tool.noxship]\nbogus = 1\n", "unknown key"),
    ],
)
def test_bad_pyproject_is_a_config_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        Project.load(write(tmp_path, text))
    assert info.value.exit_code == ExitCode.USAGE


def test_missing_pyproject(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        Project.load(tmp_path)


def test_test_dependencies_prefer_dependency_group_test(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        '[project]\nname = "x"\nversion = "1"\n'
        '[project.optional-dependencies]\ntest = ["nope"]\n'
        '[dependency-groups]\ndev = ["devdep", {include-group = "tests"}]\ntests = ["pytest>=8"]\n',
    )
    deps = Project.load(root).test_dependencies()
    assert deps.requirements == ("pytest>=8",)
    assert "dependency group 'tests'" in deps.source


def test_test_dependencies_include_group(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        '[project]\nname = "x"\nversion = "1"\n'
        '[dependency-groups]\ndev = ["devdep", {include-group = "lint"}]\nlint = ["ruff"]\n',
    )
    assert Project.load(root).test_dependencies().requirements == ("devdep", "ruff")


def test_test_dependencies_from_extra(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        '[project]\nname = "x"\nversion = "1"\n[project.optional-dependencies]\nTesting = ["a"]\n',
    )
    deps = Project.load(root).test_dependencies()
    assert deps.extras == ("Testing",)
    assert deps.requirements == ()


def test_a_setup_cfg_projects_extras_are_read_from_the_built_wheel(tmp_path: Path) -> None:
    # setup.cfg [options.extras_require] (asttokens, mock): only the backend reads it.
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = x\nversion = 1.0\n", encoding="utf-8")
    (tmp_path / "tox.ini").write_text("[testenv]\ndeps = pytest-mock\n", encoding="utf-8")
    project = Project.load(tmp_path)
    assert project.test_dependencies().source == "tox.ini [testenv] deps"
    deps = project.test_dependencies(["docs", "test"])
    assert (deps.extras, deps.source) == (("test",), "extra 'test' (the wheel's Provides-Extra)")
    # an extra named "all" is every optional feature more often than the tests: tox wins
    assert project.test_dependencies(["all"]).source == "tox.ini [testenv] deps"
    (tmp_path / "tox.ini").unlink()
    assert project.test_dependencies(["all"]).extras == ("all",)


def test_declared_extras_are_not_replaced_by_the_wheels(tmp_path: Path) -> None:
    root = write(tmp_path, '[project]\nname = "x"\nversion = "1"\n'
                           '[project.optional-dependencies]\ncli = ["a"]\n')  # fmt: skip
    assert Project.load(root).test_dependencies(["test"]).source == "none found"


def test_test_dependencies_from_poetry_group(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        '[tool.poetry]\nname = "x"\nversion = "1.0"\ndescription = ""\nauthors = []\n'
        '[tool.poetry.dependencies]\npython = "^3.9"\n'
        '[tool.poetry.group.test.dependencies]\npytest = "^8.0"\n',
    )
    project = Project.load(root)
    deps = project.test_dependencies()
    assert deps.source == "Poetry group 'test'"
    assert deps.requirements == ("pytest (>=8.0,<9.0)",)


def test_test_dependencies_override(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        '[project]\nname = "x"\nversion = "1"\n[dependency-groups]\ntest = ["a"]\n'
        '[tool.noxship]\ntest-dependencies = ["b"]\n',
    )
    assert Project.load(root).test_dependencies().requirements == ("b",)


def test_no_test_dependencies(tmp_path: Path) -> None:
    deps = Project.load(
        write(tmp_path, '[project]\nname = "x"\nversion = "1"\n')
    ).test_dependencies()
    assert deps.source == "none found"


def test_test_requirements_that_name_the_project_are_left_to_the_wheel(tmp_path: Path) -> None:
    from noxship.project import Requirements
    from noxship.wheeltest.prepare import self_requirements

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "Demo_Pkg"\nversion = "1.0"\n')
    project = Project.load(tmp_path)
    deps = Requirements(("pytest>=8", "demo-pkg[extra]", "demo.pkg", "other; python_version>'3'"),
                            (), "here")  # fmt: skip
    assert self_requirements(project, deps) == (
        ["pytest>=8", "other; python_version>'3'"], ["demo-pkg[extra]", "demo.pkg"])  # fmt: skip


def test_an_empty_target_list_means_none() -> None:
    """N4 (code review 2026-12-03): ``preview-targets = []`` turns previews off."""
    assert NoxshipConfig.from_table({"preview-targets": []}).preview_targets == ()
    assert NoxshipConfig.from_table({"release-targets": []}).release_targets == ()
    assert NoxshipConfig.from_table({}).preview_targets == ("testpypi",)


def test_tox_factor_lines_are_left_out_and_constraints_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Review N19: ``py311: tomli`` became a requirement (which uv refuses), and
    ``-c constraints.txt`` was dropped."""
    import logging

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "1"\n')
    (tmp_path / "tox.ini").write_text(
        "[testenv]\ndeps =\n    pytest>=8  # the runner\n    py311: tomli\n"
        "    py3{12,13}-fast: pytest-xdist\n    -c constraints.txt\n"
        "    -r{toxinidir}/requirements-extra.txt\n",
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING, logger="noxship"):
        deps = Project.load(tmp_path).test_dependencies()
    assert deps.install_args() == [
        "pytest>=8",
        "-r",
        str(tmp_path / "requirements-extra.txt"),
        "-c",
        str(tmp_path / "constraints.txt"),
    ]
    assert (
        "'py311: tomli', 'py3{12,13}-fast: pytest-xdist' depend on the tox environment"
    ) in caplog.text
