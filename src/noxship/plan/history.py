"""What is already released, and the versions that follow from it: the
preview's ``<next>.dev<N>`` and the "version taken" check of a merge request.

Pure: the release history (:class:`ReleaseHistory`) is gathered by
:func:`noxship.release.history.gather_released` (git tags of the remote, the
release targets' simple indexes) and handed in.

Rules (PEP 440 ordering, as :class:`packaging.version.Version` implements it):

- ``<next>`` is the project's version when it is not released yet and its
  previews sort after every release (``1.4.1`` after ``1.4.1rc1`` does not:
  ``1.4.1.dev3`` sorts before ``1.4.1rc1``); otherwise the version after the newest release: its
  next pre-release when that is a pre-release (``1.5.0rc1`` -> ``1.5.0rc2``),
  else its next patch (``1.4.0`` -> ``1.4.1``), or its next minor or major
  version when the commits since it ask for one (``preview-next = "auto"``).
- A preview is ``<next>.dev<N>`` with N the pipeline's run number: a
  developmental release sorts after every release before ``<next>`` and
  before ``<next>`` itself (PEP 440 "Summary of permitted suffixes and relative
  ordering"), and run numbers are unique per project, so two merge requests
  never share a preview version.
- Developmental releases on an index are previews, not releases: they are
  left out of the history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Literal, NamedTuple

from packaging.version import InvalidVersion, Version

__all__ = ["HistoryReader", "ReleaseHistory", "next_version", "taken_by"]


class ReleaseHistory(NamedTuple):
    """The release history of one project.

    Attributes:
        places: normalised PEP 440 version text -> where it is released
            (``"pypi"``, ``"tag v1.4.0"``), in the order read.
        consulted: one phrase per source read, for the plan's reasons
            (``"tags of origin (git ls-remote)"``, ``"the simple index of pypi"``).
        unreachable: one phrase per source that could not be read, and why.
        level: ``minor`` or ``major`` when the commits since the newest release
            ask for more than a patch (``preview-next = "auto"``), else ``None``.
    """

    places: Mapping[str, tuple[str, ...]] = {}
    consulted: tuple[str, ...] = ()
    unreachable: tuple[str, ...] = ()
    level: Literal["minor", "major"] | None = None

    @classmethod
    def from_sources(
        cls,
        found: Mapping[str, Iterable[str]],
        consulted: Iterable[str] = (),
        unreachable: Iterable[str] = (),
    ) -> ReleaseHistory:
        """Build the history from ``place -> version texts`` (a tag's place is
        ``"tag v<version>"``; invalid versions and developmental releases are left out)."""
        places: dict[str, tuple[str, ...]] = {}
        for place, texts in found.items():
            for text in texts:
                try:
                    version = Version(text)
                except InvalidVersion:
                    continue
                if version.is_devrelease:
                    continue
                key = str(version)
                if place not in places.get(key, ()):
                    places[key] = (*places.get(key, ()), place)
        return cls(places, tuple(consulted), tuple(unreachable))

    def versions(self) -> list[Version]:
        """The released versions, oldest first."""
        return sorted(Version(v) for v in self.places)

    def describe(self) -> str:
        """What was read, for a reason: ``"tags of origin (git ls-remote), the simple
        index of pypi"``, with the sources that could not be read."""
        text = ", ".join(self.consulted) or "no source"
        if self.unreachable:
            text += f" (not read: {'; '.join(self.unreachable)})"
        return text


HistoryReader = Callable[[tuple[str, ...], bool], "ReleaseHistory"]
"""Reads the release history: called with the release targets, and whether a
preview's ``<next>`` is wanted (then the commits since the newest release are
read too, for ``preview-next = "auto"``)."""


def taken_by(version: Version, released: ReleaseHistory) -> tuple[str, ...]:
    """Where ``version`` is already released (empty when it is free)."""
    return released.places.get(str(version), ())


def next_version(version: Version, released: ReleaseHistory) -> tuple[Version, str]:
    """Return the version that follows the history for a project at ``version``,
    and the reason (see the module docstring).

    Args:
        version: the project's version (its local part is ignored).
        released: the release history.

    Returns:
        ``(next, reason)``; ``next`` has no pre-, post-, dev- or local part
        beyond a bumped pre-release.
    """
    public = version.__replace__(dev=None, local=None)
    history = released.versions()
    newest = history[-1] if history else None
    if newest is None:
        return public, f"no release of the project yet: the next is {public}"
    # .dev0 is the least of public's previews: 1.4.1.dev0 sorts before 1.4.1rc1
    if not taken_by(public, released) and public.__replace__(dev=0) > newest:
        return public, f"{public} is not released yet (the newest release is {newest})"
    if newest.pre is not None:
        letter, number = newest.pre
        following = newest.__replace__(pre=(letter, number + 1), post=None, dev=None, local=None)
    else:
        major, minor, patch = (*newest.release, 0, 0)[:3]
        release = {"major": (major + 1, 0, 0), "minor": (major, minor + 1, 0)}.get(
            released.level or "", (major, minor, patch + 1)
        )
        following = newest.__replace__(release=release, pre=None, post=None, dev=None, local=None)
    why = "is already released" if taken_by(public, released) else "is older than it"
    return following, (
        f"the newest release is {newest} and the project's version {public} {why}: "
        f"the next is {following}"
    )
