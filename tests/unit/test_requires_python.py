"""A project's supported Pythons: PEP 621 ``requires-python``, or Poetry's
``python`` constraint turned into a PEP 440 specifier set."""

from __future__ import annotations

from pathlib import Path

import pytest

from noxship.errors import ConfigError
from noxship.project import Project


def project_with(tmp_path: Path, body: str) -> Project:
    (tmp_path / "pyproject.toml").write_text(body, encoding="utf-8")
    return Project.load(tmp_path, check_requires_python=False)


def test_poetry_caret_constraint_is_not_any_python(tmp_path: Path) -> None:
    project = project_with(
        tmp_path,
        '[tool.poetry]\nname = "p"\nversion = "1.0"\n[tool.poetry.dependencies]\npython = "^3.10"\n',
    )
    assert str(project.requires_python) == "<4.0,>=3.10"
    assert not project.supported("3.9.1") and project.supported("3.13.0")


def test_invalid_requires_python_is_an_error_not_any_python(tmp_path: Path) -> None:
    project = project_with(
        tmp_path, '[project]\nname = "p"\nversion = "1.0"\nrequires-python = ">=three"\n'
    )
    with pytest.raises(ConfigError, match="not a valid specifier"):
        project.supported("3.12.0")


@pytest.mark.parametrize(
    ("constraint", "requires"),
    [
        (">=3.9,!=3.10.*", ">=3.9,!=3.10.*"),  # already PEP 440: kept as written
        ("~=3.9", "~=3.9"),
        ("^3.8", ">=3.8,<4.0"),
        ("~3.9", ">=3.9,<3.10"),
        (">=3.9 <4", ">=3.9,<4"),
        ("3.9.*", "==3.9.*"),
    ],
)
def test_poetry_constraints_become_valid_specifiers(
    tmp_path: Path, constraint: str, requires: str
) -> None:
    """Review N7: ``>=3.9,!=3.10.*`` became ``>=3.9,<3.10 || >=3.11.dev0``."""
    from noxship.project.python_requirement import requires_python_text

    project = project_with(
        tmp_path,
        '[tool.poetry]\nname = "p"\nversion = "1.0"\n'
        f'[tool.poetry.dependencies]\npython = "{constraint}"\n',
    )
    assert requires_python_text(project.pyproject) == requires


def test_a_poetry_union_names_what_the_user_wrote(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        project_with(
            tmp_path,
            '[tool.poetry]\nname = "p"\nversion = "1.0"\n'
            '[tool.poetry.dependencies]\npython = "^3.8 || ^4.0"\n',
        ).supported("3.12.0")
    assert str(caught.value) == (
        f"{tmp_path / 'pyproject.toml'}: [tool.poetry.dependencies] python = '^3.8 || ^4.0' "
        "is a union of ranges ('||'), which a PEP 440 requires-python cannot say: write one "
        'range there, for example ">=3.9,!=3.10.*", or set [project] requires-python'
    )
