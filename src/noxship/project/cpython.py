"""The CPython calendar: which feature releases are supported on a given day.

Each feature release's date and end of life come from the PEP of its release
schedule (PEP 494, 537, 569, 596, 619, 664, 693, 719, 745, 790). Under PEP
602's annual cadence a release gets security fixes for five years. A release
whose end has come ends the day of its last release (what its PEP records);
one still supported ends the last day of the month its PEP names. The newest
entry's date is the one its PEP expected when this table was written.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

__all__ = [
    "CHECKED",
    "RELEASES",
    "Release",
    "admits",
    "end_of_life_admitted",
    "stale_table",
    "supported_pythons",
]


class Release(NamedTuple):
    """A CPython feature release.

    Attributes:
        minor: the feature version (``"3.12"``).
        released: the date of its x.y.0.
        end_of_life: the last day it gets security fixes.
        pep: the PEP of its release schedule.
    """

    minor: str
    released: datetime.date
    end_of_life: datetime.date
    pep: int


RELEASES = (
    Release("3.6", datetime.date(2016, 12, 23), datetime.date(2021, 12, 23), 494),
    Release("3.7", datetime.date(2018, 6, 27), datetime.date(2023, 6, 27), 537),
    Release("3.8", datetime.date(2019, 10, 14), datetime.date(2024, 10, 7), 569),
    Release("3.9", datetime.date(2020, 10, 5), datetime.date(2025, 10, 31), 596),
    Release("3.10", datetime.date(2021, 10, 4), datetime.date(2026, 10, 31), 619),
    Release("3.11", datetime.date(2022, 10, 24), datetime.date(2027, 10, 31), 664),
    Release("3.12", datetime.date(2023, 10, 2), datetime.date(2028, 10, 31), 693),
    Release("3.13", datetime.date(2024, 10, 7), datetime.date(2029, 10, 31), 719),
    Release("3.14", datetime.date(2025, 10, 7), datetime.date(2030, 10, 31), 745),
    Release("3.15", datetime.date(2026, 10, 1), datetime.date(2031, 10, 31), 790),
)
"""CPython 3 feature releases, oldest first (see the module docstring)."""

CHECKED = datetime.date(2026, 12, 1)
"""The day :data:`RELEASES` was last checked against the PEPs. The pipelines
noxship ships (the GitLab component's default ``python-versions`` and
``build-python``, the GitHub action's default ``python-version``) are
``supported_pythons(CHECKED)`` and its newest; a test holds them equal."""


def admits(requires: SpecifierSet | None, minor: str) -> bool:
    """Whether ``requires`` (``None``: no ``requires-python``) admits some release
    of the feature version ``minor``, a bug-fix release ``minor.0`` to ``minor.99``
    or its pre-releases: ``">=3.10.2"`` and ``"<3.13.2"`` admit ``"3.10"`` and
    ``"3.13"``, ``"==3.12.1"`` admits ``"3.12"``, ``"<3.14"`` does not admit
    ``"3.14"``."""
    if requires is None:
        return True
    candidates = [f"{minor}.{patch}" for patch in range(100)] + [f"{minor}.0rc1"]
    return any(True for _ in requires.filter(candidates, prereleases=True))


def supported_pythons(on: datetime.date, requires: SpecifierSet | None = None) -> list[str]:
    """The feature versions released on or before ``on`` and not past their end
    of life, that ``requires`` (a project's ``requires-python``) admits; oldest first."""
    return [
        r.minor for r in RELEASES if r.released <= on <= r.end_of_life and admits(requires, r.minor)
    ]


def stale_table(on: datetime.date) -> str | None:
    """A warning when the newest release in :data:`RELEASES` is more than 13
    months older than ``on`` (a newer CPython is probably out), else ``None``."""
    newest = RELEASES[-1]
    months = (on.year - newest.released.year) * 12 + on.month - newest.released.month
    if months > 13 or (months == 13 and on.day > newest.released.day):
        return (
            f"noxship's table of CPython releases ends with {newest.minor} "
            f"({newest.released:%Y-%m}): a newer Python may be out; a newer noxship "
            "knows more"
        )
    return None


def end_of_life_admitted(on: datetime.date, requires: SpecifierSet | None) -> list[Release]:
    """The releases of :data:`RELEASES` past their end of life on ``on`` that
    ``requires`` admits (``None``: no ``requires-python``, which admits every
    Python, Python 2 and the 3.x older than the table included); oldest first."""
    return [r for r in RELEASES if r.end_of_life < on and admits(requires, r.minor)]
