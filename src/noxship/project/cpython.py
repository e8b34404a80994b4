"""The CPython calendar: which feature releases are supported on a given day.

Each feature release's date and end of life come from the PEP of its release
schedule (PEP 596, 619, 664, 693, 719, 745, 790). Under PEP 602's annual
cadence a release gets security fixes for five years: its end of life is the
last day of the month its PEP names. The newest entry's date is the one its
PEP expected when this table was written.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

__all__ = ["RELEASES", "Release", "stale_table", "supported_pythons"]


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
    Release("3.9", datetime.date(2020, 10, 5), datetime.date(2025, 10, 31), 596),
    Release("3.10", datetime.date(2021, 10, 4), datetime.date(2026, 10, 31), 619),
    Release("3.11", datetime.date(2022, 10, 24), datetime.date(2027, 10, 31), 664),
    Release("3.12", datetime.date(2023, 10, 2), datetime.date(2028, 10, 31), 693),
    Release("3.13", datetime.date(2024, 10, 7), datetime.date(2029, 10, 31), 719),
    Release("3.14", datetime.date(2025, 10, 7), datetime.date(2030, 10, 31), 745),
    Release("3.15", datetime.date(2026, 10, 1), datetime.date(2031, 10, 31), 790),
)
"""CPython 3 feature releases, oldest first (see the module docstring)."""


def _admits(requires: SpecifierSet | None, minor: str) -> bool:
    # Any patch release of the line: ">=3.10.2" admits 3.10, "<3.14" does not admit 3.14.
    return requires is None or requires.contains(f"{minor}.999", prereleases=True)


def supported_pythons(on: datetime.date, requires: SpecifierSet | None = None) -> list[str]:
    """The feature versions released on or before ``on`` and not past their end
    of life, that ``requires`` (a project's ``requires-python``) admits; oldest first."""
    return [r.minor for r in RELEASES
            if r.released <= on <= r.end_of_life and _admits(requires, r.minor)]  # fmt: skip


def stale_table(on: datetime.date) -> str | None:
    """A warning when the newest release in :data:`RELEASES` is more than 13
    months older than ``on`` (a newer CPython is probably out), else ``None``."""
    newest = RELEASES[-1]
    months = (on.year - newest.released.year) * 12 + on.month - newest.released.month
    if months > 13 or (months == 13 and on.day > newest.released.day):
        return (f"noxship's table of CPython releases ends with {newest.minor} "
                f"({newest.released:%Y-%m}): a newer Python may be out; a newer noxship "
                "knows more")  # fmt: skip
    return None
