"""Lint as the project lints: the linters its development dependencies name, at the
versions they pin, found in every place they are declared."""

from __future__ import annotations

from pathlib import Path

import pytest

from noxship.project import Project
from noxship.project.linters import declared_linters


def linters(tmp_path: Path, pyproject: str, files: dict[str, str] | None = None) -> list[str]:
    (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    for name, text in (files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    found = declared_linters(Project.load(tmp_path).pyproject)
    return [f"{d.requirement} | {' ; '.join(' '.join(c) for c in d.commands)}" for d in found]


BASE = '[project]\nname = "x"\nversion = "1"\n'


@pytest.mark.parametrize(
    ("pyproject", "files", "expected"),
    [
        (
            BASE + '[dependency-groups]\nlint = ["ruff==0.6.9"]\n',
            {},
            ["ruff==0.6.9 | ruff check ."],
        ),
        (
            BASE + '[dependency-groups]\ndev = ["ruff==0.6.9"]\n[tool.ruff.format]\n',
            {},
            ["ruff==0.6.9 | ruff check . ; ruff format --check ."],
        ),
        (
            BASE + '[project.optional-dependencies]\ndev = ["black>=24", "flake8==7.1"]\n',
            {},
            ["black>=24 | black --check .", "flake8==7.1 | flake8"],
        ),
        (
            BASE,
            {"requirements-dev.txt": "isort==5.13.2  # sorted imports\n"},
            ["isort==5.13.2 | isort --check-only ."],
        ),
        (BASE, {"tox.ini": "[testenv:lint]\ndeps =\n    flake8==7.0\n"}, ["flake8==7.0 | flake8"]),
        (
            '[tool.poetry]\nname = "x"\nversion = "1"\n[tool.poetry.group.dev.dependencies]\n'
            'black = "^24.1"\n',
            {},
            ["black<25.0,>=24.1 | black --check ."],
        ),
        (BASE + '[dependency-groups]\ntest = ["pytest"]\n', {}, []),  # none: noxship's ruff
    ],
)
def test_declared_linters(
    tmp_path: Path, pyproject: str, files: dict[str, str], expected: list[str]
) -> None:
    assert linters(tmp_path, pyproject, files) == expected
