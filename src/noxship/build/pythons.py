"""Checks of a build's Python metadata, before anything is published: the
``Requires-Python`` field, the Python version classifiers and the wheel tags
must agree with each other and with the CPython calendar.

Sources: core metadata (``Requires-Python``, ``Classifier``; PEP 345, PEP 566),
trove classifiers (PEP 301; the list PyPI accepts is the ``trove-classifiers``
package), wheel tags (PEP 425, PEP 427) and the CPython calendar
(:mod:`noxship.project.cpython`, from the release-schedule PEPs). Each finding
is a warning; ``strict-metadata = true`` in ``[tool.noxship]`` makes
:func:`~noxship.build.builder.build` fail on them.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal, NamedTuple

from noxship.project.cpython import RELEASES, admits, end_of_life_admitted, supported_pythons

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet
    from packaging.tags import Tag

    from noxship.build.dist import Distribution

__all__ = ["Finding", "check_distributions", "check_python_metadata"]

PYTHON2_END = datetime.date(2020, 1, 1)
"""Python 2.7's end of life (PEP 373)."""
PREFIX = "Programming Language :: Python :: "
"""The trove classifiers of Python versions (``... :: 3.12``, ``... :: 3 :: Only``)."""
_INTERPRETER = re.compile(r"([a-z]+)(\d)(\d*)")
"""A wheel tag's interpreter (PEP 425): an abbreviation (``py``, ``cp``, ``pp``)
then the major digit, then the minor's (``py3``, ``cp312``)."""


class Finding(NamedTuple):
    """One disagreement in the Python metadata.

    Attributes:
        check: ``classifier``, ``requires-python`` or ``wheel tag``.
        message: one line: what disagrees, and the fix.
    """

    check: Literal["classifier", "requires-python", "wheel tag"]
    message: str

    def __str__(self) -> str:
        return f"{self.check}: {self.message}"


def _shown(requires: SpecifierSet | None) -> str:
    return f"requires-python {requires}" if requires else "no requires-python"


def _join(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _classifier_versions(classifiers: Iterable[str]) -> list[str]:
    """The versions of the Python version classifiers (``"3.12"``, ``"2"``, ``"3"``)."""
    found = []
    for classifier in classifiers:
        rest = classifier.removeprefix(PREFIX)
        version = rest.split(" :: ")[0]
        if rest != classifier and re.fullmatch(r"\d+(\.\d+)?", version):
            found.append(version)
    return found


def _classifiers(
    requires: SpecifierSet | None, classifiers: Sequence[str], on: datetime.date
) -> list[Finding]:
    import trove_classifiers

    versions = _classifier_versions(classifiers)
    findings = []
    # A bare major ("2") stands for its newest minor; without requires-python nothing is excluded.
    excluded = [v for v in versions if not admits(requires, "2.7" if v == "2" else v) and v != "3"]
    if excluded:
        names = _join([f"'{PREFIX}{v}'" for v in excluded])
        what = "names a Python" if len(excluded) == 1 else "name Pythons"
        findings.append(
            Finding(
                "classifier",
                f"{names} {what} that {_shown(requires)} "
                f"excludes: remove {'it' if len(excluded) == 1 else 'them'}",
            )
        )
    if any("." in v for v in versions):
        missing = [
            m
            for m in supported_pythons(on, requires)
            if m not in versions and f"{PREFIX}{m}" in trove_classifiers.classifiers
        ]
        if missing:
            names = ", ".join(f"'{PREFIX}{m}'" for m in missing)
            findings.append(
                Finding(
                    "classifier",
                    f"{_shown(requires)} admits {_join(missing)}, "
                    f"supported on {on}, which no classifier names: add {names}, "
                    "or narrow requires-python",
                )
            )
    return findings


def _end_of_life(requires: SpecifierSet | None, on: datetime.date) -> list[Finding]:
    releases = end_of_life_admitted(on, requires)
    supported = supported_pythons(on, requires) or supported_pythons(on)
    if not releases or not supported:
        return []
    if requires is None:
        return [
            Finding(
                "requires-python",
                "none is set, so installers offer this release to "
                f"every Python, the end-of-life ones included (Python 2, and 3 up to "
                f"{releases[-1].minor}): set "
                f'requires-python = ">={supported[0]}"',
            )
        ]
    ended = [f"{r.minor} (ended {r.end_of_life})" for r in releases]
    if admits(requires, "3.5"):
        ended.insert(0, "3.5 and older")
    if admits(requires, "2.7"):
        ended.insert(0, f"2.7 (ended {PYTHON2_END})")
    return [
        Finding(
            "requires-python",
            f"{requires} admits end-of-life Python {_join(ended)}, "
            "so installers offer this release to them: raise its lower bound to "
            f">={supported[0]}",
        )
    ]


def _wheel_tags(requires: SpecifierSet | None, wheel: str, tags: Iterable[Tag]) -> list[Finding]:
    if requires is None:
        return []
    findings = []
    for interpreter, abi in sorted({(t.interpreter, t.abi) for t in tags}):
        problem = _tag_problem(requires, interpreter, abi)
        if problem is not None:
            findings.append(Finding("wheel tag", f"{wheel} has tag {interpreter}, {problem}"))
    return findings


def _tag_problem(requires: SpecifierSet, interpreter: str, abi: str) -> str | None:
    """What is wrong with a wheel tag's interpreter (and ABI) for ``requires``
    (PEP 425 tags), with its fix; ``None`` when nothing is."""
    m = _INTERPRETER.fullmatch(interpreter)
    if m is None:
        return None
    major, minor = m.group(2), m.group(3)
    version = f"{major}.{minor}" if minor else ""
    shown = _shown(requires)
    if not minor and major == "2" and not admits(requires, "2.7"):
        return (
            f"for Python 2, which {shown} excludes: stop building a universal wheel "
            "(remove universal = 1 from [bdist_wheel] in setup.cfg, or "
            "[tool.distutils.bdist_wheel] from pyproject.toml)"
        )
    if version and (m.group(1) == "py" or abi == "abi3"):
        older = [
            r.minor
            for r in RELEASES
            if r.minor != version
            and admits(requires, r.minor)
            and tuple(map(int, r.minor.split("."))) < (int(major), int(minor))
        ]
        if not older:
            return None
        return (
            f"for Python {version} and later, but {shown} admits {_join(older)}: "
            f"raise requires-python to >={version}"
        )
    if version and not admits(requires, version):
        return (
            f"for Python {version}, which {shown} excludes: build the wheel with an admitted Python"
        )
    return None


def check_python_metadata(
    requires: SpecifierSet | None,
    classifiers: Sequence[str],
    wheels: Sequence[tuple[str, Iterable[Tag]]],
    on: datetime.date,
) -> list[Finding]:
    """Check a distribution's Python metadata against itself and the calendar.

    Args:
        requires: its ``Requires-Python``, or ``None`` when it has none.
        classifiers: its ``Classifier`` fields.
        wheels: each wheel's file name and tags (:func:`packaging.utils.parse_wheel_filename`).
        on: the day whose supported and end-of-life Pythons count.

    Returns:
        The findings, in this order: classifiers of excluded versions, admitted
        supported versions without a classifier (only when the distribution has
        version classifiers), end-of-life versions admitted, wheel tags that
        contradict ``requires``. Empty when all agree.
    """
    findings = _classifiers(requires, classifiers, on)
    findings += _end_of_life(requires, on)
    for wheel, tags in wheels:
        findings += _wheel_tags(requires, wheel, tags)
    return findings


def check_distributions(dists: Sequence[Distribution], on: datetime.date) -> list[Finding]:
    """:func:`check_python_metadata` on built files: the metadata is the first
    wheel's ``METADATA`` (the file installers read), the tags every wheel's name.

    Raises:
        DistributionError: a wheel cannot be read.
    """
    from packaging.utils import parse_wheel_filename

    from noxship.build.dist import DistKind, wheel_metadata

    wheels = [d for d in dists if d.kind is DistKind.WHEEL]
    if not wheels:
        return []
    metadata = wheel_metadata(wheels[0].path)
    tagged = [(w.filename, parse_wheel_filename(w.filename)[3]) for w in wheels]
    return check_python_metadata(metadata.requires_python, metadata.classifiers or [], tagged, on)
