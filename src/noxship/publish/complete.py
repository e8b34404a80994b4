"""Is a release's set of wheels complete? Checked before the first upload.

A wheel serves *combinations*: a Python feature version and a platform. Its
tags say which (the binary distribution format specification, PEP 425): a
``cp312-cp312`` wheel serves Python 3.12; a ``cp39-abi3`` wheel every Python
from 3.9 on (PEP 384); ``py3-none`` every Python 3; the platform tag names an
operating system and a machine (``manylinux_2_17_x86_64`` is
``linux-x86_64``, ``macosx_11_0_universal2`` both ``macos-arm64`` and
``macos-x86_64``, ``win_amd64`` ``windows-amd64``); ``any`` every platform.

Three rules, each naming what is missing:

1. every wheel serves a Python that ``requires-python`` admits (a wheel no
   installer will choose is a mistake in the build matrix);
2. every platform that has a wheel has one for each Python of the matrix (the
   Pythons ``requires-python`` admits that this release is built for); a user
   on a missing one would build the sdist;
3. the release serves every combination that the previous release on the
   target served and that ``requires-python`` still admits, unless
   ``[tool.noxship] dropped-wheels`` names it.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from packaging.specifiers import SpecifierSet
from packaging.utils import parse_wheel_filename
from packaging.version import InvalidVersion, Version

from noxship.build.dist import parse_filename
from noxship.errors import DistributionError

__all__ = ["Matrix", "check_complete", "combinations"]

_MINORS = tuple(f"3.{m}" for m in range(6, 20))
"""The Python 3 feature versions a wheel's tags are read against."""

ANY = "any"
"""The platform of a wheel that installs everywhere."""

_MAC_ARCHES = {"universal2": ("arm64", "x86_64"), "intel": ("x86_64",), "universal": ("x86_64",)}


def _platform(tag: str) -> tuple[str, ...]:
    """The platform names of one platform tag (PEP 425, PEP 600, PEP 656)."""
    if tag == "any":
        return (ANY,)
    linux = re.fullmatch(r"(manylinux|musllinux)(?:_\d+_\d+|\d+)?_(.+)", tag)
    if linux:
        family = "linux" if linux.group(1) == "manylinux" else "musllinux"
        return (f"{family}-{linux.group(2)}",)
    if tag.startswith("linux_"):
        return (f"linux-{tag.removeprefix('linux_')}",)
    mac = re.fullmatch(r"macosx_\d+_\d+_(.+)", tag)
    if mac:
        return tuple(f"macos-{a}" for a in _MAC_ARCHES.get(mac.group(1), (mac.group(1),)))
    if tag.startswith("win"):
        arch = tag.removeprefix("win").lstrip("_") or "x86"
        return (f"windows-{'x86' if arch == '32' else arch}",)
    return (tag,)


def _pythons(interpreter: str, abi: str) -> tuple[str, ...]:
    """The feature versions one interpreter and ABI tag serve."""
    found = re.fullmatch(r"(cp|py|pp)(\d)(\d*)", interpreter)
    if not found or found.group(2) != "3":
        return ()
    kind, minor = found.group(1), found.group(3)
    if not minor:  # py3: every Python 3
        return _MINORS
    if kind == "pp":  # PyPy: served apart from CPython
        return (f"pypy3.{minor}",)
    if abi == "abi3" or (kind == "py" and abi == "none"):  # this one and every later one
        return tuple(m for m in _MINORS if int(m[2:]) >= int(minor))
    return (f"3.{minor}",)


def combinations(filenames: Iterable[str]) -> set[tuple[str, str]]:
    """The (Python feature version, platform) pairs the wheels among ``filenames``
    serve (``("3.12", "linux-x86_64")``; PyPy's as ``"pypy3.10"``); the
    platform of a pure wheel is :data:`ANY`."""
    served: set[tuple[str, str]] = set()
    for name in filenames:
        if not name.endswith(".whl"):
            continue
        for tag in parse_wheel_filename(name)[3]:
            for minor in _pythons(tag.interpreter, tag.abi):
                served.update((minor, p) for p in _platform(tag.platform))
    return served


def _covered(combination: tuple[str, str], served: set[tuple[str, str]]) -> bool:
    minor, platform = combination
    return (minor, platform) in served or (minor, ANY) in served


class Matrix(NamedTuple):
    """What a release is checked against.

    Attributes:
        requires_python: the release's ``Requires-Python``.
        pythons: the feature versions this release is built for (``["3.11", "3.12"]``).
        dropped: ``dropped-wheels`` patterns over ``<python>-<platform>``.
    """

    requires_python: SpecifierSet
    pythons: Sequence[str]
    dropped: Sequence[str] = ()


def check_complete(filenames: Sequence[str], existing: Iterable[str], matrix: Matrix) -> None:
    """Check the release's ``filenames`` against ``matrix`` and the previous
    release among ``existing`` (every file of the project on the target).

    Raises:
        DistributionError: a rule of the module docstring fails; the message
            lists what is missing and how to fix or accept it. Nothing is
            uploaded.
    """
    admitted = [m for m in _MINORS if matrix.requires_python.contains(f"{m}.0", prereleases=True)]
    served = combinations(filenames)
    useless = [
        name
        for name in filenames
        if name.endswith(".whl")
        and not any(m.removeprefix("pypy") in admitted for m, _ in combinations([name]))
    ]
    if useless:
        raise DistributionError(
            f"{', '.join(useless)}: no Python that requires-python ({matrix.requires_python}) "
            "admits can install it: fix the build matrix or requires-python; nothing was uploaded"
        )
    platforms = sorted({p for m, p in served if p != ANY and not m.startswith("pypy")})
    wanted = [m for m in matrix.pythons if m in admitted]
    missing = [f"{m}-{p}" for p in platforms for m in wanted if not _covered((m, p), served)]
    if missing:
        raise DistributionError(
            f"the release has no wheel for {', '.join(missing)}, and wheels for the other "
            "Pythons of those platforms: build them (every Python of the matrix on each "
            "platform); nothing was uploaded"
        )
    _check_previous(filenames, existing, served, admitted, matrix)


def _previous_release(filenames: Sequence[str], existing: Iterable[str]) -> list[str]:
    """The wheels of the newest version among ``existing`` older than this release."""
    parsed = [parse_filename(name) for name in filenames]
    versions = {p[1] for p in parsed if p is not None}
    if len(versions) != 1:
        return []
    (this,) = versions
    older: dict[Version, list[str]] = {}
    for name in existing:
        found = parse_filename(name)
        try:
            if found is not None and found[1] < this and name.endswith(".whl"):
                older.setdefault(found[1], []).append(name)
        except InvalidVersion:
            continue
    return older[max(older)] if older else []


def _check_previous(
    filenames: Sequence[str],
    existing: Iterable[str],
    served: set[tuple[str, str]],
    admitted: Sequence[str],
    matrix: Matrix,
) -> None:
    before = _previous_release(filenames, existing)
    if not before:
        return
    dropped = sorted(
        f"{m}-{p}"
        for m, p in combinations(before)
        if m.removeprefix("pypy") in admitted
        and not _covered((m, p), served)
        and not any(fnmatch.fnmatchcase(f"{m}-{p}", pat) for pat in matrix.dropped)
    )
    if dropped:
        version = parse_filename(before[0])
        shown = dropped if len(dropped) <= 12 else [*dropped[:12], f"and {len(dropped) - 12} more"]
        raise DistributionError(
            f"the release serves fewer Pythons and platforms than "
            f"{version[1] if version else 'the previous release'} on the target: "
            f"{', '.join(shown)} are missing; build them, or name them in dropped-wheels "
            'under [tool.noxship] (patterns such as "3.9-*"); nothing was uploaded'
        )
