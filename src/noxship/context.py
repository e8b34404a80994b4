"""What a run reads from outside noxship, read once at the edge.

The nox sessions and the command line build one :class:`Context` when they
start: the process environment and the project they run in. The release chains
(:mod:`noxship.release.chains`) take that one object; the modules below them take
what they need from it (or from the mapping the edge hands down) and none reads
``os.environ`` itself, so a test or an embedding program decides what noxship
sees, as twine's ``Settings`` does for twine.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from noxship.plan.providers import CIContext
    from noxship.project import Project

__all__ = ["Context"]


class Context:
    """An immutable snapshot of what a run reads: the environment, and the project.

    Build it with :meth:`from_environ` at the edge
    (``Context.from_environ(os.environ, project=Project.load(root))``); later
    changes to the process environment do not reach it. Its ``repr`` names the
    project and how many variables it holds, never a value (tokens live there).
    """

    __slots__ = ("_environ", "_project")
    _environ: Mapping[str, str]
    _project: Project | None

    def __init__(self, environ: Mapping[str, str], project: Project | None = None) -> None:
        object.__setattr__(self, "_environ", environ)
        object.__setattr__(self, "_project", project)

    @property
    def environ(self) -> Mapping[str, str]:
        """The variables, read-only (CI variables, credentials, ``PATH``)."""
        return self._environ

    @property
    def project(self) -> Project:
        """The project the run builds, tests or publishes.

        Raises:
            ValueError: the context was built without one (a caller's mistake:
                the release chains need it).
        """
        if self._project is None:
            raise ValueError("this Context holds no project: build it with project=")
        return self._project

    @property
    def ci(self) -> CIContext:
        """The CI provider and event these variables describe
        (:func:`noxship.plan.providers.detect`: GitLab CI, GitHub Actions, else a laptop).

        Raises:
            PlanError: the CI variables are inconsistent (a merge request event
                without its number, an unreadable GitHub event payload).
        """
        from noxship.plan.providers import detect

        return detect(self._environ)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Context is immutable: {name} cannot be set")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Context is immutable: {name} cannot be deleted")

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Context)
            and dict(self.environ) == dict(other.environ)
            and self._project is other._project
        )

    __hash__ = None  # type: ignore[assignment]  # equal by contents, which may change

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], *, project: Project | None = None) -> Context:
        """Return a context holding a read-only copy of ``environ``, and ``project``."""
        return cls(MappingProxyType(dict(environ)), project)

    def __repr__(self) -> str:
        name = f"{self._project.name}, " if self._project is not None else ""
        return f"Context({name}<{len(self.environ)} variables>)"

    @property
    def cache_home(self) -> Path:
        """The user's cache directory: ``$XDG_CACHE_HOME``, else ``~/.cache``
        (XDG Base Directory Specification)."""
        return Path(self.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")

    @property
    def pyenv_root(self) -> Path:
        """Where pyenv keeps its Pythons: ``$PYENV_ROOT``, else ``~/.pyenv`` (pyenv's README)."""
        return Path(self.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")

    @property
    def search_path(self) -> tuple[str, ...]:
        """The directories of ``PATH``, in order (empty entries left out)."""
        return tuple(p for p in self.environ.get("PATH", "").split(os.pathsep) if p)

    @property
    def source_date_epoch(self) -> str | None:
        """``SOURCE_DATE_EPOCH`` (Unix seconds, reproducible-builds.org's
        specification) when set and not empty, else ``None``."""
        return self.environ.get("SOURCE_DATE_EPOCH") or None
