"""The CPython calendar on fixed dates (never today's), and what test_wheel says
about the supported Pythons it did not find."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from noxship.project import Project
from noxship.project.cpython import RELEASES, stale_table, supported_pythons
from noxship.wheeltest.runner import missing_pythons

D = datetime.date


@pytest.mark.parametrize(
    ("on", "requires", "expected"),
    [
        (
            D(2026, 10, 31),
            None,
            ["3.10", "3.11", "3.12", "3.13", "3.14", "3.15"],
        ),  # 3.10's last day
        (D(2026, 11, 1), None, ["3.11", "3.12", "3.13", "3.14", "3.15"]),  # PEP 619: 3.10 ended
        (D(2025, 10, 6), None, ["3.9", "3.10", "3.11", "3.12", "3.13"]),
        (D(2025, 10, 7), None, ["3.9", "3.10", "3.11", "3.12", "3.13", "3.14"]),  # PEP 745
        (D(2026, 12, 1), ">=3.9", ["3.11", "3.12", "3.13", "3.14", "3.15"]),
        (D(2026, 12, 1), ">=3.12", ["3.12", "3.13", "3.14", "3.15"]),
        (D(2026, 12, 1), ">=3.11,<3.14", ["3.11", "3.12", "3.13"]),
        (D(2026, 1, 1), ">=3.10.2", ["3.10", "3.11", "3.12", "3.13", "3.14"]),
        (D(2026, 12, 1), "<3.11", []),
        # Review N8: a patch-level upper bound kept the whole minor out.
        (D(2026, 12, 1), ">=3.11,<3.13.2", ["3.11", "3.12", "3.13"]),
        (D(2026, 12, 1), "==3.12.1", ["3.12"]),
        (D(2026, 12, 1), "~=3.12.0", ["3.12"]),
        (D(2026, 12, 1), ">=3.13.0rc1,<3.14", ["3.13"]),
    ],
)
def test_supported_pythons(on: datetime.date, requires: str | None, expected: list[str]) -> None:
    spec = SpecifierSet(requires) if requires is not None else None
    assert supported_pythons(on, spec) == expected


def test_the_table_says_when_it_may_be_out_of_date() -> None:
    newest = RELEASES[-1].released  # 3.15: 2026-10-01 (PEP 790)
    assert stale_table(newest) is None
    assert stale_table(D(2027, 11, 1)) is None  # 13 months exactly
    warning = stale_table(D(2027, 11, 2))
    assert warning is not None and "ends with 3.15 (2026-10)" in warning
    assert "a newer noxship knows more" in warning


def test_test_wheel_names_the_supported_pythons_it_did_not_find(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "1"\nrequires-python = ">=3.13"\n'
    )
    project = Project.load(tmp_path, check_requires_python=False)
    lines = missing_pythons(project, ["3.13"], on=D(2026, 12, 1))
    assert lines == [
        f"Python {m} is supported and admitted by requires-python, but not on this machine: the "
        f"wheel is not tested on it; install it (uv python install {m}, or pyenv install {m})"
        for m in ("3.14", "3.15")
    ]
    assert missing_pythons(project, ["3.13", "3.14", "3.15"], on=D(2026, 12, 1)) == []
