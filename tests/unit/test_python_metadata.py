"""The build's Python metadata checks (requires-python, classifiers, wheel tags)
on fixed dates, never today's."""

from __future__ import annotations

import datetime

import pytest
from packaging.specifiers import SpecifierSet
from packaging.tags import parse_tag

from noxship.build.pythons import PREFIX, check_python_metadata

ON = datetime.date(2026, 12, 1)  # 3.10 ended 2026-10-31 (PEP 619); 3.15 out 2026-10-01 (PEP 790)
UP_TO_315 = [f"{PREFIX}3.{m}" for m in range(11, 16)]


def check(
    requires: str | None,
    classifiers: list[str],
    tag: str = "py3-none-any",
    on: datetime.date = ON,
) -> list[str]:
    spec = SpecifierSet(requires) if requires is not None else None
    found = check_python_metadata(spec, classifiers, [(f"p-1-{tag}.whl", parse_tag(tag))], on)
    return [str(f) for f in found]


def test_metadata_that_agrees_gives_nothing() -> None:
    assert check(">=3.11", [f"{PREFIX}3", f"{PREFIX}3 :: Only", *UP_TO_315]) == []
    assert check(">=3.11", []) == []  # no version classifiers: none is missing
    assert check(">=3.11", [f"{PREFIX}3 :: Only"]) == []


def test_classifiers_of_excluded_pythons() -> None:
    found = check(">=3.11", [f"{PREFIX}3.9", f"{PREFIX}3.10", *UP_TO_315])
    assert found == [
        f"classifier: '{PREFIX}3.9' and '{PREFIX}3.10' name Pythons that requires-python "
        ">=3.11 excludes: remove them"
    ]
    found = check(">=3.11", [f"{PREFIX}2", f"{PREFIX}2.7", *UP_TO_315])
    assert found == [
        f"classifier: '{PREFIX}2' and '{PREFIX}2.7' name Pythons that requires-python >=3.11 "
        "excludes: remove them"
    ]
    assert check(">=3.11,<3.15", UP_TO_315) == [
        f"classifier: '{PREFIX}3.15' names a Python that requires-python <3.15,>=3.11 "
        "excludes: remove it"
    ]


def test_supported_pythons_without_a_classifier() -> None:
    found = check(">=3.11", [f"{PREFIX}3.11", f"{PREFIX}3.12", f"{PREFIX}3.13"])
    assert found == [
        "classifier: requires-python >=3.11 admits 3.14 and 3.15, supported on 2026-12-01, which "
        f"no classifier names: add '{PREFIX}3.14', '{PREFIX}3.15', or narrow requires-python"
    ]
    # The day before 3.15.0 (PEP 790), only 3.14 is missing.
    assert (
        "admits 3.14, supported on 2026-09-30"
        in check(">=3.11", UP_TO_315[:3], on=datetime.date(2026, 9, 30))[0]
    )


@pytest.mark.parametrize(
    ("on", "requires", "expected"),
    [
        (
            ON,
            ">=3.9",
            "requires-python: >=3.9 admits end-of-life Python 3.9 (ended 2025-10-31) and 3.10 "
            "(ended 2026-10-31), so installers offer this release to them: raise its lower "
            "bound to >=3.11",
        ),
        (
            datetime.date(2026, 10, 31),  # 3.10's last day
            ">=3.9",
            "requires-python: >=3.9 admits end-of-life Python 3.9 (ended 2025-10-31), so "
            "installers offer this release to them: raise its lower bound to >=3.10",
        ),
        (
            ON,
            ">=2.7,!=3.0.*",
            "requires-python: !=3.0.*,>=2.7 admits end-of-life Python 2.7 (ended 2020-01-01), "
            "3.5 and older, 3.6 (ended 2021-12-23), 3.7 (ended 2023-06-27), 3.8 (ended "
            "2024-10-07), 3.9 (ended 2025-10-31) and 3.10 (ended 2026-10-31), so installers "
            "offer this release to them: raise its lower bound to >=3.11",
        ),
        (
            ON,
            None,
            "requires-python: none is set, so installers offer this release to every Python, "
            'the end-of-life ones included (Python 2, and 3 up to 3.10): set requires-python = ">=3.11"',
        ),
    ],
)
def test_end_of_life_pythons_admitted(
    on: datetime.date, requires: str | None, expected: str
) -> None:
    assert check(requires, [], on=on) == [expected]


@pytest.mark.parametrize(
    ("requires", "tag", "expected"),
    [
        (">=3.11", "py2.py3-none-any", "has tag py2, for Python 2, which requires-python >=3.11 "
         "excludes: stop building a universal wheel"),
        (">=3.11", "py312-none-any", "has tag py312, for Python 3.12 and later, but "
         "requires-python >=3.11 admits 3.11: raise requires-python to >=3.12"),
        (">=3.12", "cp311-cp311-manylinux_2_28_x86_64", "has tag cp311, for Python 3.11, which "
         "requires-python >=3.12 excludes: build the wheel with an admitted Python"),
        (">=3.11", "cp312-abi3-manylinux_2_28_x86_64", "has tag cp312, for Python 3.12 and "
         "later, but requires-python >=3.11 admits 3.11"),
        (">=3.11", "cp311-abi3-manylinux_2_28_x86_64", None),  # the stable ABI from 3.11 on
        (">=3.11", "cp39-abi3-manylinux_2_28_x86_64", None),
        (">=3.11", "cp313-cp313-manylinux_2_28_x86_64", None),  # one wheel per Python
        (">=2.7", "py2.py3-none-any", None),
    ],
)  # fmt: skip
def test_wheel_tags_that_contradict_requires_python(
    requires: str, tag: str, expected: str | None
) -> None:
    found = [f for f in check(requires, [], tag) if f.startswith("wheel tag")]
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and f"wheel tag: p-1-{tag}.whl {expected}" in found[0]
